"""The header at 1280 px wide: a manager's menu wrapped onto two lines (three rows in all, the
header 239 px tall); its sections opened now and then are one entry, "More", and each role's
account and "Sign out" are in the top bar, so every menu is one line."""

from playwright.sync_api import expect

from tests.factories import IncomeOfficerFactory, ManagerFactory, OfficerFactory, TeamFactory
from tests.journeys.conftest import sign_in_manager

ONE_LINE_HEADER = 181  # the top bar, the service's name, one line of menu (a manager's)


def menu_rows(page):
    """The distinct tops of the menu's entries: one line of menu is one top."""
    return page.locator("#navigation .govuk-service-navigation__item").evaluate_all(
        "items => [...new Set(items.map(i => Math.round(i.getBoundingClientRect().top)))]"
    )


def header_height(page):
    return page.locator("header.govuk-template__header").bounding_box()["height"]


def test_a_managers_menu_is_one_line_at_1280_px_and_more_opens_the_rest(journey):
    ManagerFactory(username="maya", first_name="Maximiliana", last_name="Featherstonehaugh")
    page = journey.page
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_manager(journey, "maya")
    for path in ["/", "/services/", "/queue/escalations/"]:
        journey.goto(path)
        assert len(menu_rows(page)) == 1, path
        assert header_height(page) <= ONE_LINE_HEADER, path
    expect(page.locator("#signed-in-as")).to_contain_text("Featherstonehaugh")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="More").click()
    journey.check()
    for name in ["Arrears", "Providers", "Service status", "Messages", "Imports"]:
        expect(
            page.locator("#more-sections").get_by_role("link", name=name, exact=True)
        ).to_be_visible()
    page.locator("#more-sections").get_by_role("link", name="Imports").click()
    journey.check()
    current = page.locator('#navigation [aria-current="page"]')
    expect(current).to_have_text("More")
    page.locator("#your-account").click()
    journey.check()
    page.get_by_role("button", name="Sign out").click()
    journey.check()
    expect(page.locator("#signed-in-as")).to_have_count(0)


def test_officers_and_income_officers_menus_sit_beside_the_service_name(journey):
    team = TeamFactory(name="Preston and South Ribble")
    OfficerFactory(username="olivia", team=team)
    IncomeOfficerFactory(username="ian", team=team)
    page = journey.page
    page.set_viewport_size({"width": 1280, "height": 800})
    for username in ["olivia", "ian"]:
        journey.sign_in(username)
        name = page.locator(".govuk-service-navigation__service-name").bounding_box()
        item = page.locator("#navigation .govuk-service-navigation__item").first.bounding_box()
        assert len(menu_rows(page)) == 1 and item["x"] > name["x"] + name["width"], username
        page.get_by_role("button", name="Sign out").click()
        journey.check()
