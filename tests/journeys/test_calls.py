from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from playwright.sync_api import expect

from here_to_help.models import HelpRequest
from tests.factories import (
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.call_models import Escalation
from welfare.queue import build_call_queue

LONDON = ZoneInfo("Europe/London")


def a_tenant_due_a_call(on=None):
    load_default_cohorts()
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", first_name="Olivia", team=team)
    tenant = TenantFactory(
        first_name="Margaret",
        last_name="Holt",
        patch=patch,
        phone="+442079460123",
        last_contact_at=None,
        communication_needs="Hard of hearing: speak slowly",
    )
    build_call_queue(on=on)
    return tenant


def take_next_call(journey):
    page = journey.page
    page.get_by_role("link", name="Call queue", exact=True).click()
    journey.check()
    page.get_by_role("button", name="Take next call").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Holt")
    return page


def save_call(journey):
    journey.page.get_by_role("button", name="Save the call").click()
    return journey.check()


def test_spoke_to_tenant_with_two_needs_raises_two_requests(journey):
    tenant = a_tenant_due_a_call()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    expect(page.locator("#communication-needs")).to_contain_text("Hard of hearing")
    page.get_by_label("Spoke to tenant").check()  # its questions are revealed under it
    page.get_by_label("1. How are you doing?").fill("Fine, a bit lonely")
    page.get_by_label("Okay").check()
    page.get_by_label("Food and shopping").check()
    page.get_by_label("Befriending").check()
    page = save_call(journey)
    expect(
        page.get_by_role("alert").or_(page.locator(".govuk-notification-banner"))
    ).to_contain_text("Call to Margaret Holt recorded: Spoke to tenant")
    needs = sorted(HelpRequest.objects.filter(tenant=tenant).values_list("need", flat=True))
    assert needs == ["befriending", "food"]

    page.get_by_role("link", name="Tenants").click()
    journey.check()
    page.get_by_label("Name, tenancy reference, postcode or phone number").fill("Holt")
    page.get_by_role("button", name="Search").click()
    journey.check()
    page.get_by_role("link", name="Margaret Holt").click()
    journey.check()
    expect(page.locator("#help-requests")).to_contain_text("Food and shopping")
    expect(page.locator("#help-requests")).to_contain_text("Befriending")


def test_no_answer_on_three_working_days_escalates_to_a_manager_who_closes_it(journey):
    monday = date(2026, 6, 1)
    days = [monday, monday + timedelta(days=1), monday + timedelta(days=2)]
    with time_machine.travel(datetime.combine(days[0], time(9), LONDON), tick=True) as clock:
        tenant = a_tenant_due_a_call(on=days[0])
        ManagerFactory(username="maya", first_name="Maya")
        for number, day in enumerate(days):
            clock.move_to(datetime.combine(day, time(10), LONDON))
            journey.page.context.clear_cookies()  # a new day, a new sign-in
            journey.sign_in("olivia")
            page = take_next_call(journey)
            page.get_by_label("No answer").check()
            page.get_by_label("Notes").fill(f"Attempt {number + 1}: rang for two minutes")
            save_call(journey)
        escalation = Escalation.objects.get(tenant=tenant)
        assert escalation.reason == Escalation.Reason.FAILED_ATTEMPTS

        from tests.journeys.conftest import sign_in_manager

        journey.page.context.clear_cookies()
        page = sign_in_manager(journey, "maya")
        page.get_by_role("link", name="Escalations").first.click()
        journey.check()
        expect(page.locator("#escalation-list")).to_contain_text("Margaret Holt")
        page.get_by_role("link", name="Margaret Holt").click()
        journey.check()
        page.get_by_label("Door-knock visit").check()
        page.get_by_label("What happened").fill("Neighbour says she is staying with her son")
        page.get_by_role("button", name="Record").click()
        journey.check()
        page.get_by_role("button", name="Close the escalation").click()
        journey.check()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter the result before closing the escalation"
        )
        page.get_by_label("Result").fill("Spoke to her at her son's: safe and well")
        page.get_by_label("The tenant was reached and is safe").check()
        page.get_by_role("button", name="Close the escalation").click()
        journey.check()
        expect(page.locator("#escalation-list")).not_to_contain_text("Margaret Holt")
    escalation.refresh_from_db()
    assert escalation.result == "Spoke to her at her son's: safe and well"
