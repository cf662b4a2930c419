"""The build; Concurrency (PostgreSQL, real connections); Celery.

Part of the queue tests, split from test_queue.py along its sections."""

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tenants.models import Scheme, Tenant
from tests.factories import (
    CallTaskFactory,
    OfficerFactory,
    SchemeFactory,
    load_default_cohorts,
)
from tests.queue.helpers import (
    ON,
    ROOT,
    at,
    born_aged,
    contacted,
    make_tenant,
    open_task,
    run_in_threads,
)
from welfare import actions, control_actions
from welfare.models import CallTask
from welfare.queue import LOCK_KEY, build_call_queue


@pytest.mark.django_db
class TestBuild:
    def test_opens_one_task_per_due_tenant_for_the_patch_team(self, patch, other_patch):
        due = make_tenant(patch, last_contact_at=contacted(91))
        elsewhere = make_tenant(other_patch, last_contact_at=None)
        make_tenant(patch, last_contact_at=contacted(10))  # not due
        result = build_call_queue(on=ON)
        assert result.opened == 2
        assert open_task(due).team == patch.team
        assert open_task(elsewhere).team == other_patch.team
        assert open_task(due).opened_on == ON
        assert open_task(due).due_on == ON - timedelta(days=1)

    def test_a_tenant_with_no_patch_gets_a_task_with_no_team_that_managers_see(
        self, manager_client
    ):
        tenant = make_tenant(None, last_contact_at=None, first_name="Nora", last_name="Nopatch")
        build_call_queue(on=timezone.localdate())
        assert open_task(tenant).team is None
        overview = manager_client.get(reverse("welfare:queue")).content.decode()
        assert "No team (tenants with no patch)" in overview
        page = manager_client.get(reverse("welfare:no_team")).content.decode()
        assert "Nora Nopatch" in page

    def test_second_run_creates_no_tasks_and_changes_nothing(self, patch):
        for days in (20, 100, 200):
            make_tenant(patch, last_contact_at=contacted(days), date_of_birth=born_aged(75))
        build_call_queue(on=ON)
        before = list(CallTask.objects.values())
        again = build_call_queue(on=ON)
        assert (again.opened, again.reranked, again.closed_not_due) == (0, 0, 0)
        assert list(CallTask.objects.values()) == before

    def test_open_tasks_stay_open_and_are_reranked_the_next_day(self, patch):
        tenant = make_tenant(patch, last_contact_at=contacted(95))
        build_call_queue(on=ON)
        task = open_task(tenant)
        assert build_call_queue(on=ON + timedelta(days=1)).reranked == 0  # nothing changed
        Tenant.objects.filter(pk=tenant.pk).update(self_isolating_from=ON)
        result = build_call_queue(on=ON + timedelta(days=2))
        assert result.reranked == 1 and result.opened == 0
        task.refresh_from_db()
        assert task.is_open and task.opened_on == ON
        assert task.unwell and task.cadence_days == 7
        assert task.due_on == ON - timedelta(days=95 - 7)

    def test_tasks_of_tenants_no_longer_eligible_are_closed_with_the_reason(self, patch):
        declined = make_tenant(patch, last_contact_at=None)
        died = make_tenant(patch, last_contact_at=None)
        build_call_queue(on=ON)
        Tenant.objects.filter(pk=declined.pk).update(declined_calls_on=ON)
        Tenant.objects.filter(pk=died.pk).update(deceased_reported_on=ON)
        result = build_call_queue(on=ON + timedelta(days=1))
        assert result.closed_not_eligible == 2
        reasons = set(CallTask.objects.values_list("status", "closed_reason"))
        assert reasons == {("closed", "not_eligible")}

    def test_a_tenant_spoken_to_outside_the_queue_has_the_task_closed_as_not_due(self, patch):
        tenant = make_tenant(patch, last_contact_at=None)
        build_call_queue(on=ON)
        Tenant.objects.filter(pk=tenant.pk).update(last_contact_at=at(ON))
        result = build_call_queue(on=ON + timedelta(days=1))
        assert result.closed_not_due == 1
        task = CallTask.objects.get(tenant=tenant)
        assert (task.status, task.closed_reason) == ("closed", "not_due")
        assert task.closed_at is not None

    def test_ranked_most_overdue_first_then_by_risk(self, patch):
        alone = make_tenant(patch, last_contact_at=contacted(100), lives_alone=True)
        isolating = make_tenant(
            patch, last_contact_at=contacted(17), self_isolating_from=ON - timedelta(days=1)
        )
        plain = make_tenant(patch, last_contact_at=contacted(100))
        oldest = make_tenant(patch, last_contact_at=contacted(120))
        build_call_queue(on=ON)
        order = list(CallTask.objects.open().ranked().values_list("tenant", flat=True))
        assert order == [oldest.pk, isolating.pk, alone.pk, plain.pk]

    def test_reasons_are_in_words(self, patch):
        tenant = make_tenant(
            patch, last_contact_at=contacted(20), date_of_birth=born_aged(81), lives_alone=True
        )
        build_call_queue(on=ON)
        assert (
            open_task(tenant).reasons(ON)
            == "overdue 6 days - aged 70+ - lives alone outside a scheme"
        )
        assert open_task(tenant).reasons(ON - timedelta(days=6)) == (
            "due today - aged 70+ - lives alone outside a scheme"
        )

    def test_lives_alone_in_a_scheme_is_not_a_risk(self, patch):
        scheme = SchemeFactory(name="Elm Court", type=Scheme.Type.INDEPENDENT_LIVING)
        tenant = make_tenant(patch, last_contact_at=None, lives_alone=True, scheme=scheme)
        build_call_queue(on=ON)
        assert not open_task(tenant).lives_alone

    def test_struggling_at_the_last_call_carries_into_the_next_task(self, patch):
        tenant = make_tenant(patch, last_contact_at=contacted(91))
        build_call_queue(on=ON)
        # What call logging will do: record the wellbeing, mark the task done, note the contact.
        CallTask.objects.filter(tenant=tenant).update(
            status="done", last_wellbeing="struggling", closed_at=at(ON)
        )
        Tenant.objects.filter(pk=tenant.pk).update(last_contact_at=at(ON))
        build_call_queue(on=ON + timedelta(days=90))
        task = open_task(tenant)
        assert task.last_wellbeing == "struggling"
        assert task.risk_score == 4
        assert "struggling at the last call" in task.reasons(ON + timedelta(days=90))

    def test_failed_attempts_raise_the_risk_at_the_next_build(self, patch):
        tenant = make_tenant(patch, last_contact_at=contacted(91))
        build_call_queue(on=ON)
        CallTask.objects.filter(tenant=tenant).update(attempts=2)
        build_call_queue(on=ON + timedelta(days=1))
        assert open_task(tenant).risk_score == 2

    def test_two_open_tasks_for_one_tenant_are_impossible(self, patch):
        task = CallTaskFactory(tenant=make_tenant(patch))
        with pytest.raises(IntegrityError), transaction.atomic():
            CallTaskFactory(tenant=task.tenant)
        CallTaskFactory(tenant=task.tenant, status=CallTask.Status.DONE)  # closed ones are fine

    def test_redeployment_sends_the_patch_calls_to_another_team_for_the_period(
        self, patch, other_team, manager
    ):
        tenant = make_tenant(patch, last_contact_at=contacted(200))
        build_call_queue(on=ON)
        redeployment, moved = control_actions.redeployment_create(
            patch=patch,
            team=other_team,
            starts_on=ON,
            ends_on=ON + timedelta(days=6),
            by=manager,
            today=ON,
        )
        assert moved == 1 and open_task(tenant).team == other_team
        newcomer = make_tenant(patch, last_contact_at=None)
        Tenant.objects.filter(pk=newcomer.pk).update(created_at=at(ON))
        build_call_queue(on=ON + timedelta(days=1))
        assert open_task(newcomer).team == other_team
        assert open_task(tenant).team == other_team
        build_call_queue(on=ON + timedelta(days=7))  # the period is over: back home
        assert open_task(tenant).team == patch.team
        assert open_task(newcomer).team == patch.team
        assert redeployment.history.count() == 1

    def test_a_task_a_manager_moved_keeps_its_team_at_the_next_build(
        self, patch, other_team, manager
    ):
        tenant = make_tenant(patch, last_contact_at=contacted(200))
        build_call_queue(on=ON)
        control_actions.call_tasks_move(tasks=CallTask.objects.all(), team=other_team, by=manager)
        build_call_queue(on=ON + timedelta(days=1))
        assert open_task(tenant).team == other_team

    def test_build_query_count_is_the_same_for_100_and_10000_tenants(
        self, patch, django_assert_num_queries
    ):
        from django.test.utils import CaptureQueriesContext

        def bulk(start, count):
            Tenant.objects.bulk_create(
                Tenant(
                    tenancy_ref=f"BULK-{n:06d}",
                    first_name="Ada",
                    last_name=f"Bulk{n}",
                    date_of_birth=born_aged(60 + n % 30),
                    address_line_1="1 Mill Lane",
                    postcode="PR1 2AB",
                    patch=patch,
                    lifeline=n % 7 == 0,
                    last_contact_at=contacted(n % 120),
                    # One in ten with no number to dial: the build passes them to a manager.
                    phone="" if n % 10 == 0 else f"+44207946{n % 10000:04d}",
                )
                for n in range(start, start + count)
            )

        bulk(0, 100)
        with CaptureQueriesContext(connection) as small:
            small_result = build_call_queue(on=ON)
        CallTask.objects.all().delete()
        bulk(100, 9900)
        with CaptureQueriesContext(connection) as large:
            large_result = build_call_queue(on=ON)
        assert large_result.opened > 50 * small_result.opened > 0
        assert large_result.passed_to_manager > 50 * small_result.passed_to_manager > 0
        assert len(large) == len(small)

    def test_a_build_that_fails_part_way_leaves_nothing_and_the_next_completes(
        self, patch, monkeypatch
    ):
        from welfare import queue

        stale = make_tenant(patch, last_contact_at=None)
        build_call_queue(on=ON)
        Tenant.objects.filter(pk=stale.pk).update(declined_calls_on=ON)
        due = make_tenant(patch, last_contact_at=None)

        def killed(*args, **kwargs):
            raise RuntimeError("worker killed")

        monkeypatch.setattr(queue, "_rerank_and_open_sql", killed)
        with pytest.raises(RuntimeError):
            build_call_queue(on=ON)
        assert open_task(stale)  # the closing step was rolled back with the rest
        monkeypatch.undo()
        result = build_call_queue(on=ON)
        assert (result.opened, result.closed_not_eligible) == (1, 1)
        assert open_task(due)

    def test_command_builds_for_a_date_and_dry_run_writes_nothing(self, patch, capsys):
        from django.core.management import call_command

        make_tenant(patch, last_contact_at=None)
        call_command("build_call_queue", "--date", timezone.localdate().isoformat(), "--dry-run")
        assert "Dry run" in capsys.readouterr().out
        assert not CallTask.objects.exists()
        call_command("build_call_queue")
        assert "1 opened" in capsys.readouterr().out
        assert CallTask.objects.count() == 1


@pytest.mark.own_clock
def test_the_build_works_on_sqlite(tmp_path):
    """`make run` uses SQLite: the ORM paths open, re-rank, close and claim like PostgreSQL's."""
    script = """
from datetime import date, timedelta
from accounts.models import Patch, Team
from tenants.models import Tenant
from welfare.models import CallTask
from welfare.queue import build_call_queue
on = date.today()
team = Team.objects.create(name="North")
patch = Patch.objects.create(code="PR-RIB", name="Ribble", team=team)
for n, dob in enumerate([date(1940, 1, 1), date(1990, 1, 1), date(1950, 5, 5), date(1945, 1, 1)]):
    Tenant.objects.create(tenancy_ref=f"T{n}", first_name="A", last_name=f"B{n}",
        date_of_birth=dob, address_line_1="1 Mill Lane", postcode="PR1 2AB",
        patch=patch if n else None, lives_alone=True,
        phone="" if n == 3 else f"+4420794600{n:02d}", no_phone=n == 3)
first = build_call_queue(on=on)
second = build_call_queue(on=on)
from welfare.models import Escalation
print(first.passed_to_manager, second.passed_to_manager,
      list(Escalation.objects.values_list("tenant__tenancy_ref", "reason", "team_id")))
Tenant.objects.filter(tenancy_ref="T1").update(declined_calls_on=on)
Tenant.objects.filter(tenancy_ref="T2").update(self_isolating_from=on)
third = build_call_queue(on=on + timedelta(days=1))
print(first.opened, second.opened, second.reranked, third.closed_not_eligible, third.reranked)
print(sorted((t.tenant.tenancy_ref, t.team_id is None, t.risk_score)
             for t in CallTask.objects.open()))
from accounts.models import User
from welfare.actions import call_task_claim_next
officer = User.objects.create(username="olivia", role="officer", team=team)
claimed = call_task_claim_next(user=officer)
print(claimed.tenant.tenancy_ref, call_task_claim_next(user=officer))
"""
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    for args in (["migrate", "-v0"], ["shell", "-v0", "-c", script]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,  # a loaded 2-core machine has taken over 180 s to migrate
        )
        assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-4] == "1 0 [('T3', 'no_number', 1)]"  # no number to dial: a manager's
    assert lines[-3] == "3 0 0 1 1"
    assert lines[-2] == "[('T0', True, 4), ('T2', False, 8)]"
    assert lines[-1] == "T2 None"  # claimed through the ORM; then nothing left


@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def test_two_builds_at_once_open_each_task_once(self, patch):
        tenants = [make_tenant(patch, last_contact_at=None) for _ in range(30)]
        results = run_in_threads(2, lambda _: build_call_queue(on=timezone.localdate()))
        assert sum(result.opened for result in results) == 30
        assert CallTask.objects.open().count() == 30
        assert set(CallTask.objects.values_list("tenant", flat=True)) == {t.pk for t in tenants}

    def test_a_build_while_another_holds_the_lock_skips(self, patch):
        make_tenant(patch, last_contact_at=None)
        holding, release = threading.Event(), threading.Event()

        def hold_lock():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                holding.set()
                release.wait(30)
            connection.close()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        assert holding.wait(30)
        try:
            assert build_call_queue().skipped
            assert not CallTask.objects.exists()
        finally:
            release.set()
            holder.join()
        assert build_call_queue().opened == 1

    def test_officers_taking_calls_together_never_get_the_same_task(self, team, patch):
        for _ in range(24):
            CallTaskFactory(tenant=make_tenant(patch))
        officers = [OfficerFactory(team=team) for _ in range(8)]

        def take_all(index):
            taken = []
            while task := actions.call_task_claim_next(user=officers[index]):
                taken.append(task.pk)
            return taken

        results = run_in_threads(len(officers), take_all)
        claimed = [pk for taken in results for pk in taken]
        assert len(claimed) == len(set(claimed)) == 24
        assert CallTask.objects.filter(claimed_by__isnull=True).count() == 0


def test_beat_builds_the_queue_at_6am_london_time():
    from celery.schedules import crontab

    from config.celery_app import app

    entry = app.conf.beat_schedule["welfare-build-call-queue"]
    assert entry["task"] == "welfare.build_call_queue"
    assert entry["schedule"] == crontab(hour=6, minute=0)
    assert app.conf.timezone == "Europe/London"
    from welfare.tasks import build_call_queue_task

    assert entry["task"] == build_call_queue_task.name
    assert entry["task"] in app.tasks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_queue_through_redis(celery_worker_process, patch):
    from welfare.tasks import build_call_queue_task

    load_default_cohorts()
    tenant = make_tenant(patch, last_contact_at=None)
    result = build_call_queue_task.delay().get(timeout=60)
    assert result["opened"] == 1
    assert open_task(tenant).team == patch.team
    assert build_call_queue_task.delay().get(timeout=60)["opened"] == 0
