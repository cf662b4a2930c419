"""The daily welfare-call queue (issue 5): cohorts and cadence, the due rule, the build, claims,
managers' tools, access and query counts. PostgreSQL, Redis and a real Celery worker."""

import itertools
import os
import subprocess
import sys
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tenants.models import AccessLog, Scheme, Tenant
from tests.factories import (
    CallTaskFactory,
    OfficerFactory,
    SchemeFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare import actions, control_actions
from welfare.models import CallTask, Cohort, Redeployment
from welfare.queue import LOCK_KEY, build_call_queue
from welfare.selectors import tenant_call_context

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 6, 1)  # a Monday in British Summer Time
SERIAL = itertools.count()


@pytest.fixture(autouse=True)
def cohorts(db):
    """The seeded defaults (a transactional test elsewhere may have emptied the table)."""
    load_default_cohorts()


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def contacted(days_ago, on=ON):
    return at(on - timedelta(days=days_ago))


def born_aged(years, on=ON, days_short=0):
    """A date of birth that makes the tenant `years` old on `on` (minus `days_short` days)."""
    return on.replace(year=on.year - years) + timedelta(days=days_short)


def make_tenant(patch=None, **fields):
    """A tenant on the register since a year before ON, spoken to yesterday unless told."""
    fields.setdefault("last_contact_at", contacted(1))
    fields.setdefault("date_of_birth", born_aged(40))
    fields.setdefault("last_name", f"Surname{next(SERIAL)}")  # no O'Brien: pages escape quotes
    tenant = TenantFactory(patch=patch, **fields)
    tenant.created_at = at(ON - timedelta(days=365))
    Tenant.objects.filter(pk=tenant.pk).update(created_at=tenant.created_at)
    return tenant


def cadence(tenant, on=ON):
    return Tenant.objects.filter(pk=tenant.pk).with_cadence(on).get().call_cadence_days


def is_due(tenant, on=ON):
    return Tenant.objects.due_on(on).filter(pk=tenant.pk).exists()


def open_task(tenant):
    return CallTask.objects.open().get(tenant=tenant)


def set_cohort(code, **fields):
    Cohort.objects.filter(code=code).update(**fields)


# Cohorts and cadence ---------------------------------------------------------------------


@pytest.mark.django_db
class TestCohortsAndCadence:
    def test_defaults_are_seeded(self):
        assert dict(Cohort.objects.values_list("code", "cadence_days")) == {
            "aged_70": 14,
            "unwell": 7,
            "independent_living": 7,
            "supported_living": 14,
            "lifeline": 28,
            "everyone_else": 90,
        }
        assert all(Cohort.objects.values_list("active", flat=True))

    @pytest.mark.parametrize(
        ("fields", "days"),
        [
            ({}, 90),
            ({"date_of_birth": born_aged(75)}, 14),
            ({"self_isolating_from": ON - timedelta(days=2)}, 7),
            ({"scheme": "independent_living"}, 7),
            ({"scheme": "supported_living"}, 14),
            ({"lifeline": True}, 28),
        ],
        ids=["everyone-else", "aged-70", "unwell", "independent", "supported", "lifeline"],
    )
    def test_each_cohort_has_its_cadence(self, patch, fields, days):
        if "scheme" in fields:
            fields["scheme"] = SchemeFactory(
                name=f"{fields['scheme']} court", type=fields["scheme"]
            )
        assert cadence(make_tenant(patch, **fields)) == days

    def test_a_tenant_in_several_cohorts_is_called_at_the_shortest(self, patch):
        lifeline_and_70 = make_tenant(patch, lifeline=True, date_of_birth=born_aged(80))
        supported_and_isolating = make_tenant(
            patch,
            scheme=SchemeFactory(name="Oak House", type=Scheme.Type.SUPPORTED_LIVING),
            self_isolating_from=ON,
        )
        assert cadence(lifeline_and_70) == 14
        assert cadence(supported_and_isolating) == 7

    def test_a_managers_new_cadence_applies(self, patch):
        aged = make_tenant(patch, date_of_birth=born_aged(72), lifeline=True)
        set_cohort("aged_70", cadence_days=30)
        assert cadence(aged) == 28  # now Lifeline's 28 is the shorter
        set_cohort("everyone_else", cadence_days=60)
        assert cadence(make_tenant(patch)) == 60

    def test_everyone_else_switched_off_is_never_due_but_the_vulnerable_still_are(self, patch):
        other = make_tenant(patch, last_contact_at=contacted(200))
        aged = make_tenant(patch, last_contact_at=contacted(200), date_of_birth=born_aged(70))
        set_cohort("everyone_else", active=False)
        assert cadence(other) is None
        assert not is_due(other)
        assert is_due(aged)

    def test_only_everyone_else_can_be_switched_off(self):
        aged = Cohort.objects.get(code="aged_70")
        aged.active = False
        with pytest.raises(ValidationError):
            aged.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            aged.save()


# The due rule ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestDueRule:
    def test_called_exactly_a_cadence_ago_is_due_today(self, patch):
        aged = {"date_of_birth": born_aged(80)}
        assert is_due(make_tenant(patch, last_contact_at=contacted(14), **aged))
        assert not is_due(make_tenant(patch, last_contact_at=contacted(13), **aged))

    def test_a_late_evening_call_counts_on_its_london_date(self, patch):
        # 23:30 BST is 22:30 UTC the same day; 00:30 BST the next day is still 23:30 UTC before.
        late = make_tenant(patch, last_contact_at=at(ON - timedelta(days=90), 23, 30))
        after_midnight = make_tenant(patch, last_contact_at=at(ON - timedelta(days=89), 0, 30))
        assert is_due(late)
        assert not is_due(after_midnight)

    def test_turning_70_today_joins_the_cohort(self, patch):
        today = make_tenant(patch, date_of_birth=born_aged(70), last_contact_at=contacted(14))
        tomorrow = make_tenant(
            patch, date_of_birth=born_aged(70, days_short=1), last_contact_at=contacted(14)
        )
        assert (cadence(today), is_due(today)) == (14, True)
        assert (cadence(tomorrow), is_due(tomorrow)) == (90, False)

    def test_a_leap_day_birthday_turns_70_on_1_march(self, patch):
        tenant = make_tenant(patch, date_of_birth=date(1956, 2, 29))
        assert cadence(tenant, on=date(2026, 2, 28)) == 90
        assert cadence(tenant, on=date(2026, 3, 1)) == 14

    def test_isolation_ending_today_still_counts_and_not_tomorrow(self, patch):
        tenant = make_tenant(
            patch,
            self_isolating_from=ON - timedelta(days=10),
            self_isolating_until=ON,
            last_contact_at=contacted(7),
        )
        assert (cadence(tenant), is_due(tenant)) == (7, True)
        tomorrow = ON + timedelta(days=1)
        assert (cadence(tenant, tomorrow), is_due(tenant, tomorrow)) == (90, False)

    def test_isolation_starting_tomorrow_does_not_count_yet(self, patch):
        tenant = make_tenant(patch, self_isolating_from=ON + timedelta(days=1))
        assert cadence(tenant) == 90

    def test_never_contacted_is_due(self, patch):
        assert is_due(make_tenant(patch, last_contact_at=None), on=timezone.localdate())

    @pytest.mark.parametrize(
        "fields",
        [
            {"tenancy_end_date": ON},
            {"deceased_on": ON - timedelta(days=3)},
            {"deceased_reported_on": ON - timedelta(days=1)},
            {"declined_calls_on": ON - timedelta(days=30)},
            {"in_hospital_until": ON + timedelta(days=1)},
        ],
        ids=["tenancy-ended", "deceased", "reported-deceased", "declined", "in-hospital"],
    )
    def test_ineligible_tenants_are_never_due(self, patch, fields):
        tenant = make_tenant(patch, last_contact_at=None, date_of_birth=born_aged(90), **fields)
        assert not is_due(tenant)
        assert build_call_queue(on=ON).opened == 0

    def test_back_from_hospital_today_or_tenancy_ending_tomorrow_are_due(self, patch):
        back = make_tenant(patch, in_hospital_until=ON, last_contact_at=None)
        leaving = make_tenant(patch, tenancy_end_date=ON + timedelta(days=1), last_contact_at=None)
        assert is_due(back) and is_due(leaving)


# The build -------------------------------------------------------------------------------


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
        assert open_task(tenant).reasons(ON) == "overdue 6 days - aged 70+ - lives alone"
        assert open_task(tenant).reasons(ON - timedelta(days=6)) == (
            "due today - aged 70+ - lives alone"
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
for n, dob in enumerate([date(1940, 1, 1), date(1990, 1, 1), date(1950, 5, 5)]):
    Tenant.objects.create(tenancy_ref=f"T{n}", first_name="A", last_name=f"B{n}",
        date_of_birth=dob, address_line_1="1 Mill Lane", postcode="PR1 2AB",
        patch=patch if n else None, lives_alone=True)
first = build_call_queue(on=on)
second = build_call_queue(on=on)
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
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-3] == "3 0 0 1 1"
    assert lines[-2] == "[('T0', True, 4), ('T2', False, 8)]"
    assert lines[-1] == "T2 None"  # claimed through the ORM; then nothing left


# Concurrency (PostgreSQL, real connections) ----------------------------------------------


def run_in_threads(count, work):
    """Run work(index) in `count` threads released together; each has its own connection."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


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


# Celery ----------------------------------------------------------------------------------


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


# Claims ----------------------------------------------------------------------------------


@pytest.fixture
def queue_of(patch):
    """`n` open tasks in `patch`'s team, most overdue first."""

    def make(n):
        today = timezone.localdate()
        return [
            CallTaskFactory(
                tenant=make_tenant(patch, first_name=f"Tenant{i}", last_name=f"Number{i}"),
                due_on=today - timedelta(days=n - i),
            )
            for i in range(n)
        ]

    return make


@pytest.mark.django_db
class TestClaims:
    def test_take_next_claims_the_top_task_and_opens_its_call_page(
        self, officer_client, officer, queue_of
    ):
        tasks = queue_of(3)
        response = officer_client.post(reverse("welfare:take_next"))
        assert response.status_code == 302
        assert response.url == reverse("welfare:task", args=[tasks[0].pk])
        tasks[0].refresh_from_db()
        assert tasks[0].claimed_by == officer
        page = officer_client.get(response.url).content.decode()
        assert escape(tasks[0].tenant.full_name) in page
        assert f'href="tel:{tasks[0].tenant.phone}"' in page
        assert "Hand back to the queue" in page

    def test_take_next_skips_claimed_tasks_and_others_assignments(self, team, queue_of, manager):
        first, second, third = queue_of(3)
        olivia, sam, ravi = (OfficerFactory(team=team) for _ in range(3))
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=second.pk), officer=ravi, by=manager
        )
        assert actions.call_task_claim_next(user=olivia).pk == first.pk
        assert actions.call_task_claim_next(user=sam).pk == third.pk
        assert actions.call_task_claim_next(user=sam) is None
        assert actions.call_task_claim_next(user=ravi).pk == second.pk

    def test_tasks_assigned_to_me_come_first(self, team, queue_of, manager):
        first, second = queue_of(2)
        olivia = OfficerFactory(team=team)
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=second.pk), officer=olivia, by=manager
        )
        assert actions.call_task_claim_next(user=olivia).pk == second.pk

    def test_a_task_waiting_for_a_retry_is_not_offered_yet(self, officer, queue_of):
        (task,) = queue_of(1)
        CallTask.objects.filter(pk=task.pk).update(
            available_from=timezone.now() + timedelta(hours=2)
        )
        assert actions.call_task_claim_next(user=officer) is None

    def test_a_retry_whose_time_has_come_takes_its_place_by_rank(self, officer, queue_of):
        first, second = queue_of(2)
        CallTask.objects.filter(pk=first.pk).update(
            available_from=timezone.now() - timedelta(minutes=1)
        )
        assert actions.call_task_claim_next(user=officer).pk == first.pk
        assert actions.call_task_claim_next(user=officer).pk == second.pk

    def test_a_claim_left_for_30_minutes_goes_back_to_the_queue(self, team, queue_of):
        (task,) = queue_of(1)
        olivia, sam = OfficerFactory(team=team), OfficerFactory(team=team)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            assert actions.call_task_claim_next(user=olivia).pk == task.pk
            clock.shift(timedelta(minutes=29))
            assert actions.call_task_claim_next(user=sam) is None
            clock.shift(timedelta(minutes=2))
            assert actions.call_task_claim_next(user=sam).pk == task.pk
        task.refresh_from_db()
        assert task.claimed_by == sam

    def test_claim_minutes_is_a_setting(self, settings, team, queue_of):
        settings.CALL_CLAIM_MINUTES = 5
        (task,) = queue_of(1)
        olivia, sam = OfficerFactory(team=team), OfficerFactory(team=team)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            actions.call_task_claim_next(user=olivia)
            clock.shift(timedelta(minutes=6))
            assert actions.call_task_claim_next(user=sam).pk == task.pk

    def test_handing_back_puts_the_task_back(self, officer_client, officer, queue_of):
        (task,) = queue_of(1)
        officer_client.post(reverse("welfare:take_next"))
        response = officer_client.post(reverse("welfare:hand_back", args=[task.pk]))
        assert response.url == reverse("welfare:queue")
        task.refresh_from_db()
        assert task.claimed_by is None
        assert officer_client.post(reverse("welfare:take_next")).url.endswith(f"/{task.pk}/")

    def test_someone_elses_claim_cannot_be_handed_back_or_taken(
        self, officer_client, team, queue_of
    ):
        (task,) = queue_of(1)
        actions.call_task_claim_next(user=OfficerFactory(team=team))
        officer_client.post(reverse("welfare:hand_back", args=[task.pk]))
        officer_client.post(reverse("welfare:claim", args=[task.pk]))
        task.refresh_from_db()
        assert task.claimed_by.username != "olivia"

    def test_take_this_call_from_its_page(self, officer_client, officer, queue_of):
        _, second = queue_of(2)
        officer_client.post(reverse("welfare:claim", args=[second.pk]))
        second.refresh_from_db()
        assert second.claimed_by == officer

    def test_an_empty_queue_says_so(self, officer_client):
        response = officer_client.post(reverse("welfare:take_next"), follow=True)
        assert "There are no calls waiting" in response.content.decode()


# The queue pages -------------------------------------------------------------------------


@pytest.mark.django_db
class TestQueuePages:
    def test_officer_sees_their_team_queue_in_rank_order_with_counts(
        self, officer_client, queue_of, other_patch
    ):
        tasks = queue_of(3)
        CallTaskFactory(tenant=make_tenant(other_patch, first_name="Other", last_name="Team"))
        CallTask.objects.filter(pk=tasks[1].pk).update(aged_70=True)
        page = officer_client.get(reverse("welfare:queue")).content.decode()
        positions = [page.index(task.tenant.full_name) for task in tasks]
        assert positions == sorted(positions)
        assert "Other Team" not in page
        assert "<strong>3</strong> calls waiting" in page
        assert "Aged 70+: 1" in page

    def test_my_claimed_calls_are_listed_first(self, officer_client, queue_of):
        tasks = queue_of(3)
        officer_client.post(reverse("welfare:claim", args=[tasks[2].pk]))
        page = officer_client.get(reverse("welfare:queue")).content.decode()
        assert page.index("Your calls") < page.index(tasks[2].tenant.full_name)
        assert page.index(tasks[2].tenant.full_name) < page.index(tasks[0].tenant.full_name)

    def test_queue_is_paginated(self, officer_client, queue_of):
        queue_of(30)
        first = officer_client.get(reverse("welfare:queue")).content.decode()
        second = officer_client.get(reverse("welfare:queue") + "?page=2").content.decode()
        assert "Page 1 of 2" in first and "Tenant29 Number29" not in first
        assert "Tenant29 Number29" in second

    def test_the_call_page_is_logged_as_a_read_of_the_tenant(self, officer_client, queue_of):
        (task,) = queue_of(1)
        officer_client.get(reverse("welfare:task", args=[task.pk]))
        log = AccessLog.objects.get()
        assert (log.tenant, log.kind, log.page) == (task.tenant, "view", f"/queue/task/{task.pk}/")

    def test_manager_overview_shows_size_and_oldest_per_team(
        self, manager_client, queue_of, other_team
    ):
        queue_of(4)
        page = manager_client.get(reverse("welfare:queue")).content.decode()
        assert "North team" in page and "South team" in page
        assert "Overdue 4 days" in page

    def test_home_page_panel_counts_the_calls_waiting(self, officer_client, queue_of):
        queue_of(2)
        page = officer_client.get(reverse("home")).content.decode()
        assert "<strong>2</strong> calls waiting in North team" in page

    def test_call_queue_is_in_the_navigation_for_officers_and_managers(
        self, officer_client, income_officer, client
    ):
        assert 'href="/queue/"' in officer_client.get(reverse("home")).content.decode()
        client.force_login(income_officer)
        assert 'href="/queue/"' not in client.get(reverse("home")).content.decode()


# Managers' tools -------------------------------------------------------------------------


@pytest.mark.django_db
class TestManagerTools:
    def test_assign_selected_calls_to_a_named_officer(self, manager_client, team, queue_of):
        tasks = queue_of(3)
        ravi = OfficerFactory(team=team, first_name="Ravi", last_name="Patel")
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [tasks[0].pk, tasks[2].pk], "action": "assign", "officer": ravi.pk},
            follow=True,
        )
        assert "2 calls assigned to Ravi Patel" in response.content.decode()
        assert set(CallTask.objects.filter(assigned_to=ravi)) == {tasks[0], tasks[2]}

    def test_assign_without_an_officer_or_a_selection_shows_errors(
        self, manager_client, team, queue_of
    ):
        queue_of(1)
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]), {"action": "assign"}
        )
        page = response.content.decode()
        assert "Select at least one call" in page
        assert "Choose the officer to give the calls to" in page

    def test_an_officer_of_another_team_cannot_be_chosen(
        self, manager_client, team, other_officer, queue_of
    ):
        (task,) = queue_of(1)
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [task.pk], "action": "assign", "officer": other_officer.pk},
        )
        assert response.status_code == 200
        task.refresh_from_db()
        assert task.assigned_to is None

    def test_move_selected_calls_to_another_team(self, manager_client, team, other_team, queue_of):
        tasks = queue_of(2)
        manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [tasks[1].pk], "action": "move", "team": other_team.pk},
        )
        tasks[1].refresh_from_db()
        assert tasks[1].team == other_team and tasks[1].team_fixed

    def test_redeploy_a_patch_for_a_period(self, manager_client, patch, other_team, queue_of):
        tasks = queue_of(2)
        today, last = timezone.localdate(), timezone.localdate() + timedelta(days=13)
        response = manager_client.post(
            reverse("welfare:redeploy"),
            {
                "patch": patch.pk,
                "team": other_team.pk,
                "starts_on_0": today.day,
                "starts_on_1": today.month,
                "starts_on_2": today.year,
                "ends_on_0": last.day,
                "ends_on_1": last.month,
                "ends_on_2": last.year,
                "confirm": "yes",
            },
            follow=True,
        )
        assert "2 calls moved to South team now" in response.content.decode()
        assert Redeployment.objects.get().ends_on == last
        assert {task.team for task in CallTask.objects.filter(pk__in=[t.pk for t in tasks])} == {
            other_team
        }

    def test_redeploy_checks_the_dates_and_the_team(self, manager_client, patch):
        response = manager_client.post(
            reverse("welfare:redeploy"),
            {
                "patch": patch.pk,
                "team": patch.team_id,
                "starts_on_0": "10",
                "starts_on_1": "6",
                "starts_on_2": "2026",
                "ends_on_0": "1",
                "ends_on_1": "6",
                "ends_on_2": "2026",
            },
        )
        page = response.content.decode()
        assert "Choose a team other than the patch&#x27;s own team" in page
        assert "The last day must be on or after the first" in page
        assert not Redeployment.objects.exists()

    def test_rebalance_gives_each_call_to_the_officer_with_the_fewest(
        self, manager_client, manager, team, queue_of
    ):
        tasks = queue_of(7)
        amy, ben = (
            OfficerFactory(team=team, username="amy"),
            OfficerFactory(team=team, username="ben"),
        )
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=tasks[0].pk), officer=amy, by=manager
        )
        actions.call_task_claim_next(user=OfficerFactory(team=team))  # claimed: left alone
        response = manager_client.post(
            reverse("welfare:rebalance", args=[team.pk]),
            {"officers": [amy.pk, ben.pk], "cap": "10", "confirm": "yes"},
        )
        assert response.status_code == 302
        assigned = dict(
            CallTask.objects.filter(assigned_to__isnull=False)
            .values_list("assigned_to__username")
            .annotate(n=Count("id"))
        )
        assert assigned == {"amy": 3, "ben": 3}
        # Shared in rank order: ben (fewest) got the top unassigned, unclaimed call.
        tasks[2].refresh_from_db()
        assert tasks[2].assigned_to == ben

    def test_manager_changes_a_cadence_and_the_history_records_who(self, manager_client, manager):
        aged = Cohort.objects.get(code="aged_70")
        response = manager_client.post(
            reverse("welfare:cohort_edit", args=[aged.pk]), {"cadence_days": "10"}
        )
        assert response.status_code == 302
        aged.refresh_from_db()
        assert aged.cadence_days == 10 and aged.active
        change = aged.history.latest()
        assert (change.history_user, change.cadence_days) == (manager, 10)
        page = manager_client.get(reverse("welfare:cohorts")).content.decode()
        assert "Every 10 days" in page and escape(str(manager)) in page

    def test_only_everyone_else_offers_switching_off(self, manager_client):
        aged = Cohort.objects.get(code="aged_70")
        other = Cohort.objects.get(code="everyone_else")
        assert (
            'name="active"'
            not in manager_client.get(
                reverse("welfare:cohort_edit", args=[aged.pk])
            ).content.decode()
        )
        manager_client.post(reverse("welfare:cohort_edit", args=[other.pk]), {"cadence_days": 90})
        other.refresh_from_db()
        assert not other.active

    @pytest.mark.parametrize("days", ["0", "366", "x", ""])
    def test_cadence_must_be_1_to_365_days(self, manager_client, days):
        aged = Cohort.objects.get(code="aged_70")
        response = manager_client.post(
            reverse("welfare:cohort_edit", args=[aged.pk]), {"cadence_days": days}
        )
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
        aged.refresh_from_db()
        assert aged.cadence_days == 14


# The tenant record's calls panel ---------------------------------------------------------


@pytest.mark.django_db
class TestTenantCallContext:
    def test_cohorts_cadence_and_overdue(self, patch):
        tenant = make_tenant(
            patch, last_contact_at=contacted(20), date_of_birth=born_aged(80), lifeline=True
        )
        build_call_queue(on=ON)
        context = tenant_call_context(tenant, ON)
        assert context["call_cohorts"] == ["Aged 70+", "Lifeline customer"]
        assert context["call_cadence_days"] == 14
        assert context["call_due_on"] == ON - timedelta(days=6)
        assert context["call_due_text"] == "Overdue by 6 days"
        assert context["call_task"] == open_task(tenant)

    def test_due_in_the_future(self, patch):
        tenant = make_tenant(patch, last_contact_at=contacted(80))
        context = tenant_call_context(tenant, ON)
        assert context["call_cohorts"] == ["Everyone else"]
        assert context["call_due_text"] == "Due on 11 June 2026"
        assert context["call_task"] is None

    def test_not_queued_says_why(self, patch):
        tenant = make_tenant(patch, in_hospital_until=date(2026, 6, 20))
        assert (
            tenant_call_context(tenant, ON)["call_not_queued"] == "in hospital until 20 June 2026"
        )

    def test_the_panel_renders_on_the_tenant_record(self, officer_client, patch):
        tenant = make_tenant(patch, last_contact_at=None, date_of_birth=born_aged(75))
        build_call_queue()
        page = officer_client.get(reverse("tenants:record", args=[tenant.pk])).content.decode()
        assert "Aged 70+" in page
        assert "Called every" in page and "14 days" in page
        overdue = (timezone.localdate() - open_task(tenant).due_on).days
        assert f"Overdue by {overdue} days (never spoken to)" in page
        assert reverse("welfare:task", args=[open_task(tenant).pk]) in page


# Access: every URL as the right role, the wrong role and another team's officer -------------


@pytest.fixture
def task_in_team(patch):
    return CallTaskFactory(tenant=make_tenant(patch))


def task_urls(task):
    return [
        ("get", reverse("welfare:task", args=[task.pk])),
        ("post", reverse("welfare:claim", args=[task.pk])),
        ("post", reverse("welfare:hand_back", args=[task.pk])),
    ]


def manager_urls(team, cohort):
    return [
        reverse("welfare:team", args=[team.pk]),
        reverse("welfare:no_team"),
        reverse("welfare:rebalance", args=[team.pk]),
        reverse("welfare:redeploy"),
        reverse("welfare:cohorts"),
        reverse("welfare:cohort_edit", args=[cohort.pk]),
    ]


@pytest.mark.django_db
class TestAccess:
    def test_officer_works_their_own_teams_tasks(self, officer_client, task_in_team):
        assert officer_client.get(reverse("welfare:queue")).status_code == 200
        for method, url in task_urls(task_in_team):
            assert getattr(officer_client, method)(url).status_code in (200, 302), url

    def test_another_teams_officer_gets_404_for_every_task_url(
        self, client, other_officer, task_in_team
    ):
        client.force_login(other_officer)
        for method, url in task_urls(task_in_team):
            assert getattr(client, method)(url).status_code == 404, url
        assert (
            task_in_team.tenant.full_name
            not in client.get(reverse("welfare:queue")).content.decode()
        )

    def test_manager_opens_every_page(self, manager_client, task_in_team, team):
        cohort = Cohort.objects.first()
        for url in [reverse("welfare:queue"), *manager_urls(team, cohort)]:
            assert manager_client.get(url).status_code == 200, url
        for method, url in task_urls(task_in_team):
            assert getattr(manager_client, method)(url).status_code in (200, 302), url

    def test_officers_are_refused_the_managers_pages(self, officer_client, team):
        for url in manager_urls(team, Cohort.objects.first()):
            assert officer_client.get(url).status_code == 403, url
            assert officer_client.post(url).status_code == 403, url

    def test_income_officers_are_refused_the_queue(self, income_client, task_in_team):
        assert income_client.get(reverse("welfare:queue")).status_code == 403
        assert income_client.post(reverse("welfare:take_next")).status_code == 403
        for method, url in task_urls(task_in_team):
            assert getattr(income_client, method)(url).status_code == 403, url

    def test_take_next_is_for_officers_and_by_post(self, officer_client, manager_client):
        assert officer_client.get(reverse("welfare:take_next")).status_code == 405
        assert manager_client.post(reverse("welfare:take_next")).status_code == 403

    def test_visitors_are_sent_to_sign_in(self, client, task_in_team, team):
        for url in [
            reverse("welfare:queue"),
            *(url for _, url in task_urls(task_in_team)),
            *manager_urls(team, Cohort.objects.first()),
        ]:
            response = client.get(url)
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response.url.startswith("/accounts/sign-in/"), url

    def test_an_officer_cannot_act_on_another_teams_tasks_by_id(
        self, officer_client, other_patch, team
    ):
        theirs = CallTaskFactory(tenant=make_tenant(other_patch))
        response = officer_client.post(reverse("welfare:claim", args=[theirs.pk]))
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.claimed_by is None


# Query counts ----------------------------------------------------------------------------


# Every request: the session, the user, their two-factor devices (officers: TOTP and static;
# a manager's session names its device, so one query), and the session saved again (savepoint,
# update, release: SESSION_SAVE_EVERY_REQUEST).
@pytest.mark.django_db
class TestQueryCounts:
    @pytest.mark.parametrize("size", [3, 40])
    def test_officer_queue_page(
        self, officer_client, officer, queue_of, size, django_assert_num_queries
    ):
        tasks = queue_of(size)
        actions.call_task_claim(task=tasks[-1], user=officer)
        # 4 (session, user, 2 devices) + your calls + paginator count + the page of tasks
        # (tenant and officers joined) + counts by reason (one aggregate) + 3 (session save)
        with django_assert_num_queries(11):
            assert officer_client.get(reverse("welfare:queue")).status_code == 200

    @pytest.mark.parametrize("size", [3, 40])
    def test_manager_team_page(
        self, manager_client, team, queue_of, size, django_assert_num_queries
    ):
        queue_of(size)
        # 3 (session, user, device) + the team + paginator count + the page of tasks + counts
        # by reason + the officers and the other teams for the two selects + the officers for
        # the filter and the history links + the changes that can be undone + 3 (session save)
        with django_assert_num_queries(14):
            assert manager_client.get(reverse("welfare:team", args=[team.pk])).status_code == 200

    @pytest.mark.parametrize("size", [3, 40])
    def test_manager_overview(self, manager_client, queue_of, size, django_assert_num_queries):
        queue_of(size)
        # 3 (session, user, device) + figures per team (one GROUP BY) + the teams + 3 (save)
        with django_assert_num_queries(8):
            assert manager_client.get(reverse("welfare:queue")).status_code == 200
