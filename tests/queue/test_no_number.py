"""Tenants with no number to dial go to a manager, not to an officer's "Take next call"
(welfare.no_number): at the morning build, and wherever a call opens at once."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tenants.actions import phone_number_add, phone_number_mark
from tenants.models import PhoneNumber, Tenant
from tests.factories import CallTaskFactory
from tests.queue.helpers import ON, at, contacted, make_tenant, open_task
from welfare.call_actions import escalation_close, queue_check, work_take_next
from welfare.call_models import Escalation
from welfare.flag_actions import calls_follow_flags
from welfare.models import CallTask, Visit
from welfare.queue import build_call_queue
from welfare.visit_actions import visit_raise, visit_record

pytestmark = pytest.mark.django_db

LANDLINE, GIVEN = "+442079460001", "+447700900003"


def mark(tenant, number, by, status=PhoneNumber.Status.WRONG):
    phone_number_mark(tenant=tenant, number=number, status=status, reason="On a call", by=by)


def add(tenant, number, by):
    phone_number_add(tenant=tenant, number=number, reason="Given by her son", by=by)


def no_number_tenant(patch, by, **fields):
    """A due tenant whose only number an officer marked wrong."""
    tenant = make_tenant(patch, phone=LANDLINE, mobile="", last_contact_at=None, **fields)
    mark(tenant, LANDLINE, by)
    return tenant


def open_escalation(tenant):
    return Escalation.objects.get(tenant=tenant, status=Escalation.Status.OPEN)


class TestBuild:
    def test_a_tenant_with_no_number_goes_to_a_manager_not_the_queue(self, patch, officer):
        tenant = no_number_tenant(patch, officer)
        callable_ = make_tenant(patch, last_contact_at=None)
        result = build_call_queue(on=ON)
        assert (result.opened, result.passed_to_manager) == (1, 1)
        assert open_task(callable_)
        assert not CallTask.objects.filter(tenant=tenant).exists()
        escalation = open_escalation(tenant)
        assert escalation.reason == Escalation.Reason.NO_NUMBER
        assert escalation.get_reason_display() == "No number to dial"
        assert escalation.team == patch.team and escalation.task is None
        assert work_take_next(user=officer, now=at(ON)).tenant == callable_
        assert work_take_next(user=officer, now=at(ON)).tenant == callable_  # nothing else
        assert queue_check(on=ON, now=at(ON, 12)) == 0  # in a manager's hands: not a gap

    def test_running_the_build_again_opens_nothing_more(self, patch, officer):
        tenant = no_number_tenant(patch, officer)
        build_call_queue(on=ON)
        again = build_call_queue(on=ON)
        later = build_call_queue(on=ON + timedelta(days=1))
        assert again.passed_to_manager == later.passed_to_manager == 0
        assert Escalation.objects.filter(tenant=tenant).count() == 1
        assert "0 passed to a manager (no number to dial)" in str(again)
        with pytest.raises(IntegrityError), transaction.atomic():
            Escalation.objects.create(tenant=tenant, reason=Escalation.Reason.NO_NUMBER)

    def test_an_open_call_whose_number_was_marked_wrong_since_closes_as_escalated(
        self, patch, officer
    ):
        tenant = make_tenant(patch, phone=LANDLINE, mobile="", last_contact_at=contacted(100))
        build_call_queue(on=ON)
        task = open_task(tenant)
        mark(tenant, LANDLINE, officer)  # on the numbers page, not on a call
        result = build_call_queue(on=ON + timedelta(days=1))
        task.refresh_from_db()
        assert result.passed_to_manager == 1
        assert (task.status, task.closed_reason) == ("closed", CallTask.ClosedReason.ESCALATED)
        escalation = open_escalation(tenant)
        assert (escalation.task, escalation.team) == (task, patch.team)

    def test_an_officers_wrong_number_escalation_is_not_doubled(self, patch, officer):
        tenant = no_number_tenant(patch, officer)
        Escalation.objects.create(
            tenant=tenant, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER
        )
        assert build_call_queue(on=ON).passed_to_manager == 0
        assert open_escalation(tenant).reason == Escalation.Reason.WRONG_NUMBER
        assert not CallTask.objects.filter(tenant=tenant).exists()

    def test_a_number_added_sends_the_tenant_back_to_the_queue_at_the_next_build(
        self, patch, officer
    ):
        tenant = no_number_tenant(patch, officer)
        build_call_queue(on=ON)
        escalation = open_escalation(tenant)
        add(tenant, GIVEN, officer)
        result = build_call_queue(on=ON + timedelta(days=1))
        escalation.refresh_from_db()
        assert (result.numbers_found, result.opened, result.passed_to_manager) == (1, 1, 0)
        assert escalation.status == Escalation.Status.CLOSED
        assert escalation.result.startswith("Closed by the call queue build on 2 June 2026")
        assert open_task(tenant)
        assert work_take_next(user=officer, now=at(ON + timedelta(days=1))).tenant == tenant

    def test_closed_by_a_manager_with_no_number_found_it_comes_back_to_a_manager(
        self, patch, officer, manager
    ):
        tenant = no_number_tenant(patch, officer)
        build_call_queue(on=ON)
        escalation_close(
            escalation=open_escalation(tenant), result="Family have no number", by=manager
        )
        assert build_call_queue(on=ON + timedelta(days=1)).passed_to_manager == 1
        assert open_escalation(tenant).reason == Escalation.Reason.NO_NUMBER
        assert not CallTask.objects.filter(tenant=tenant).exists()

    def test_a_tenant_with_no_phone_goes_to_a_manager_unless_a_number_was_added(
        self, patch, officer
    ):
        """no_phone: no phone at all, by their own account. Calls cannot reach them; the
        manager's ladder (family, provider, Lifeline, a visit) can."""
        no_phone = make_tenant(patch, phone="", mobile="", no_phone=True, last_contact_at=None)
        reachable = make_tenant(patch, phone="", mobile="", no_phone=True, last_contact_at=None)
        add(reachable, GIVEN, officer)
        build_call_queue(on=ON)
        assert open_escalation(no_phone).reason == Escalation.Reason.NO_NUMBER
        assert open_task(reachable)

    def test_the_manager_sees_why(self, manager_client, patch, officer):
        tenant = no_number_tenant(patch, officer, first_name="Nina", last_name="Nonumber")
        build_call_queue(on=ON)
        page = manager_client.get(reverse("welfare:escalations")).content.decode()
        assert "Nina Nonumber" in page and "No number to dial" in page
        page = manager_client.get(reverse("welfare:escalation", args=[open_escalation(tenant).pk]))
        assert "No number to dial" in page.content.decode()


class TestAtOnce:
    def test_a_cleared_decline_with_no_number_goes_to_a_manager(self, patch, officer):
        tenant = no_number_tenant(patch, officer)
        Tenant.objects.filter(pk=tenant.pk).update(declined_calls_on=None)
        calls_follow_flags(tenant=tenant, changed=["declined_calls_on"], now=at(ON))
        assert not CallTask.objects.filter(tenant=tenant).exists()
        escalation = open_escalation(tenant)
        assert (escalation.reason, escalation.team) == (Escalation.Reason.NO_NUMBER, patch.team)
        calls_follow_flags(tenant=tenant, changed=["declined_calls_on"], now=at(ON, 11))
        assert Escalation.objects.filter(tenant=tenant).count() == 1

    def test_a_card_left_with_no_number_goes_back_to_a_manager(self, patch, officer, manager):
        tenant = no_number_tenant(patch, officer)
        task = CallTaskFactory(tenant=tenant, status=CallTask.Status.CLOSED, cadence_days=14)
        first = Escalation.objects.create(
            tenant=tenant, task=task, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER
        )
        visit = visit_raise(
            escalation=first,
            team=patch.team,
            officer=officer,
            target_on=ON,
            what_to_ask="",
            by=manager,
            now=at(ON - timedelta(days=1)),
        )
        visit_record(visit=visit, outcome=Visit.Outcome.CARD_LEFT, by=officer, now=at(ON))
        first.refresh_from_db()
        assert first.status == Escalation.Status.CLOSED
        assert not CallTask.objects.open().filter(tenant=tenant).exists()
        assert open_escalation(tenant).reason == Escalation.Reason.NO_NUMBER


def test_a_tenant_already_with_a_manager_keeps_their_task(patch, officer):
    """No escalation would name a task closed under another one: it is left as it is."""
    from welfare.no_number import no_number_escalate

    tenant = no_number_tenant(patch, officer)
    task = CallTaskFactory(tenant=tenant, team=patch.team)
    Escalation.objects.create(
        tenant=tenant, team=patch.team, reason=Escalation.Reason.FAILED_ATTEMPTS
    )
    assert no_number_escalate(teams={tenant.pk: patch.team_id}, now=at(ON)) == 0
    task.refresh_from_db()
    assert task.is_open
