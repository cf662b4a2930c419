from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from services import cache
from tests.factories import ManagerFactory, load_seeded_services
from tests.journeys.conftest import sign_in_manager

REPAIRS = "Routine repairs and maintenance"


def test_manager_schedules_a_service_back_and_the_public_page_follows_by_itself(journey):
    load_seeded_services()
    cache.invalidate()
    ManagerFactory(username="maya", first_name="Maya", last_name="Khan")
    tomorrow = timezone.localdate() + timedelta(days=1)
    at = timezone.make_aware(datetime.combine(tomorrow, time(9, 0)))

    page = sign_in_manager(journey, "maya")
    # A manager's menu keeps the sections opened now and then under "More".
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="More").click()
    journey.check()
    page.get_by_role("link", name="Service status").click()
    journey.check()
    row = page.locator("#service-routine-repairs-and-maintenance")
    expect(row).to_contain_text("Currently unavailable")
    row.get_by_role("link", name=f"Change the status of {REPAIRS}").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change the status")

    # A time that has passed is refused, with an error summary that links to the field.
    page.get_by_label("Operating", exact=True).check()
    page.get_by_label("Message for tenants and the public").fill(
        "Routine repairs have started again. Report a repair to the Customer Contact Centre."
    )
    page.get_by_label("At a later date and time").check()
    yesterday = tomorrow - timedelta(days=2)
    page.get_by_label("Day", exact=True).fill(str(yesterday.day))
    page.get_by_label("Month", exact=True).fill(str(yesterday.month))
    page.get_by_label("Year", exact=True).fill(str(yesterday.year))
    page.get_by_label("Time", exact=True).fill("09:00")
    page.get_by_role("button", name="Save change").click()
    journey.check()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The date must be today or in the future")
    expect(summary).to_be_focused()

    page.get_by_label("Day", exact=True).fill(str(tomorrow.day))
    page.get_by_label("Month", exact=True).fill(str(tomorrow.month))
    page.get_by_label("Year", exact=True).fill(str(tomorrow.year))
    page.get_by_role("button", name="Save change").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text(
        f"{REPAIRS} will change to Operating on {tomorrow.day} {tomorrow:%B %Y} at 9am"
    )
    expect(row).to_contain_text("Currently unavailable")
    expect(row).to_contain_text("by Maya Khan")

    # "Cancel" asks first; "No, keep it" goes back with the change still scheduled.
    row.get_by_role("link", name=f"Cancel the change to {REPAIRS}").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure")
    page.get_by_role("link", name="No, keep it").click()
    expect(row).to_contain_text("by Maya Khan")

    # Until 9am tomorrow the public page still says the service is unavailable, and lists the
    # change as coming up...
    page = journey.goto("/status/")
    service = page.locator("#routine-repairs-and-maintenance")
    expect(service.locator(".govuk-tag")).to_have_text("Currently unavailable")
    upcoming = page.locator("section", has=page.locator("h2#upcoming"))
    expect(upcoming).to_contain_text(REPAIRS)
    expect(upcoming).to_contain_text(f"from {tomorrow.day} {tomorrow:%B %Y} at 9am")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Maya")

    # ...and from then on it shows the change, with no job run and nobody touching anything.
    with time_machine.travel(at + timedelta(minutes=1)):
        # The browser checks its copy on every visit (max-age=0, with an ETag): a reload, as
        # someone coming back later would do, gets the new page.
        page.reload()
        journey.check()
        expect(service.locator(".govuk-tag")).to_have_text("Operating")
        expect(service).to_contain_text("Routine repairs have started again.")
        expect(upcoming).not_to_contain_text(REPAIRS)
