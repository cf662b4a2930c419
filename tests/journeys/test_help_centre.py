from playwright.sync_api import expect

from here_to_help.models import Need
from services import cache
from tests.factories import OrganisationFactory

PHONE = 320


def test_a_tenant_finds_a_food_bank_for_pr1(journey, live_server):
    OrganisationFactory(
        name="Preston Food Bank",
        description="Food parcels, no referral needed.",
        needs=[Need.FOOD],
        areas=["PR1"],
    )
    OrganisationFactory(name="Fylde Money Advice", needs=[Need.BENEFITS], areas=["FY8"])
    cache.invalidate()

    journey.page.set_viewport_size({"width": PHONE, "height": 640})
    page = journey.goto("/help-centre/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Help centre")
    expect(page.locator(".govuk-phase-banner")).to_have_count(0)

    # A postcode that is not one is refused with the reason, and what was typed stays.
    page.get_by_label("What do you need help with?").select_option(label="Food and shopping")
    page.get_by_label("Your postcode or postcode district").fill("Preston")
    page.get_by_role("button", name="Search").click()
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a postcode district")
    expect(page.get_by_label("Your postcode or postcode district")).to_have_value("Preston")

    page.get_by_label("Your postcode or postcode district").fill("pr1 2ab")
    page.get_by_role("button", name="Search").click()
    journey.check()
    expect(page.locator("#results")).to_have_text("1 place can help")
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("Preston Food Bank")
    expect(card).not_to_contain_text("Fylde Money Advice")
    expect(card.get_by_role("link", name="0161 496 0123")).to_have_attribute(
        "href", "tel:+441614960123"
    )
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
