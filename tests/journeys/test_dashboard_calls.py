"""Journey of issue 20's "every count opens its list" for calls: from the dashboard's calls per
day to the calls list and its CSV, then from the workload page to an officer's calls; the
services counts open the register filtered. axe runs on every page (`journey.check()`)."""

from pathlib import Path

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
from welfare.call_models import Call


def test_manager_opens_a_days_calls_and_an_officers_calls(journey):
    load_default_cohorts()
    north = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=north)
    amy = OfficerFactory(username="amy", first_name="Amy", last_name="Shaw", team=north)
    now = timezone.now()
    for name, outcome in [("Holt", "spoke"), ("Nowak", "no_answer")]:
        task = CallTaskFactory(tenant=TenantFactory(last_name=name, first_name="Ann", patch=patch))
        Call.objects.create(
            task=task, tenant=task.tenant, officer=amy, made_at=now,
            made_on=timezone.localdate(now), outcome=outcome,
            wellbeing="good" if outcome == "spoke" else "",
        )  # fmt: skip
    from dashboard.refresh import dashboard_refresh

    dashboard_refresh()
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    journey.check()
    today = f"{timezone.localdate(now):%a %-d %b %Y}"
    page.locator("#table-calls").get_by_role("link", name=f"1 ({today}, spoke to tenant)").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Calls made Day: {timezone.localdate(now).isoformat()}, Only calls that reached the tenant"
    )
    expect(page.locator("#figure-list")).to_contain_text("Ann Holt")
    expect(page.locator("#figure-list")).not_to_contain_text("Nowak")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Ann Holt" in text and "Nowak" not in text

    page.get_by_role("link", name="Dashboard").first.click()
    page.get_by_role("link", name="Workload by officer").click()
    journey.check()
    page.get_by_role("link", name="2 calls by Amy Shaw").click()
    journey.check()
    expect(page.locator("#list-count")).to_contain_text("2 calls")

    page.get_by_role("link", name="Dashboard").first.click()
    page.locator("#table-services").get_by_role("link").first.click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service status register")
