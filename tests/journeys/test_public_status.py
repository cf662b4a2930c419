from datetime import datetime, time, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from services import actions, cache
from services.models import Service, Status
from tests.factories import ManagerFactory, load_seeded_services

REPAIRS = "Routine repairs and maintenance"
PHONE = 320


def no_sideways_scrolling(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"


def test_a_tenant_reads_the_page_on_a_320_px_phone(journey, browser, live_server):
    load_seeded_services()
    manager = ManagerFactory()
    repairs = Service.objects.get(slug="routine-repairs-and-maintenance")
    actions.status_change_create(
        service=repairs,
        status=Status.REDUCED,
        message="We are doing urgent repairs only. Report one on 01632 960123.",
        user=manager,
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    actions.status_change_create(
        service=repairs,
        status=Status.OPERATING,
        message="Routine repairs start again.",
        effective_at=timezone.make_aware(datetime.combine(tomorrow, time(9, 0))),
        user=manager,
    )
    cache.invalidate()

    # 320 CSS pixels: a small phone, or a 1280 px window zoomed to 400%.
    journey.page.set_viewport_size({"width": PHONE, "height": 640})
    page = journey.goto("/status/")
    no_sideways_scrolling(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Our services")
    expect(page.locator(".govuk-phase-banner")).to_have_count(0)
    recent = page.locator("section", has=page.locator("h2#recent"))
    expect(recent).to_contain_text(REPAIRS)
    upcoming = page.locator("section", has=page.locator("h2#upcoming"))
    expect(upcoming).to_contain_text(f"from {tomorrow.day} {tomorrow:%B %Y} at 9am")
    call_us = page.get_by_role("link", name="0161 496 0000").first
    expect(call_us).to_have_attribute("href", "tel:+441614960000")

    # The service's own page, with its timeline and a number to tap.
    page.locator("#routine-repairs-and-maintenance").get_by_role("link", name=REPAIRS).click()
    journey.check()
    no_sideways_scrolling(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(REPAIRS)
    expect(page.get_by_role("link", name="01632 960123").first).to_have_attribute(
        "href", "tel:+441632960123"
    )
    timeline = page.locator("ol")
    expect(timeline.locator("li")).to_have_count(2)
    expect(timeline.locator("li").first).to_contain_text("Reduced service")
    page.get_by_role("link", name="All our services").click()
    journey.check()

    # Everything is there with JavaScript switched off.
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": PHONE, "height": 640}
    )
    try:
        bare = context.new_page()
        bare.goto(live_server.url + "/status/")
        expect(bare.locator("#routine-repairs-and-maintenance")).to_contain_text("Reduced service")
        expect(bare.get_by_role("link", name="0161 496 0000").first).to_be_visible()
    finally:
        context.close()


PHONE_375 = 375


def tags_on_two_lines(page):
    """The status tags taller than one line of their text."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main .govuk-tag')].filter(tag => {
            const style = getComputedStyle(tag);
            const text = tag.getBoundingClientRect().height
                - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
            return text > 1.5 * parseFloat(style.lineHeight);
        }).map(tag => tag.textContent)"""
    )


def test_on_a_375_px_phone_a_tenant_reads_whole_tags_and_finds_the_statement_and_updates(
    journey, live_server
):
    load_seeded_services()
    cache.invalidate()
    journey.page.set_viewport_size({"width": PHONE_375, "height": 740})
    page = journey.goto("/status/")
    expect(page.get_by_text("Currently unavailable").first).to_be_visible()
    assert tags_on_two_lines(page) == []

    # The footer's statement is the tenants' own, with the way back.
    page.locator("footer").get_by_role("link", name="Accessibility statement").click()
    journey.check()
    expect(page).to_have_url(f"{live_server.url}/status/accessibility/")
    expect(page.locator("#accessibility-contact + ul")).to_contain_text("0161 496 0000")
    page.get_by_role("link", name="All our services").click()
    journey.check()

    # A service's updates by email or text: the sign-up comes with that service ticked.
    page.locator("#routine-repairs-and-maintenance").get_by_role("link", name=REPAIRS).click()
    journey.check()
    assert tags_on_two_lines(page) == []
    page.get_by_role("link", name="Get updates by email or text message").click()
    journey.check()
    expect(page.get_by_role("checkbox", name=REPAIRS)).to_be_checked()
    expect(page.locator("#privacy")).to_be_visible()
