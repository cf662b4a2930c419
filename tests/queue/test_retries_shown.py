"""A call waiting for its next attempt says so, everywhere: the call page says when it comes
back (no "Take this call" before then), a refused take says why, and a retry after no answer
is never shown or counted as a call-back the tenant asked for (with its "00:00")."""

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallTaskFactory, OfficerFactory, TenantFactory
from welfare.call_actions import call_log
from welfare.models import CallTask

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def task(patch):
    tenant = TenantFactory(patch=patch, first_name="Kirsty", last_name="Lord")
    return CallTaskFactory(tenant=tenant, due_on=MONDAY.date() - timedelta(days=3))


def log(task, officer, outcome, now, **fields):
    """`officer` takes the call at `now` and records `outcome`."""
    CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=now)
    task.refresh_from_db()
    with time_machine.travel(now, tick=False):
        call_log(
            task=task,
            officer=officer,
            outcome=outcome,
            idempotency_key=uuid.uuid4(),
            now=now,
            **fields,
        )
    task.refresh_from_db()


@pytest.fixture
def at(client, officer):
    """`at(when)`: the officer's browser at `when`, signed in then (sessions end when idle)."""

    @contextmanager
    def travel(when):
        with time_machine.travel(when, tick=True):
            client.force_login(officer)
            yield client

    return travel


def status(page):
    return page.split('id="claim-status">', 1)[1].split("</dd>", 1)[0].strip()


def row(page, task):
    return page.split(f'href="{reverse("welfare:task", args=[task.pk])}"', 1)[1].split("</tr>")[0]


class TestTheCallPageAfterNoAnswer:
    @pytest.mark.parametrize(
        ("outcome", "said"), [("no_answer", "No answer"), ("voicemail", "Voicemail left")]
    )
    def test_it_says_what_happened_when_the_next_attempt_is_and_offers_no_take(
        self, at, officer_client, officer, task, outcome, said
    ):
        log(task, officer, outcome, MONDAY)
        with at(MONDAY + timedelta(minutes=5)) as officer_client:
            page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
        assert status(page) == (
            f"{said} at the last attempt: next attempt from tomorrow. It can be taken from then."
        )
        assert "Waiting in the queue" not in page and "Take this call" not in page

    def test_taking_it_early_is_refused_with_the_reason(self, at, officer_client, officer, task):
        log(task, officer, "no_answer", MONDAY)
        with at(MONDAY + timedelta(minutes=5)) as officer_client:
            response = officer_client.post(reverse("welfare:claim", args=[task.pk]))
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Nobody answered the last attempt: the next attempt is from tomorrow, so it cannot "
            "be taken before then."
        ]
        task.refresh_from_db()
        assert task.claimed_by is None

    def test_from_its_day_it_is_waiting_and_can_be_taken(self, at, officer_client, officer, task):
        log(task, officer, "no_answer", MONDAY)
        with at(TUESDAY) as officer_client:
            page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
            assert status(page) == "Waiting in the queue" and "Take this call" in page
            officer_client.post(reverse("welfare:claim", args=[task.pk]))
        task.refresh_from_db()
        assert task.claimed_by == officer


class TestTakeRefusals:
    def test_someone_else_has_it(self, at, officer_client, team, task):
        colleague = OfficerFactory(username="sam.north", first_name="Sam", team=team)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=colleague, claimed_at=MONDAY)
        with at(MONDAY + timedelta(minutes=5)) as officer_client:
            response = officer_client.post(reverse("welfare:claim", args=[task.pk]))
        until = timezone.localtime(MONDAY + timedelta(minutes=30))
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            f"{colleague} has this call until {until:%H:%M}."
        ]

    def test_it_is_finished(self, at, officer_client, task):
        CallTask.objects.filter(pk=task.pk).update(status=CallTask.Status.DONE)
        response = officer_client.post(reverse("welfare:claim", args=[task.pk]))
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "This call is done: it can no longer be taken."
        ]

    def test_it_is_assigned_to_a_colleague(self, at, officer_client, team, task):
        colleague = OfficerFactory(username="sam.north", first_name="Sam", team=team)
        CallTask.objects.filter(pk=task.pk).update(assigned_to=colleague)
        response = officer_client.post(reverse("welfare:claim", args=[task.pk]))
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            f"This call is assigned to {colleague}: only they can take it."
        ]
        page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
        assert "Take this call" not in page

    def test_a_call_back_not_yet_due(self, at, officer_client, officer, task):
        log(task, officer, "call_back", MONDAY, call_back_at=MONDAY + timedelta(hours=4))
        with at(MONDAY + timedelta(minutes=5)) as officer_client:
            page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
            response = officer_client.post(reverse("welfare:claim", args=[task.pk]))
        assert status(page).startswith("Call-back today at 14:00, as the tenant asked")
        assert "Take this call" not in page
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "The tenant asked to be called back today at 14:00: take it then."
        ]


class TestARetryAfterACallBack:
    """Kirsty asked to be called back at 11:00; at 11:00 nobody answered, so the call comes
    back the next working day, still held for the officer: a retry, not a call-back."""

    @pytest.fixture
    def retried(self, officer, task):
        log(task, officer, "call_back", MONDAY, call_back_at=MONDAY + timedelta(hours=1))
        log(task, officer, "no_answer", MONDAY + timedelta(hours=1))
        return task

    def test_the_queue_does_not_call_it_a_call_back(self, at, officer_client, retried):
        with at(MONDAY + timedelta(hours=2)) as officer_client:
            page = officer_client.get(reverse("welfare:queue")).content.decode()
        assert "Call back" not in row(page, retried) and "00:00" not in row(page, retried)
        assert "Next attempt tomorrow" in row(page, retried)
        with at(TUESDAY + timedelta(hours=1)) as officer_client:
            page = officer_client.get(reverse("welfare:queue")).content.decode()
        assert "Call back" not in row(page, retried) and "00:00" not in row(page, retried)

    def test_home_counts_no_call_back(self, at, officer_client, retried):
        with at(MONDAY + timedelta(hours=2)) as officer_client:
            page = officer_client.get(reverse("home")).content.decode()
        assert 'id="next-call-back"' not in page
        with at(TUESDAY + timedelta(hours=1)) as officer_client:
            page = officer_client.get(reverse("home")).content.decode()
        assert 'id="call-backs-due"' not in page

    def test_a_real_call_back_keeps_its_time(self, at, officer_client, officer, task):
        log(task, officer, "call_back", MONDAY, call_back_at=MONDAY + timedelta(hours=1))
        with at(MONDAY + timedelta(minutes=5)) as officer_client:
            home = officer_client.get(reverse("home")).content.decode()
            queue = officer_client.get(reverse("welfare:queue")).content.decode()
        assert "Your next call-back: today at 11:00." in home
        assert "Call back today at 11:00" in row(queue, task)
        with at(MONDAY + timedelta(hours=1, minutes=1)) as officer_client:
            home = officer_client.get(reverse("home")).content.decode()
        assert "<strong>1</strong> call-back due now" in home
