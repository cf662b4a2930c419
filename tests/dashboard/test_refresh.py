"""The refresh.

Part of the dashboard tests, split from test_dashboard.py along its sections."""

import psycopg
import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from dashboard import refresh, tables
from dashboard.models import CohortFigure, DashboardSnapshot
from dashboard.refresh import dashboard_refresh
from dashboard.tables import ALL_TEAMS
from tests.dashboard.helpers import (
    NOW,
    born,
    rows,
)
from tests.factories import (
    PatchFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)

pytestmark = pytest.mark.django_db


class TestRefresh:
    def test_a_second_refresh_replaces_the_figures_and_keeps_one_snapshot_before(self, world):
        first = dashboard_refresh(now=NOW)
        second = dashboard_refresh(now=NOW)
        third = dashboard_refresh(now=NOW)
        # The latest and the one before it (a page may be reading it this moment).
        assert list(DashboardSnapshot.objects.values_list("pk", flat=True)) == [
            third.pk,
            second.pk,
        ]
        assert not CohortFigure.objects.filter(snapshot_id=first.pk).exists()
        assert rows(tables.cohort_table(third, ALL_TEAMS)) == rows(
            tables.cohort_table(second, ALL_TEAMS)
        )
        assert tables.latest_snapshot() == third

    def test_a_refresh_while_another_holds_the_lock_skips(self, world):
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK_KEY])
            assert dashboard_refresh() is None
        assert not DashboardSnapshot.objects.exists()

    def test_the_figures_follow_the_data_after_a_refresh(self, world):
        dashboard_refresh(now=NOW)
        world.tenants.c.last_contact_at = NOW
        world.tenants.c.save()
        snapshot = dashboard_refresh(now=NOW)
        # Clarke spoken to now: 70+ has 4 of 7 up to date.
        assert rows(tables.cohort_table(snapshot, ALL_TEAMS))[0] == [
            "Aged 70+",
            14,
            7,
            4,
            1,
            2,
            57,
        ]

    def test_refresh_now_button(self, world, manager_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as queued:
            response = manager_client.post("/dashboard/refresh/", {"team": world.north.pk})
        assert response.status_code == 302
        assert response.url == f"/dashboard/?team={world.north.pk}"
        # Worked out in a Celery task (issue 20), not in the request.
        assert len(queued) == 1 and DashboardSnapshot.objects.count() == 0
        page = manager_client.get(response.url).content.decode()
        assert "The figures are being worked out again (asked at 12:00:00)" in page
        refresh.dashboard_refresh()  # what the task does
        page = manager_client.get(response.url).content.decode()
        assert "Aged 70+: 25% called within 14 days" in page
        assert manager_client.post("/dashboard/refresh/").url == "/dashboard/"
        assert manager_client.get("/dashboard/refresh/").status_code == 405

    def test_refresh_now_while_a_refresh_runs(self, manager_client):
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK_KEY])
            response = manager_client.post("/dashboard/refresh/", follow=True)
        # The request never waits for the lock: the task will skip, and the next refresh come.
        assert "The figures are being worked out again" in response.content.decode()
        assert not DashboardSnapshot.objects.exists()


def test_the_refresh_runs_every_15_minutes_on_beat():
    from config.celery_app import app

    entry = app.conf.beat_schedule["welfare-refresh-dashboard"]
    assert entry["task"] == "welfare.refresh_dashboard"
    assert entry["schedule"] == crontab(minute="*/15")
    assert entry["options"]["expires"] < 15 * 60  # a late one is dropped: the next is coming
    assert "welfare.refresh_dashboard" in app.tasks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_refresh_runs_on_a_real_worker(celery_worker_process):
    from dashboard.tasks import refresh_dashboard_task

    load_default_cohorts()  # a transactional test before this one may have emptied them
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", team=team)
    TenantFactory(patch=patch, date_of_birth=born(80), last_contact_at=timezone.now())
    TenantFactory(patch=patch, date_of_birth=born(80), last_contact_at=None)

    result = refresh_dashboard_task.delay().get(timeout=60)

    assert result["skipped"] is False
    snapshot = DashboardSnapshot.objects.get(pk=result["snapshot"])
    aged_70 = tables.cohort_lines(snapshot, ALL_TEAMS)[0]
    # One spoken to now (up to date), one never contacted who joined today (due today).
    assert (aged_70.tenants, aged_70.up_to_date, aged_70.due_today) == (2, 1, 1)
    again = refresh_dashboard_task.delay().get(timeout=60)
    assert again["snapshot"] > snapshot.pk
    assert DashboardSnapshot.objects.count() == 2


def test_refresh_command_writes_a_snapshot_for_make_run():
    from django.core.management import call_command

    from dashboard.models import DashboardSnapshot

    call_command("refresh_dashboard")
    assert DashboardSnapshot.objects.count() == 1
