"""Logging a welfare call (issue 6): outcomes and their effects, retries over working days,
escalations, double submission, stale claims, and the "never dropped" check."""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone
from django.utils.html import escape

from here_to_help.models import HelpRequest
from tenants.models import Tenant
from tests.factories import (
    CallTaskFactory,
    FamilyContactFactory,
    HelpRequestFactory,
    OfficerFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.cadence import call_tenants
from welfare.call_actions import CallRefused, call_log, escalation_close, queue_check
from welfare.call_models import Call, Escalation, QueueGap
from welfare.call_text import call_summary
from welfare.models import CallTask
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def tenant(patch):
    return TenantFactory(first_name="Margaret", last_name="Holt", patch=patch)


@pytest.fixture
def task(tenant, officer):
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def log(task, officer, outcome, now=None, **fields):
    task.refresh_from_db()
    if now is not None:
        # The officer takes the call again at `now`, as "Take next call" would.
        CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=now)
        task.refresh_from_db()
    return call_log(
        task=task,
        officer=officer,
        outcome=outcome,
        idempotency_key=uuid.uuid4(),
        now=now,
        **fields,
    )


class TestOutcomes:
    def test_spoke_closes_the_task_and_records_the_contact(self, task, officer, tenant):
        call = log(
            task,
            officer,
            Call.Outcome.SPOKE,
            wellbeing="struggling",
            answers=["Not bad", "", "Yes", "", "", ""],
        )
        task.refresh_from_db()
        tenant.refresh_from_db()
        assert task.status == CallTask.Status.DONE
        assert task.last_wellbeing == "struggling"
        assert tenant.last_contact_at == call.made_at
        assert call.answered_script[0] == ("How are you doing?", "Not bad")

    def test_each_need_ticked_becomes_a_request(self, task, officer, tenant):
        log(task, officer, Call.Outcome.SPOKE, wellbeing="okay", needs=["food", "medication"])
        requests = HelpRequest.objects.filter(tenant=tenant)
        assert sorted(r.need for r in requests) == ["food", "medication"]
        assert {r.source for r in requests} == {HelpRequest.Source.WELFARE_CALL}
        assert {r.source_task_id for r in requests} == {task.pk}

    def test_no_answer_comes_back_the_next_working_day(self, task, officer):
        # Friday 28 August 2026; Monday 31 August is the summer bank holiday.
        friday = at(date(2026, 8, 28), 15)
        log(task, officer, Call.Outcome.NO_ANSWER, now=friday)
        task.refresh_from_db()
        assert task.is_open and task.attempts == 1 and task.claimed_by is None
        assert task.available_from == at(date(2026, 9, 1), 0)
        assert not CallTask.objects.claimable(at(date(2026, 8, 31), 12)).filter(pk=task.pk)
        assert CallTask.objects.claimable(at(date(2026, 9, 1), 9)).filter(pk=task.pk)

    def test_three_failed_attempts_on_different_days_escalate(self, task, officer, tenant):
        for day in (date(2026, 6, 1), date(2026, 6, 2)):
            log(task, officer, Call.Outcome.NO_ANSWER, now=at(day))
        assert not Escalation.objects.exists()
        log(task, officer, Call.Outcome.VOICEMAIL, now=at(date(2026, 6, 3)))
        task.refresh_from_db()
        escalation = Escalation.objects.get()
        assert (escalation.tenant, escalation.reason) == (tenant, "failed_attempts")
        assert task.status == CallTask.Status.CLOSED
        assert task.closed_reason == CallTask.ClosedReason.ESCALATED

    def test_the_saved_banner_says_the_third_failed_day_escalated(self, task, officer):
        first = log(task, officer, Call.Outcome.NO_ANSWER, now=at(date(2026, 6, 1)))
        log(task, officer, Call.Outcome.NO_ANSWER, now=at(date(2026, 6, 2)))
        third = log(task, officer, Call.Outcome.VOICEMAIL, now=at(date(2026, 6, 3)))

        assert "escalation" not in call_summary(first)
        assert call_summary(third).endswith(
            "That was the third day without an answer: an escalation is open, and a manager "
            "will try to reach Margaret Holt another way."
        )

    def test_three_failed_attempts_on_one_day_do_not(self, task, officer):
        for hour in (9, 12, 16):
            log(task, officer, Call.Outcome.NO_ANSWER, now=at(date(2026, 6, 1), hour))
        task.refresh_from_db()
        assert task.attempts == 1
        assert task.is_open
        assert not Escalation.objects.exists()

    def test_wrong_number_escalates_at_once(self, task, officer):
        log(task, officer, Call.Outcome.WRONG_NUMBER)
        assert Escalation.objects.get().reason == Escalation.Reason.WRONG_NUMBER

    def test_call_back_holds_the_task_for_the_same_officer(self, task, officer, other_officer):
        when = timezone.now() + timedelta(hours=3)
        log(task, officer, Call.Outcome.CALL_BACK, call_back_at=when)
        task.refresh_from_db()
        assert task.is_open and task.available_from == when and task.assigned_to == officer

    def test_declined_marks_the_tenant_and_is_never_queued_again(self, task, officer, tenant):
        log(task, officer, Call.Outcome.DECLINED)
        tenant.refresh_from_db()
        assert tenant.declined_calls_on == timezone.localdate()
        build_call_queue()
        assert not CallTask.objects.open().filter(tenant=tenant).exists()
        assert tenant.history.latest().history_change_reason == "welfare call"

    def test_in_hospital_pauses_calls_until_the_date(self, task, officer, tenant):
        until = timezone.localdate() + timedelta(days=14)
        log(task, officer, Call.Outcome.IN_HOSPITAL, in_hospital_until=until)
        tenant.refresh_from_db()
        assert tenant.in_hospital_until == until
        build_call_queue()
        assert not CallTask.objects.open().filter(tenant=tenant).exists()
        build_call_queue(on=until)
        assert CallTask.objects.open().filter(tenant=tenant).exists()

    def test_reported_deceased_closes_everything_and_asks_a_manager(self, task, officer, tenant):
        request = HelpRequestFactory(tenant=tenant)
        log(task, officer, Call.Outcome.DECEASED)
        tenant.refresh_from_db()
        request.refresh_from_db()
        assert tenant.deceased_reported_on == timezone.localdate()
        assert tenant.deceased_on is None  # pending a manager's confirmation
        assert request.status == HelpRequest.Status.CLOSED
        assert Escalation.objects.get().reason == Escalation.Reason.DECEASED
        assert not call_tenants().eligible_for_calls().filter(pk=tenant.pk).exists()

    def test_family_update_only_with_consent(self, task, officer, tenant):
        no_consent = FamilyContactFactory(tenant=tenant, consent_to_updates=False)
        with pytest.raises(CallRefused):
            log(task, officer, Call.Outcome.SPOKE, wellbeing="good", family_contact=no_consent)
        consent = FamilyContactFactory(
            tenant=tenant, consent_to_updates=True, consent_given_on=date(2026, 1, 5)
        )
        call = log(task, officer, Call.Outcome.SPOKE, wellbeing="good", family_contact=consent)
        assert call.family_updated == consent


class TestSafety:
    def test_the_same_form_twice_records_one_call(self, task, officer):
        key = uuid.uuid4()
        first = call_log(task=task, officer=officer, outcome="no_answer", idempotency_key=key)
        second = call_log(task=task, officer=officer, outcome="no_answer", idempotency_key=key)
        assert first == second
        assert Call.objects.count() == 1
        task.refresh_from_db()
        assert task.attempts == 1

    def test_a_lapsed_claim_is_refused(self, task, officer):
        CallTask.objects.filter(pk=task.pk).update(
            claimed_at=timezone.now() - timedelta(minutes=31)
        )
        task.refresh_from_db()
        with pytest.raises(CallRefused, match="hold on this call ran out"):
            call_log(
                task=task,
                officer=officer,
                outcome="spoke",
                wellbeing="good",
                idempotency_key=uuid.uuid4(),
            )
        assert not Call.objects.exists()

    def test_a_call_someone_else_took_is_refused(self, task, officer, team):
        colleague = OfficerFactory(team=team)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=colleague)
        task.refresh_from_db()
        with pytest.raises(CallRefused, match="has taken this call"):
            call_log(task=task, officer=officer, outcome="no_answer", idempotency_key=uuid.uuid4())

    def test_spoke_without_wellbeing_is_impossible_in_the_database(self, task, officer, tenant):
        with pytest.raises(IntegrityError):
            Call.objects.create(
                task=task,
                tenant=tenant,
                officer=officer,
                outcome="spoke",
                made_on=timezone.localdate(),
            )


class TestCallPage:
    def post(self, client, task, **data):
        payload = {
            "idempotency_key": str(uuid.uuid4()),
            "outcome": "spoke",
            "wellbeing": "good",
            "notes": "Chatty today",
        }
        payload.update(data)
        return client.post(f"/queue/task/{task.pk}/log/", payload)

    def test_the_page_shows_the_script_numbers_and_last_calls(self, officer_client, task, officer):
        Call.objects.create(
            task=task,
            tenant=task.tenant,
            officer=officer,
            outcome="no_answer",
            made_on=timezone.localdate(),
        )
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        assert "Are you able to get any medication if you need it?" in page
        assert f'href="tel:{task.tenant.phone}"' in page
        assert "No answer" in page
        assert "Save the call" in page

    def test_resubmitting_the_form_records_one_call(self, officer_client, task):
        key = str(uuid.uuid4())
        assert self.post(officer_client, task, idempotency_key=key).status_code == 302
        assert self.post(officer_client, task, idempotency_key=key).status_code == 302
        assert Call.objects.count() == 1

    def test_a_stale_claim_no_one_else_took_is_saved(self, officer_client, task):
        # A form from before it said which hold it was typed under (welfare.call_lapse): the
        # officer's own lapsed hold, with nothing logged since, is theirs again.
        CallTask.objects.filter(pk=task.pk).update(
            claimed_at=timezone.now() - timedelta(minutes=45)
        )
        response = self.post(officer_client, task, notes="Said her daughter visits Tuesdays")
        assert response.status_code == 302
        assert Call.objects.get().notes == "Said her daughter visits Tuesdays"

    def test_a_released_call_sent_without_its_hold_keeps_the_typed_notes(
        self, officer_client, task
    ):
        CallTask.objects.filter(pk=task.pk).update(claimed_by=None, claimed_at=None)
        response = self.post(officer_client, task, notes="Said her daughter visits Tuesdays")
        assert response.status_code == 409
        page = response.content.decode()
        assert "ran out" in page
        assert "Said her daughter visits Tuesdays" in page
        assert not Call.objects.exists()

    def test_errors_use_the_error_summary(self, officer_client, task):
        response = self.post(officer_client, task, wellbeing="")
        assert response.status_code == 400
        page = response.content.decode()
        assert "govuk-error-summary" in page and "Select how the tenant is" in page

    def test_follow_ups_under_another_outcome_are_refused_not_dropped(self, officer_client, task):
        # Issue 14 reverses issue 6's rule (follow-ups of other outcomes were dropped silently):
        # a date typed under "Call back requested" while "Spoke to tenant" is chosen is refused,
        # and what was typed comes back.
        response = self.post(
            officer_client,
            task,
            call_back_date_0="31",
            call_back_date_1="2",
            call_back_date_2="2027",
            in_hospital_until_0="99",
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "You filled in questions under &quot;Call back requested&quot;" in page
        assert "You filled in questions under &quot;In hospital&quot;" in page
        assert 'value="2027"' in page and "Chatty today" in page
        assert not Call.objects.exists()

    def test_call_back_needs_a_future_time(self, officer_client, task):
        past = timezone.localdate() - timedelta(days=1)
        response = self.post(
            officer_client,
            task,
            outcome="call_back",
            call_back_date_0=past.day,
            call_back_date_1=past.month,
            call_back_date_2=past.year,
            call_back_time="14:30",
        )
        assert "must be in the future" in response.content.decode()

    def test_only_consenting_contacts_can_be_updated(self, officer_client, task):
        refused = FamilyContactFactory(tenant=task.tenant, consent_to_updates=False)
        FamilyContactFactory(
            tenant=task.tenant, consent_to_updates=True, consent_given_on=date(2026, 1, 5)
        )
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        assert f'value="{refused.pk}"' not in page
        response = self.post(officer_client, task, family_contact=refused.pk)
        assert response.status_code == 400
        assert not Call.objects.exists()

    def test_another_teams_officer_cannot_log_a_call(self, client, task, other_officer):
        from conftest import sign_in

        sign_in(client, other_officer)
        assert self.post(client, task).status_code == 404
        assert not Call.objects.exists()


class TestEscalations:
    @pytest.fixture
    def escalation(self, task, officer):
        log(task, officer, Call.Outcome.WRONG_NUMBER)
        return Escalation.objects.get()

    def test_escalated_tenant_gets_no_new_task_but_stays_visible(self, escalation, tenant):
        build_call_queue()
        assert not CallTask.objects.open().filter(tenant=tenant).exists()
        assert queue_check() == 0

    def test_closed_only_with_a_result(self, escalation, manager):
        with pytest.raises(CallRefused):
            escalation_close(escalation=escalation, result="  ", by=manager)
        escalation.status = Escalation.Status.CLOSED
        with pytest.raises(IntegrityError):
            escalation.save()

    def test_manager_list_actions_and_close(self, manager_client, escalation, tenant):
        page = manager_client.get("/queue/escalations/").content.decode()
        assert escape(tenant.full_name) in page
        url = f"/queue/escalations/{escalation.pk}/"
        manager_client.post(url + "action/", {"kind": "door_knock", "notes": "No reply at door"})
        response = manager_client.post(url + "close/", {"result": ""})
        assert "Enter the result before closing the escalation" in response.content.decode()
        manager_client.post(
            url + "close/", {"result": "Daughter says she is safe", "contacted": "on"}
        )
        escalation.refresh_from_db()
        tenant.refresh_from_db()
        assert not escalation.is_open and escalation.actions.count() == 1
        assert tenant.last_contact_at is not None

    def test_closed_escalations_can_be_listed(self, manager_client, escalation, manager):
        escalation_close(escalation=escalation, result="Number corrected with family", by=manager)
        open_page = manager_client.get("/queue/escalations/").content.decode()
        assert escape(escalation.tenant.full_name) not in open_page
        page = manager_client.get("/queue/escalations/?status=closed").content.decode()
        assert escape(escalation.tenant.full_name) in page
        assert "Number corrected with family" in page

    def test_deceased_confirmation(self, task, officer, manager, tenant):
        log(task, officer, Call.Outcome.DECEASED)
        escalation = Escalation.objects.get()
        with pytest.raises(CallRefused):
            escalation_close(escalation=escalation, result="Checked", by=manager)
        escalation_close(
            escalation=escalation, result="Family confirmed", by=manager, death_confirmed=True
        )
        tenant.refresh_from_db()
        assert tenant.deceased_on == tenant.deceased_reported_on

    def test_a_report_found_wrong_calls_the_tenant_again_at_once(
        self, task, officer, manager, tenant
    ):
        log(task, officer, Call.Outcome.DECEASED)
        assert not CallTask.objects.open().filter(tenant=tenant).exists()

        escalation_close(
            escalation=Escalation.objects.get(),
            result="Her daughter says she is well",
            by=manager,
            death_confirmed=False,
        )

        tenant.refresh_from_db()
        assert tenant.deceased_reported_on is None
        assert CallTask.objects.open().filter(tenant=tenant).count() == 1

    def test_officers_cannot_open_escalations(self, officer_client, escalation):
        assert officer_client.get("/queue/escalations/").status_code == 403
        assert officer_client.get(f"/queue/escalations/{escalation.pk}/").status_code == 403


class TestNeverDropped:
    def test_the_check_finds_exactly_the_broken_rows(self, patch, officer):
        on = timezone.localdate()
        tenants = TenantFactory.create_batch(30, patch=patch, last_contact_at=None)
        Tenant.objects.update(created_at=timezone.now() - timedelta(days=2))  # on the register
        build_call_queue(on=on)
        assert queue_check(on=on) == 0
        # Break some rows: tasks deleted, closed by hand, or done without a contact recorded.
        broken = tenants[:3]
        CallTask.objects.filter(tenant=broken[0]).delete()
        CallTask.objects.filter(tenant=broken[1]).update(status="closed", closed_reason="oops")
        CallTask.objects.filter(tenant=broken[2]).update(status="done")
        # Covered in other ways: an escalation instead of a task; not due any more.
        task = CallTask.objects.get(tenant=tenants[3])
        task.claimed_by, task.claimed_at = officer, timezone.now()
        task.save()
        log(task, officer, Call.Outcome.WRONG_NUMBER)
        Tenant.objects.filter(pk=tenants[4].pk).update(last_contact_at=timezone.now())
        CallTask.objects.filter(tenant=tenants[4]).delete()

        assert queue_check(on=on) == 3
        gaps = QueueGap.objects.filter(resolved_at__isnull=True)
        assert {gap.tenant_id for gap in gaps} == {t.pk for t in broken}
        assert queue_check(on=on) == 3  # running again adds nothing
        assert gaps.count() == 3
        build_call_queue(on=on)  # the next build repairs them ...
        assert queue_check(on=on) == 0
        assert not QueueGap.objects.filter(resolved_at__isnull=True).exists()  # ... and clears

    def test_a_tenant_added_today_is_not_missing_until_the_next_build(self, patch):
        with time_machine.travel(timezone.now(), tick=False):  # both on one day, even at 23:59
            TenantFactory(patch=patch, last_contact_at=None)
            assert queue_check() == 0

    def test_managers_see_the_gaps_on_their_home_page(self, manager_client, patch):
        tenant = TenantFactory(patch=patch, last_contact_at=None)
        Tenant.objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=2))
        queue_check()
        page = manager_client.get("/").content.decode()
        assert "1 due tenant with no call task or escalation" in page
        assert escape(tenant.full_name) in manager_client.get("/queue/gaps/").content.decode()

    def test_the_daily_check_is_scheduled_after_the_build(self):
        from config.celery_app import app

        build = app.conf.beat_schedule["welfare-build-call-queue"]["schedule"]
        check = app.conf.beat_schedule["welfare-queue-check"]
        assert check["task"] == "welfare.queue_check"
        assert (check["schedule"].hour, check["schedule"].minute) == ({6}, {20})
        assert build.hour == {6} and build.minute == {0}


class TestFlagsOnTheRecord:
    """Flags set on the tenant record stop calls at once, as the form promises."""

    def post_flag(self, client, tenant, field, value):
        return client.post(
            f"/tenants/{tenant.pk}/flags/",
            {
                "reason": "Phoned in",
                "lives_alone": "no",
                f"{field}_0": value.day,
                f"{field}_1": value.month,
                f"{field}_2": value.year,
            },
        )

    @pytest.mark.parametrize(
        ("field", "days", "reason"),
        [
            ("declined_calls_on", 0, CallTask.ClosedReason.DECLINED),
            ("in_hospital_until", 10, CallTask.ClosedReason.IN_HOSPITAL),
            ("deceased_reported_on", 0, CallTask.ClosedReason.DECEASED),
        ],
    )
    def test_the_open_call_closes_at_once(self, officer_client, task, tenant, field, days, reason):
        response = self.post_flag(
            officer_client, tenant, field, timezone.localdate() + timedelta(days=days)
        )
        assert response.status_code == 302
        task.refresh_from_db()
        assert (task.status, task.closed_reason) == (CallTask.Status.CLOSED, reason)

    def test_a_death_reported_on_the_record_goes_to_a_manager(self, officer_client, task, tenant):
        request = HelpRequestFactory(tenant=tenant)
        self.post_flag(officer_client, tenant, "deceased_reported_on", timezone.localdate())
        escalation = Escalation.objects.get(tenant=tenant)
        assert escalation.reason == Escalation.Reason.DECEASED
        request.refresh_from_db()
        assert request.status == HelpRequest.Status.CLOSED
