"""Journeys of issue 20's queue side: a cadence change that shrinks the queue at once (on the
real Celery worker), ending a redeployment, and sharing out with a cap, then undoing it."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    CallTaskFactory,
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)
from tests.journeys.conftest import sign_in_manager
from welfare import control_actions
from welfare.models import CallTask
from welfare.queue import build_call_queue


def teams():
    load_default_cohorts()
    north = TeamFactory(name="North team")
    south = TeamFactory(name="South team")
    return north, south, PatchFactory(code="PR-RIB", name="Ribble", team=north)


@pytest.mark.celery_worker
def test_switching_everyone_else_off_shrinks_the_queue_at_once(journey, celery_worker_process):
    north, _, patch = teams()
    now = timezone.now()
    for name in ["Ashworth", "Bamber", "Crook"]:  # everyone else, due at 90 days
        TenantFactory(
            last_name=name,
            patch=patch,
            date_of_birth=date(1980, 5, 1),
            last_contact_at=now - timedelta(days=120),
        )
    TenantFactory(  # aged 70+: stays in the queue
        last_name="Holt",
        patch=patch,
        date_of_birth=date(1940, 5, 1),
        last_contact_at=now - timedelta(days=20),
    )
    build_call_queue()
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")

    journey.goto(f"/queue/team/{north.pk}/")
    expect(page.locator("#queue-counts")).to_contain_text("4 calls waiting")
    page.get_by_role("link", name="All call queues").click()
    journey.check()
    page.get_by_role("link", name="Cohorts and how often they are called").click()
    journey.check()
    page.get_by_role("link", name="Change Everyone else").click()
    journey.check()
    page.get_by_label("Call tenants in this cohort").uncheck()
    page.get_by_role("button", name="Save").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Everyone else: calls switched off")
    expect(page.locator("#rebuild-done")).to_contain_text(
        "3 calls closed: no longer due", timeout=30_000
    )
    journey.check()
    journey.goto(f"/queue/team/{north.pk}/")
    expect(page.locator("#queue-counts")).to_contain_text("1 call waiting")
    expect(page.locator("#queue")).to_contain_text("Holt")


def test_manager_previews_a_redeployment_then_ends_it(journey):
    north, south, patch = teams()
    tasks = [CallTaskFactory(tenant=TenantFactory(patch=patch)) for _ in range(3)]
    ravi = OfficerFactory(team=north, first_name="Ravi", last_name="Patel")
    maya = ManagerFactory(username="maya")
    control_actions.call_tasks_assign(
        tasks=CallTask.objects.filter(pk=tasks[0].pk), officer=ravi, by=maya
    )
    page = sign_in_manager(journey, "maya")

    journey.goto("/queue/redeploy/")
    page.get_by_label("Patch").select_option(label="PR-RIB Ribble")
    page.get_by_label("Team that makes the calls").select_option(label="South team")
    today, last = timezone.localdate(), timezone.localdate() + timedelta(days=6)
    for legend, day in [("From", today), ("Until (the last day)", last)]:
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Continue").click()
    journey.check()
    expect(page.locator("#preview")).to_contain_text("3 calls move to South team")
    expect(page.locator("#preview")).to_contain_text("1 assigned call loses its officer")
    expect(page.locator("#losing-officer")).to_contain_text("Ravi Patel")
    page.get_by_role("button", name="Confirm the redeployment").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("3 calls moved to South team now")
    assert set(CallTask.objects.values_list("team", flat=True)) == {south.pk}

    page.get_by_role("button", name="End now the redeployment of Ribble to South team").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("3 calls moved back to North team")
    expect(page.locator("#redeployment-history")).to_contain_text("Cancelled")
    assert set(CallTask.objects.values_list("team", flat=True)) == {north.pk}


def test_manager_shares_out_with_a_cap_then_undoes_it(journey):
    north, _, patch = teams()
    for _ in range(6):
        CallTaskFactory(tenant=TenantFactory(patch=patch))
    OfficerFactory(team=north, username="amy", first_name="Amy", last_name="Shaw")
    OfficerFactory(team=north, username="ben", first_name="Ben", last_name="Cole")
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")

    journey.goto(f"/queue/team/{north.pk}/")
    page.get_by_role("link", name="Share out the calls not assigned between officers").click()
    journey.check()
    page.get_by_label("Amy Shaw").check()
    page.get_by_label("Ben Cole").check()
    page.get_by_label("Most calls to give each officer").fill("2")
    page.get_by_role("button", name="Preview the share-out").click()
    journey.check()
    expect(page.locator("#share-summary")).to_contain_text("2 left unassigned")
    expect(page.locator("#share-preview")).to_contain_text("Amy Shaw")
    assert not CallTask.objects.filter(assigned_to__isnull=False).exists()
    page.get_by_role("button", name="Confirm the share-out").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("4 calls shared between 2 officers")
    assert CallTask.objects.filter(assigned_to__isnull=False).count() == 4

    page.locator("#undoable").get_by_role("button").first.click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("4 calls put back")
    assert not CallTask.objects.filter(assigned_to__isnull=False).exists()


def test_manager_opens_overdue_from_the_dashboard_and_downloads_the_tenants(journey):
    _, _, patch = teams()
    now = timezone.now()
    for name, days in [("Holt", 20), ("Ashworth", 30), ("Nowak", 2)]:  # aged 70+: 14 days
        TenantFactory(
            last_name=name,
            first_name="Ann",
            patch=patch,
            date_of_birth=date(1940, 5, 1),
            last_contact_at=now - timedelta(days=days),
        )
    from dashboard.refresh import dashboard_refresh

    dashboard_refresh()
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    journey.check()
    page.locator("#table-cohorts").get_by_role("link", name="2 (Aged 70+, overdue)").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tenants by cohort and calls Cohort: Aged 70+, Calls: Overdue"
    )
    expect(page.locator("#figure-list")).to_contain_text("Ann Ashworth")
    expect(page.locator("#figure-list")).to_contain_text("Ann Holt")
    expect(page.locator("#figure-list")).not_to_contain_text("Nowak")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Ann Ashworth" in text and "Ann Holt" in text and "Nowak" not in text


def test_manager_changes_a_help_target_and_a_new_requests_target_follows(journey):
    from config.dates import add_working_days

    _, _, patch = teams()
    tenant = TenantFactory(first_name="Margaret", last_name="Holt", patch=patch)
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")
    journey.goto("/help/team/")
    page.get_by_role("link", name="Here to Help settings").click()
    journey.check()
    page.get_by_label("Benefits advice: target (working days)").fill("2")
    page.get_by_role("button", name="Save settings").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("New requests' targets follow at once")

    journey.goto(f"/tenants/{tenant.pk}/")
    page.get_by_role("link", name="Raise a Here to Help request").click()
    journey.check()
    page.get_by_label("Benefits advice").check()
    page.get_by_label("Phone-in").check()
    page.get_by_role("button", name="Raise request").click()
    journey.check()
    due = add_working_days(timezone.localdate(), 2)
    expect(page.locator("main")).to_contain_text(
        f"By the end of {due:%A} {due.day} {due:%B %Y} (2 working days)"
    )
