import time
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenants.models import Tenant
from tests.factories import (
    ManagerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)
from tests.journeys.conftest import sign_in_manager


def reload_until_refreshed(journey, seconds=30):
    """Reload until the worker's new figures are in (the "being worked out" note is gone)."""
    page, deadline = journey.page, time.monotonic() + seconds
    while page.locator("#refresh-pending").count():
        assert time.monotonic() < deadline, "the worker did not refresh the figures"
        time.sleep(0.5)
        page.reload()
        journey.check()


@pytest.mark.celery_worker
def test_manager_opens_the_dashboard_filters_by_team_and_refreshes(journey, celery_worker_process):
    load_default_cohorts()
    north = TeamFactory(name="North team")
    south = TeamFactory(name="South team")
    north_patch = PatchFactory(code="PR-RIB", name="Ribble", team=north)
    south_patch = PatchFactory(code="FY-LYT", name="Lytham", team=south)
    now = timezone.now()
    eighty = date(timezone.localdate().year - 80, 1, 15)
    # 70+: North has one called 2 days ago and one 20 days ago; South one 20 days ago.
    for name, patch, days in [
        ("Holt", north_patch, 2),
        ("Ashworth", north_patch, 20),
        ("Nowak", south_patch, 20),
    ]:
        TenantFactory(
            last_name=name,
            patch=patch,
            date_of_birth=eighty,
            last_contact_at=now - timedelta(days=days),
        )
    ManagerFactory(username="maya", first_name="Maya")

    page = sign_in_manager(journey, "maya")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("#as-of")).to_contain_text("The figures have not been worked out yet")

    page.get_by_role("button", name="Refresh now").click()
    journey.check()
    # Worked out by the Celery worker, not in the request: the page says so, then shows them.
    expect(page.get_by_role("alert")).to_contain_text("The figures are being worked out again")
    reload_until_refreshed(journey)
    expect(page.locator("#headlines")).to_contain_text("Aged 70+: 33% called within 14 days")
    expect(page.get_by_role("img", name="Chart of calls made per day")).to_be_visible()
    expect(page.locator("#table-calls tbody tr")).to_have_count(90)

    page.get_by_label("Team").select_option(label="North team")
    page.get_by_role("button", name="Show").click()
    journey.check()
    expect(page.locator("#showing")).to_have_text("Showing: North team")
    expect(page.locator("#headlines")).to_contain_text("Aged 70+: 50% called within 14 days")
    expect(page.locator("#table-cohorts caption")).to_contain_text("North team")

    # Ashworth is spoken to; the figures change when they are worked out again.
    Tenant.objects.filter(last_name="Ashworth").update(last_contact_at=timezone.now())
    page.get_by_role("button", name="Refresh now").click()
    journey.check()
    assert page.url.endswith(f"/dashboard/?team={north.pk}")
    reload_until_refreshed(journey)
    expect(page.locator("#showing")).to_have_text("Showing: North team")
    expect(page.locator("#headlines")).to_contain_text("Aged 70+: 100% called within 14 days")

    with page.expect_download() as download:
        page.locator("#csv-cohorts").click()
    assert download.value.suggested_filename.startswith(f"dashboard-cohorts-team-{north.pk}-")
    lines = open(download.value.path()).read().splitlines()  # noqa: SIM115
    assert lines[1] == "Aged 70+,14,2,2,0,0,100"
