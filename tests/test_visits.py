"""Doorstep visits (issue 17): an escalation becomes a visit someone owns; its outcomes and what
follows; who may see it; the round list, the home panel and the ladder page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from conftest import sign_in
from here_to_help.models import HelpRequest, Need
from tenants.models import AccessLog
from tests.factories import (
    CallTaskFactory,
    IncomeOfficerFactory,
    OfficerFactory,
    PatchFactory,
    TenantFactory,
)
from welfare.call_actions import ATTEMPTS_BEFORE_ESCALATION
from welfare.call_models import Escalation, EscalationAction
from welfare.models import CallTask, Visit
from welfare.visit_actions import VisitRefused, visit_raise, visit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(patch):
    return TenantFactory(first_name="Margaret", last_name="Holt", patch=patch, mobile="")


@pytest.fixture
def escalation(tenant, team):
    task = CallTaskFactory(tenant=tenant, status=CallTask.Status.CLOSED, cadence_days=14)
    return Escalation.objects.create(
        tenant=tenant, task=task, team=team, reason=Escalation.Reason.FAILED_ATTEMPTS
    )


def target():
    return timezone.localdate() + timedelta(days=2)


def raise_for(escalation, team, manager, officer=None, what_to_ask=""):
    return visit_raise(
        escalation=escalation,
        team=team,
        officer=officer,
        target_on=target(),
        what_to_ask=what_to_ask,
        by=manager,
    )


@pytest.fixture
def visit(escalation, team, officer, manager):
    return raise_for(escalation, team, manager, officer, "Ask about her medication")


class TestRaising:
    def test_escalation_becomes_a_visit_the_officer_owns(self, visit, escalation, officer):
        assert (visit.officer, visit.team, visit.target_on) == (officer, officer.team, target())
        assert visit.is_open and escalation.visits.get() == visit
        action = escalation.actions.get()
        assert action.kind == EscalationAction.Kind.DOOR_KNOCK
        assert "by" in action.notes

    def test_never_two_open_visits_for_a_tenant(self, visit, escalation, team, manager):
        with pytest.raises(VisitRefused, match="already has a visit"):
            raise_for(escalation, team, manager, None, "")
        assert Visit.objects.count() == 1

    def test_officer_of_another_team_is_refused(self, escalation, team, other_officer, manager):
        with pytest.raises(VisitRefused, match="not in"):
            raise_for(escalation, team, manager, other_officer, "")

    def test_closed_escalation_cannot_become_a_visit(self, escalation, team, manager):
        Escalation.objects.filter(pk=escalation.pk).update(
            status=Escalation.Status.CLOSED, result="Reached by family", closed_at=timezone.now()
        )
        with pytest.raises(VisitRefused, match="closed"):
            raise_for(escalation, team, manager, None, "")

    def test_manager_raises_a_visit_from_the_escalation_page(
        self, manager_client, escalation, team, officer
    ):
        page = manager_client.get(f"/queue/escalations/{escalation.pk}/").content.decode()
        assert f"/queue/escalations/{escalation.pk}/visit/" in page
        day = target()
        response = manager_client.post(
            f"/queue/escalations/{escalation.pk}/visit/",
            {
                "team": team.pk,
                "officer": officer.pk,
                "target_on_0": day.day,
                "target_on_1": day.month,
                "target_on_2": day.year,
                "what_to_ask": "Is the heating working?",
            },
        )
        visit = Visit.objects.get()
        assert response.status_code == 302 and response.url == f"/queue/visits/{visit.pk}/"
        assert visit.what_to_ask == "Is the heating working?"

    def test_refused_form_keeps_what_was_typed(self, manager_client, escalation, team):
        response = manager_client.post(
            f"/queue/escalations/{escalation.pk}/visit/",
            {"team": team.pk, "what_to_ask": "Is the heating working?"},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "Enter the date to visit by" in page
        assert "Is the heating working?" in page
        assert not Visit.objects.exists()

    def test_only_managers_raise_visits(self, officer_client, escalation):
        assert officer_client.get(f"/queue/escalations/{escalation.pk}/visit/").status_code == 403


class TestOutcomes:
    def test_seen_and_well_closes_the_escalation_as_a_contact(self, visit, officer, tenant):
        visit_record(visit=visit, outcome=Visit.Outcome.SEEN_WELL, by=officer, notes="Fine")
        visit.refresh_from_db()
        tenant.refresh_from_db()
        escalation = visit.escalation
        escalation.refresh_from_db()
        assert not visit.is_open and visit.outcome == "seen_well"
        assert not escalation.is_open and escalation.result == "Visit: seen and well. Fine"
        assert tenant.last_contact_at == visit.recorded_at

    def test_seen_and_needs_help_raises_a_request_per_need(self, visit, officer, tenant):
        visit_record(
            visit=visit,
            outcome=Visit.Outcome.SEEN_NEEDS_HELP,
            by=officer,
            needs=[Need.FOOD, Need.MEDICATION],
        )
        requests = HelpRequest.objects.filter(tenant=tenant)
        assert sorted(requests.values_list("need", flat=True)) == ["food", "medication"]
        assert all(r.notes.first().text.count("doorstep visit") for r in requests)

    def test_needs_help_without_a_need_is_refused(self, visit, officer):
        with pytest.raises(VisitRefused, match="needs help with"):
            visit_record(visit=visit, outcome=Visit.Outcome.SEEN_NEEDS_HELP, by=officer)
        visit.refresh_from_db()
        assert visit.is_open

    def test_card_left_retries_the_call_on_the_number_given(self, visit, officer, tenant):
        visit_record(
            visit=visit, outcome=Visit.Outcome.CARD_LEFT, by=officer, number_given="+447911123456"
        )
        assert [str(n) for n in tenant.numbers_to_dial()][0] == "+447911123456"
        task = CallTask.objects.open().get(tenant=tenant)
        assert task.available_from == visit.escalation.visits.get().recorded_at
        assert task.cadence_days == 14 and task.attempts == 0
        assert not Escalation.objects.filter(tenant=tenant, status="open").exists()
        assert tenant.phone_numbers.get().reason == "Given at a doorstep visit"

    def test_no_answer_with_concern_needs_who_and_when(self, visit, officer):
        with pytest.raises(VisitRefused, match="emergency services"):
            visit_record(
                visit=visit,
                outcome=Visit.Outcome.NO_ANSWER_CONCERN,
                by=officer,
                emergency_contacted="Police 101",
            )
        when = timezone.now() - timedelta(minutes=5)
        visit_record(
            visit=visit,
            outcome=Visit.Outcome.NO_ANSWER_CONCERN,
            by=officer,
            emergency_contacted="Police 101, log 77",
            emergency_contacted_at=when,
        )
        visit.refresh_from_db()
        assert (visit.emergency_contacted, visit.emergency_contacted_at) == (
            "Police 101, log 77",
            when,
        )
        # The manager still owns what happens next.
        assert visit.escalation.is_open
        assert visit.escalation.actions.last().notes.startswith("Visit: no answer, with concern")

    def test_moved_leaves_the_escalation_for_a_manager(self, visit, officer):
        visit_record(visit=visit, outcome=Visit.Outcome.MOVED, by=officer)
        visit.escalation.refresh_from_db()
        assert visit.escalation.is_open

    def test_closing_after_moved_queues_no_call(self, visit, officer, manager, tenant):
        from welfare.call_actions import escalation_close

        visit_record(visit=visit, outcome=Visit.Outcome.MOVED, by=officer)
        closed = escalation_close(
            escalation=visit.escalation, result="Moved to her daughter's", by=manager
        )
        assert getattr(closed, "call_opened", None) is None
        assert not CallTask.objects.open().filter(tenant=tenant).exists()

    def test_died_is_reported_for_a_manager_to_confirm(self, visit, officer, tenant):
        visit_record(visit=visit, outcome=Visit.Outcome.DIED, by=officer)
        tenant.refresh_from_db()
        assert tenant.deceased_reported_on == timezone.localdate()
        assert tenant.deceased_on is None
        open_escalation = Escalation.objects.get(tenant=tenant, status="open")
        assert open_escalation.reason == Escalation.Reason.DECEASED

    def test_an_outcome_is_recorded_once(self, visit, officer):
        visit_record(visit=visit, outcome=Visit.Outcome.SEEN_WELL, by=officer)
        with pytest.raises(VisitRefused, match="already recorded"):
            visit_record(visit=visit, outcome=Visit.Outcome.MOVED, by=officer)

    def test_officer_records_card_left_on_the_page(self, officer_client, visit, tenant):
        response = officer_client.post(
            f"/queue/visits/{visit.pk}/record/",
            {"outcome": "card_left", "number_given": "07911 123456", "notes": "Card in door"},
        )
        assert response.status_code == 302
        visit.refresh_from_db()
        assert visit.outcome == "card_left" and str(visit.number_given) == "+447911123456"

    def test_refused_outcome_keeps_what_was_typed(self, officer_client, visit):
        response = officer_client.post(
            f"/queue/visits/{visit.pk}/record/",
            {"outcome": "no_answer_concern", "notes": "Curtains drawn, milk on step"},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "Enter who in the emergency services was contacted" in page
        assert "Curtains drawn, milk on step" in page
        visit.refresh_from_db()
        assert visit.is_open


class TestAccess:
    def test_team_officer_and_manager_see_it_and_the_read_is_logged(
        self, client, visit, officer, manager, tenant
    ):
        for user in (officer, manager):
            sign_in(client, user)
            response = client.get(f"/queue/visits/{visit.pk}/")
            assert response.status_code == 200
            assert escape(tenant.full_name) in response.content.decode()
            assert AccessLog.objects.filter(user=user, tenant_id=tenant.pk).exists()

    def test_another_teams_officer_gets_404(self, client, visit, other_officer):
        sign_in(client, other_officer)
        assert client.get(f"/queue/visits/{visit.pk}/").status_code == 404
        assert client.post(f"/queue/visits/{visit.pk}/record/", {}).status_code == 404
        assert not AccessLog.objects.filter(user=other_officer).exists()

    def test_income_officer_gets_403(self, client, visit, team):
        sign_in(client, IncomeOfficerFactory(team=team))
        assert client.get(f"/queue/visits/{visit.pk}/").status_code == 403
        assert client.get("/queue/visits/").status_code == 403


class TestRound:
    @pytest.fixture
    def round_(self, team, officer, manager):
        """Three visits in two patches, raised out of order; one for another officer."""
        south = PatchFactory(code="PR-AAA", team=team)
        rows = [
            (PatchFactory(code="PR-ZZZ", team=team), "9 Acre Lane", officer),
            (south, "4 Mill Street", officer),
            (south, "12 Brook Road", None),
            (south, "1 Elm Row", OfficerFactory(team=team)),
        ]
        for patch, address, who in rows:
            tenant = TenantFactory(patch=patch, address_line_1=address)
            escalation = Escalation.objects.create(tenant=tenant, team=team, reason="wrong_number")
            raise_for(escalation, team, manager, who, f"Ask at {address}")

    def test_officers_list_is_in_patch_then_address_order(self, officer_client, round_):
        page = officer_client.get("/queue/visits/").content.decode()
        addresses = ["12 Brook Road", "4 Mill Street", "9 Acre Lane"]
        positions = [page.index(address) for address in addresses]
        assert positions == sorted(positions)
        assert "1 Elm Row" not in page  # another officer's
        assert "Ask at 4 Mill Street" in page
        assert "visits-print.css" in page

    def test_printing_the_list_logs_each_tenant_read(self, officer_client, officer, round_):
        officer_client.get("/queue/visits/")
        assert AccessLog.objects.filter(user=officer, page="/queue/visits/").count() == 3

    def test_another_team_sees_none(self, client, other_officer, round_):
        sign_in(client, other_officer)
        assert "No visits to make" in client.get("/queue/visits/").content.decode()

    def test_list_queries_do_not_grow_with_rows(
        self, officer_client, visit, manager, team, django_assert_num_queries
    ):
        # session, user (and their two-factor devices), the visits with tenant, patch, team and
        # officer, the access-log insert, session renewal (savepoint, update, release)
        with django_assert_num_queries(7):
            officer_client.get("/queue/visits/")
        for _ in range(5):
            tenant = TenantFactory(patch=visit.tenant.patch)
            escalation = Escalation.objects.create(tenant=tenant, team=team, reason="wrong_number")
            raise_for(escalation, team, manager, None, "")
        with django_assert_num_queries(7):
            officer_client.get("/queue/visits/")

    def test_home_panel_lists_the_officers_visits(self, officer_client, round_):
        page = officer_client.get("/").content.decode()
        assert 'id="panel-visits"' in page
        assert page.index("12 Brook Road") < page.index("9 Acre Lane")


class TestLadder:
    def test_manager_sees_the_ladder_as_the_code_runs_it(self, manager_client):
        page = manager_client.get("/queue/ladder/").content.decode()
        assert f'id="ladder-attempts">{ATTEMPTS_BEFORE_ESCALATION}<' in page
        assert "Doorstep visit" in page and "card left" in page
        assert "Switched on" in page

    def test_officers_cannot_open_it(self, officer_client):
        assert officer_client.get("/queue/ladder/").status_code == 403
