"""The managers' control room (issue 20), queue side: cadence changes that take effect now,
redeployments under control, assignment with undo and an audit, queue settings and escalation
owners and targets. PostgreSQL, Redis and (where marked) a real Celery worker."""

import itertools
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tenants.models import AccessLog
from tests import csv_support
from tests.factories import CallTaskFactory, ManagerFactory, OfficerFactory, TenantFactory
from welfare import control_actions
from welfare.call_models import Escalation
from welfare.models import (
    AssignmentBatch,
    AssignmentEvent,
    CallTask,
    Cohort,
    QueueRebuild,
    QueueSettings,
    Redeployment,
    claim_minutes,
)
from welfare.queue import build_call_queue

LONDON = ZoneInfo("Europe/London")
SERIAL = itertools.count()


def tenant_in(patch, **fields):
    fields.setdefault("last_name", f"Surname{next(SERIAL)}")
    fields.setdefault("first_name", f"Given{next(SERIAL)}")
    return TenantFactory(patch=patch, **fields)


def tasks_in(patch, n, **fields):
    today = timezone.localdate()
    return [
        CallTaskFactory(tenant=tenant_in(patch), due_on=today - timedelta(days=n - i), **fields)
        for i in range(n)
    ]


def date_fields(name, day):
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


# Changes that take effect now -------------------------------------------------------------


@pytest.mark.django_db
class TestCadenceChange:
    def test_switching_everyone_else_off_closes_their_calls_and_says_so(
        self, manager_client, patch, django_capture_on_commit_callbacks
    ):
        now = timezone.now()
        for _ in range(3):  # everyone else, last spoken to 100 days ago: due at 90 days
            tenant_in(
                patch,
                last_contact_at=now - timedelta(days=100),
                date_of_birth=date(1980, 1, 1),
            )
        build_call_queue()
        assert CallTask.objects.open().count() == 3
        everyone_else = Cohort.objects.get(code="everyone_else")
        with django_capture_on_commit_callbacks() as queued:
            response = manager_client.post(
                reverse("welfare:cohort_edit", args=[everyone_else.pk]),
                {"cadence_days": "90"},
            )
        rebuild = QueueRebuild.objects.get()
        assert response.url == reverse("welfare:rebuild", args=[rebuild.pk])
        assert len(queued) == 1  # the Celery task is sent only once the change is committed
        assert rebuild.change == "Everyone else: calls switched off"
        # Until the worker has run, the page shows progress and asks again (htmx).
        page = manager_client.get(response.url).content.decode()
        assert "Everyone else: calls switched off" in page and 'hx-trigger="every 1s"' in page
        control_actions.queue_rebuild_run(rebuild_id=rebuild.pk)  # what the task does
        assert CallTask.objects.open().count() == 0
        fragment = manager_client.get(response.url, headers={"HX-Request": "true"})
        assert "3 calls closed: no longer due" in fragment.content.decode()
        assert "hx-trigger" not in fragment.content.decode()

    def test_a_shorter_cadence_opens_the_calls_now_due(self, manager_client, patch):
        now = timezone.now()
        tenant_in(patch, last_contact_at=now - timedelta(days=10), date_of_birth=date(1940, 1, 1))
        build_call_queue()
        assert not CallTask.objects.exists()
        aged = Cohort.objects.get(code="aged_70")
        manager_client.post(reverse("welfare:cohort_edit", args=[aged.pk]), {"cadence_days": "7"})
        rebuild = QueueRebuild.objects.get()
        assert rebuild.change == "Aged 70+: calls every 7 days"
        control_actions.queue_rebuild_run(rebuild_id=rebuild.pk)
        page = manager_client.get(reverse("welfare:rebuild", args=[rebuild.pk])).content.decode()
        assert "1 call opened: now due" in page
        assert CallTask.objects.open().count() == 1

    def test_the_cadence_box_is_a_govuk_number_input_with_the_limits(self, manager_client):
        aged = Cohort.objects.get(code="aged_70")
        page = manager_client.get(reverse("welfare:cohort_edit", args=[aged.pk])).content.decode()
        assert 'govuk-input govuk-input--width-4"' in page
        assert 'min="1"' in page and 'max="365"' in page

    def test_a_refused_cadence_is_shown_again(self, manager_client):
        aged = Cohort.objects.get(code="aged_70")
        response = manager_client.post(
            reverse("welfare:cohort_edit", args=[aged.pk]), {"cadence_days": "0"}
        )
        page = response.content.decode()
        assert "Enter a number of days from 1 to 365" in page and 'value="0"' in page
        assert "govuk-input--error" in page
        assert not QueueRebuild.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_rebuilds_the_queue_after_a_cadence_change(
    celery_worker_process, manager_client, patch
):
    client = manager_client
    tenant_in(
        patch, last_contact_at=timezone.now() - timedelta(days=95), date_of_birth=date(1980, 1, 1)
    )
    build_call_queue()
    everyone_else = Cohort.objects.get(code="everyone_else")
    client.post(reverse("welfare:cohort_edit", args=[everyone_else.pk]), {"cadence_days": "90"})
    rebuild = QueueRebuild.objects.get()
    deadline = time.monotonic() + 60
    while not QueueRebuild.objects.get(pk=rebuild.pk).finished and time.monotonic() < deadline:
        time.sleep(0.2)
    rebuild.refresh_from_db()
    assert (rebuild.status, rebuild.closed_not_due) == (QueueRebuild.Status.DONE, 1)
    assert not CallTask.objects.open().exists()


# Redeployments ------------------------------------------------------------------------------


def redeploy_post(patch, team, first, last, **extra):
    return {
        "patch": patch.pk,
        "team": team.pk,
        **date_fields("starts_on", first),
        **date_fields("ends_on", last),
        **extra,
    }


@pytest.mark.django_db
class TestRedeployments:
    def test_the_preview_says_what_moves_and_who_loses_calls_before_anything_changes(
        self, manager_client, manager, patch, team, other_team
    ):
        tasks = tasks_in(patch, 3)
        ravi = OfficerFactory(team=team, first_name="Ravi", last_name="Patel")
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=tasks[0].pk), officer=ravi, by=manager
        )
        today = timezone.localdate()
        response = manager_client.post(
            reverse("welfare:redeploy"),
            redeploy_post(patch, other_team, today, today + timedelta(days=6)),
        )
        page = response.content.decode()
        assert "3 calls move to South team" in page
        assert "1 assigned call loses its officer" in page
        assert escape(tasks[0].tenant.full_name) in page and "Ravi Patel" in page
        # the preview names a tenant: one access-log row lists them (issue 16)
        (row,) = AccessLog.objects.filter(user=manager, page=reverse("welfare:redeploy"))
        assert row.tenant_ids == [tasks[0].tenant_id]
        assert not Redeployment.objects.exists()
        assert set(CallTask.objects.values_list("team", flat=True)) == {team.pk}

    def test_confirming_moves_the_calls_and_each_move_is_audited(
        self, manager_client, manager, patch, other_team
    ):
        tasks = tasks_in(patch, 2)
        today = timezone.localdate()
        response = manager_client.post(
            reverse("welfare:redeploy"),
            redeploy_post(patch, other_team, today, today + timedelta(days=6), confirm="yes"),
            follow=True,
        )
        assert "2 calls moved to South team now" in response.content.decode()
        assert {t.team for t in CallTask.objects.filter(pk__in=[t.pk for t in tasks])} == {
            other_team
        }
        assert AssignmentEvent.objects.filter(kind="moved", team_after=other_team).count() == 2

    def test_an_overlapping_redeployment_is_refused_with_a_clear_message(
        self, manager_client, manager, patch, other_team, team
    ):
        today = timezone.localdate()
        control_actions.redeployment_create(
            patch=patch,
            team=other_team,
            starts_on=today,
            ends_on=today + timedelta(days=9),
            by=manager,
        )
        third = type(team).objects.create(name="Third team")
        response = manager_client.post(
            reverse("welfare:redeploy"),
            redeploy_post(patch, third, today + timedelta(days=5), today + timedelta(days=20)),
        )
        page = response.content.decode()
        assert "Ribble is already redeployed to South team" in page
        assert "end or cancel that one first" in page
        assert Redeployment.objects.count() == 1

    def test_the_database_refuses_two_redeployments_of_a_patch_on_one_day(
        self, manager, patch, other_team
    ):
        today = timezone.localdate()
        Redeployment.objects.create(
            patch=patch, team=other_team, starts_on=today, ends_on=today, created_by=manager
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            Redeployment.objects.create(
                patch=patch, team=other_team, starts_on=today, ends_on=today, created_by=manager
            )

    @pytest.mark.parametrize(
        "first, last, message",
        [
            (-1, 0, "The first day must be today or later"),
            (date(1, 1, 1), None, "The date must be between"),  # the date field's own window
            (400, 410, "The date must be between"),
            (0, 400, "The date must be between"),
        ],
    )
    def test_dates_stay_within_a_sensible_window(
        self, manager_client, patch, other_team, first, last, message
    ):
        today = timezone.localdate()
        first = today + timedelta(days=first) if isinstance(first, int) else first
        last = today + timedelta(days=last) if isinstance(last, int) else today
        response = manager_client.post(
            reverse("welfare:redeploy"), redeploy_post(patch, other_team, first, last)
        )
        assert message in response.content.decode()
        assert not Redeployment.objects.exists()

    def test_ending_one_early_moves_its_calls_back_now_and_is_in_the_history(
        self, manager_client, manager, patch, team, other_team
    ):
        tasks_in(patch, 2)
        today = timezone.localdate()
        with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
            redeployment, moved = control_actions.redeployment_create(
                patch=patch,
                team=other_team,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + timedelta(days=13),
                by=manager,
            )
        assert moved == 2
        response = manager_client.post(
            reverse("welfare:redeployment_end", args=[redeployment.pk]), follow=True
        )
        page = response.content.decode()
        assert "has ended. 2 calls moved back to North team" in page
        redeployment.refresh_from_db()
        assert redeployment.ends_on == today - timedelta(days=1)
        assert set(CallTask.objects.values_list("team", flat=True)) == {team.pk}
        assert "Ended early" in page
        build_call_queue()  # the next build keeps them home
        assert set(CallTask.objects.open().values_list("team", flat=True)) == {team.pk}

    def test_a_planned_one_can_be_cancelled_and_builds_ignore_it(
        self, manager_client, manager, patch, team, other_team
    ):
        tenant_in(patch, last_contact_at=None)
        today = timezone.localdate()
        redeployment, _ = control_actions.redeployment_create(
            patch=patch,
            team=other_team,
            starts_on=today + timedelta(days=2),
            ends_on=today + timedelta(days=9),
            by=manager,
        )
        response = manager_client.post(
            reverse("welfare:redeployment_end", args=[redeployment.pk]), follow=True
        )
        assert "is cancelled" in response.content.decode()
        redeployment.refresh_from_db()
        assert redeployment.cancelled_at is not None
        build_call_queue(on=today + timedelta(days=3))
        assert CallTask.objects.open().get().team == team


# Assignment -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAssignment:
    def test_select_all_matching_the_filter_across_pages(self, manager_client, patch, team):
        overdue = tasks_in(patch, 30)  # due 30 to 1 days ago: all overdue, two pages
        due_today = CallTaskFactory(tenant=tenant_in(patch), due_on=timezone.localdate())
        ravi = OfficerFactory(team=team)
        url = reverse("welfare:team", args=[team.pk]) + "?reason=overdue"
        page = manager_client.get(url).content.decode()
        assert "Select all 30 calls that match this filter" in page
        manager_client.post(url, {"all_matching": "on", "action": "assign", "officer": ravi.pk})
        assert set(CallTask.objects.filter(assigned_to=ravi)) == set(overdue)
        due_today.refresh_from_db()
        assert due_today.assigned_to is None

    def test_unassign_puts_calls_back_for_anyone(self, manager_client, manager, patch, team):
        tasks = tasks_in(patch, 2)
        amy = OfficerFactory(team=team)
        control_actions.call_tasks_assign(tasks=CallTask.objects.all(), officer=amy, by=manager)
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [tasks[0].pk], "action": "unassign"},
            follow=True,
        )
        assert "1 call unassigned" in response.content.decode()
        assert list(CallTask.objects.filter(assigned_to__isnull=True)) == [tasks[0]]

    def test_share_out_previews_a_fair_share_cap_and_changes_nothing_until_confirmed(
        self, manager_client, patch, team
    ):
        tasks_in(patch, 7)
        amy, ben = (
            OfficerFactory(team=team, username="amy"),
            OfficerFactory(team=team, username="ben"),
        )
        url = reverse("welfare:rebalance", args=[team.pk])
        page = manager_client.post(url, {"officers": [amy.pk, ben.pk]}).content.decode()
        assert "At most 4 each (their fair share)" in page
        assert not CallTask.objects.filter(assigned_to__isnull=False).exists()
        page = manager_client.post(url, {"officers": [amy.pk], "cap": "3"}).content.decode()
        assert "3 given" in page and "4 left unassigned" in page
        manager_client.post(url, {"officers": [amy.pk], "cap": "3", "confirm": "yes"})
        assert CallTask.objects.filter(assigned_to=amy).count() == 3

    def test_a_single_officer_gets_only_the_cap(self, manager, patch, team):
        tasks_in(patch, 10)
        solo = OfficerFactory(team=team)
        plan = control_actions.call_tasks_share_out(team=team, officers=[solo], cap=4, by=manager)
        assert (plan.given, plan.left) == (4, 6)
        assert CallTask.objects.filter(assigned_to=solo).count() == 4

    def test_undo_within_10_minutes_puts_everything_back(
        self, manager_client, manager, patch, team
    ):
        tasks = tasks_in(patch, 4)
        amy = OfficerFactory(team=team)
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=tasks[0].pk), officer=amy, by=manager
        )
        ben = OfficerFactory(team=team)
        control_actions.call_tasks_share_out(team=team, officers=[ben], by=manager)
        batch = AssignmentBatch.objects.get(kind="share_out")
        page = manager_client.get(reverse("welfare:team", args=[team.pk])).content.decode()
        assert "3 calls shared out: 3 to" in page and "Undo" in page
        response = manager_client.post(reverse("welfare:undo", args=[batch.pk]), follow=True)
        assert "3 calls put back" in response.content.decode()
        assert list(CallTask.objects.filter(assigned_to__isnull=False)) == [tasks[0]]
        assert AssignmentEvent.objects.filter(kind="undone").count() == 3

    def test_undo_after_10_minutes_is_refused(self, manager_client, manager, patch, team):
        tasks_in(patch, 2)
        amy = OfficerFactory(team=team)
        control_actions.call_tasks_assign(tasks=CallTask.objects.all(), officer=amy, by=manager)
        batch = AssignmentBatch.objects.get()
        with time_machine.travel(batch.at + timedelta(minutes=10, seconds=1)):
            response = manager_client.post(reverse("welfare:undo", args=[batch.pk]), follow=True)
        assert "can no longer be undone" in response.content.decode()
        assert CallTask.objects.filter(assigned_to=amy).count() == 2

    def test_undo_leaves_a_call_changed_since(self, manager, patch, team):
        first, second = tasks_in(patch, 2)
        amy, ben = OfficerFactory(team=team), OfficerFactory(team=team)
        control_actions.call_tasks_assign(tasks=CallTask.objects.all(), officer=amy, by=manager)
        batch = AssignmentBatch.objects.get()
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=second.pk), officer=ben, by=manager
        )
        assert control_actions.assignment_undo(batch=batch, by=manager) == (1, 1)
        first.refresh_from_db(), second.refresh_from_db()
        assert (first.assigned_to, second.assigned_to) == (None, ben)

    def test_undoing_a_move_returns_the_calls_to_their_team(self, manager, patch, team, other_team):
        (task,) = tasks_in(patch, 1)
        control_actions.call_tasks_move(tasks=CallTask.objects.all(), team=other_team, by=manager)
        batch = AssignmentBatch.objects.get()
        control_actions.assignment_undo(batch=batch, by=manager)
        task.refresh_from_db()
        assert (task.team, task.team_fixed) == (team, False)

    def test_history_per_task_and_per_officer(self, manager_client, manager, patch, team):
        (task,) = tasks_in(patch, 1)
        amy = OfficerFactory(team=team, first_name="Amy", last_name="Shaw")
        control_actions.call_tasks_assign(tasks=CallTask.objects.all(), officer=amy, by=manager)
        control_actions.call_tasks_unassign(tasks=CallTask.objects.all(), by=manager)
        page = manager_client.get(reverse("welfare:task_history", args=[task.pk])).content.decode()
        assert page.count("Amy Shaw") >= 2 and "Unassigned" in page and "Assigned" in page
        page = manager_client.get(
            reverse("welfare:officer_history", args=[amy.pk])
        ).content.decode()
        assert escape(task.tenant.full_name) in page

    @pytest.mark.parametrize("size", [3, 30])
    def test_officer_history_queries_do_not_grow(
        self, manager_client, manager, patch, team, size, django_assert_num_queries
    ):
        tasks_in(patch, size)
        amy = OfficerFactory(team=team)
        control_actions.call_tasks_assign(tasks=CallTask.objects.all(), officer=amy, by=manager)
        # 3 (session, user, device) + the officer + count + the page of events (joined)
        # + the access-log row naming the tenants shown + 3 (session save)
        with django_assert_num_queries(10):
            manager_client.get(reverse("welfare:officer_history", args=[amy.pk]))


# Queue settings and escalations ------------------------------------------------------------


@pytest.mark.django_db
class TestQueueSettings:
    def test_a_manager_changes_claim_minutes_and_the_history_says_who(
        self, manager_client, manager
    ):
        assert claim_minutes() == 30
        response = manager_client.post(
            reverse("welfare:queue_settings"),
            {"claim_minutes": "45", "escalation_target_working_days": "3"},
            follow=True,
        )
        page = response.content.decode()
        assert "a call is held for 45 minutes" in page
        assert claim_minutes() == 45
        assert escape(str(manager)) in page
        assert QueueSettings.history.get().history_user == manager

    def test_out_of_range_is_refused_and_shown_again(self, manager_client):
        response = manager_client.post(
            reverse("welfare:queue_settings"),
            {"claim_minutes": "2", "escalation_target_working_days": "2"},
        )
        page = response.content.decode()
        assert "Enter a number from 5 to 240" in page and 'value="2"' in page
        assert claim_minutes() == 30

    def test_officers_are_refused(self, officer_client):
        assert officer_client.get(reverse("welfare:queue_settings")).status_code == 403


@pytest.mark.django_db
class TestEscalationOwnerAndTarget:
    def test_past_target_after_two_working_days_and_a_manager_takes_it(self, manager_client, patch):
        # Opened on Friday 5 June 2026: the target is the end of Tuesday 9 June.
        opened = datetime(2026, 6, 5, 10, 0, tzinfo=LONDON)
        escalation = Escalation.objects.create(
            tenant=tenant_in(patch), team=patch.team, reason="wrong_number", opened_at=opened
        )
        url = reverse("welfare:escalation", args=[escalation.pk])
        with time_machine.travel(datetime(2026, 6, 9, 23, 50, tzinfo=LONDON)):
            page = manager_client.get(url).content.decode()
            assert "Target: closed by the end of Tuesday 9 June 2026" in page
            assert "Past target" not in page and "missed by" not in page
            assert not control_actions_past_target()
        with time_machine.travel(datetime(2026, 6, 10, 0, 5, tzinfo=LONDON)):
            assert "Past target" in manager_client.get(url).content.decode()
            assert control_actions_past_target() == [escalation.pk]
            boss = ManagerFactory(first_name="Bea", last_name="Lowe")
            manager_client.post(
                reverse("welfare:escalation_owner", args=[escalation.pk]), {"owner": boss.pk}
            )
        escalation.refresh_from_db()
        assert escalation.owner == boss

    def test_an_open_escalation_past_its_target_says_by_how_much(self, manager_client, patch):
        # Opened on Wednesday 4 November 2026: the target is the end of Friday 6 November.
        opened = datetime(2026, 11, 4, 10, 0, tzinfo=LONDON)
        escalation = Escalation.objects.create(
            tenant=tenant_in(patch), team=patch.team, reason="wrong_number", opened_at=opened
        )
        url = reverse("welfare:escalation", args=[escalation.pk])
        with time_machine.travel(datetime(2026, 11, 10, 8, 0, tzinfo=LONDON)):
            page = manager_client.get(url).content.decode()
        assert "Target: closed by the end of Friday 6 November 2026 (missed by 4 days)" in page
        assert "Closed 10 Nov" not in page

    def test_a_closed_escalation_says_whether_it_met_its_target(self, manager_client, patch):
        opened = datetime(2026, 11, 4, 10, 0, tzinfo=LONDON)
        late, on_time = (
            Escalation.objects.create(
                tenant=tenant_in(patch),
                team=patch.team,
                reason="wrong_number",
                opened_at=opened,
                status=Escalation.Status.CLOSED,
                closed_at=closed_at,
                result="Spoke to the tenant",
            )
            for closed_at in (
                datetime(2026, 11, 10, 8, 0, tzinfo=LONDON),
                datetime(2026, 11, 6, 16, 0, tzinfo=LONDON),
            )
        )
        with time_machine.travel(datetime(2026, 11, 11, 9, 0, tzinfo=LONDON)):
            page = manager_client.get(reverse("welfare:escalation", args=[late.pk])).content
            kept = manager_client.get(reverse("welfare:escalation", args=[on_time.pk])).content
        page, kept = page.decode(), kept.decode()
        assert "Closed 10 Nov 2026, after 5\xa0days, 22\xa0hours: 4 days after its target" in page
        assert "Past target" not in page and "missed by" not in page
        assert "Closed 6 Nov 2026, after 2\xa0days, 6\xa0hours: within its target" in kept


def control_actions_past_target():
    from welfare.control_selectors import escalations_past_target

    return list(escalations_past_target().values_list("pk", flat=True))


@pytest.mark.django_db
def test_officers_are_refused_every_control_page(officer_client, manager, patch, team):
    (task,) = tasks_in(patch, 1)
    control_actions.call_tasks_unassign(tasks=CallTask.objects.all(), by=manager)
    batch = AssignmentBatch.objects.get()
    rebuild = QueueRebuild.objects.create(change="x", requested_by=manager)
    officer = OfficerFactory(team=team)
    for url in [
        reverse("welfare:rebuild", args=[rebuild.pk]),
        reverse("welfare:undo", args=[batch.pk]),
        reverse("welfare:task_history", args=[task.pk]),
        reverse("welfare:officer_history", args=[officer.pk]),
        reverse("welfare:queue_settings"),
    ]:
        assert officer_client.get(url).status_code in (403, 405), url
        assert officer_client.post(url).status_code == 403, url


@pytest.mark.django_db
def test_the_queue_downloads_as_csv_with_the_filter_and_each_tenant_logged(
    manager_client, manager, patch, team
):
    from tenants.models import AccessLog

    overdue = tasks_in(patch, 3)
    CallTaskFactory(tenant=tenant_in(patch), due_on=timezone.localdate())
    response = manager_client.get(reverse("welfare:team_csv", args=[team.pk]) + "?reason=overdue")
    rows = csv_support.text(response).splitlines()
    assert rows[0].startswith("rank,tenancy_ref,name,due_on,why")
    assert [row.split(",")[1] for row in rows[1:]] == [t.tenant.tenancy_ref for t in overdue]
    named = [pk for row in AccessLog.objects.filter(user=manager) for pk in row.tenant_ids]
    assert sorted(named) == sorted(t.tenant_id for t in overdue)
