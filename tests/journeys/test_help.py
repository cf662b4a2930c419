from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from here_to_help.models import HelpRequest, Need
from tests.factories import (
    HelpRequestFactory,
    IncomeOfficerFactory,
    ManagerFactory,
    OfficerFactory,
    OrganisationFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
)
from tests.journeys.conftest import sign_in_manager


def raise_food_and_shopping(page):
    page.get_by_label("Food and shopping").check()
    page.get_by_label("Phone-in").check()
    page.get_by_label("Notes (optional)").fill("Isolating, no one to shop for her")
    page.get_by_role("button", name="Raise request").click()


def test_officer_raises_a_food_request_signposts_it_and_resolves_it(journey):
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", first_name="Olivia", last_name="Barnes", team=team)
    tenant = TenantFactory(first_name="Margaret", last_name="Holt", postcode="PR1 2AB", patch=patch)
    OrganisationFactory(
        name="Preston Food Bank",
        needs=[Need.FOOD],
        areas=["PR1", "PR2"],
        phone="+441614960123",
        opening_notes="Tuesday and Friday, 10am to 1pm",
    )
    # Not offered: another district, not validated for 91 days, temporarily closed.
    OrganisationFactory(name="Lytham Larder", needs=[Need.FOOD], areas=["FY8"])
    OrganisationFactory(
        name="Old Pantry", areas=["PR1"], validated_at=timezone.now() - timedelta(days=91)
    )
    OrganisationFactory(name="Shut Pantry", areas=["PR1"], temporarily_closed=True)

    page = journey.sign_in("olivia")
    journey.goto(f"/tenants/{tenant.pk}/")
    expect(page.locator("#help-requests-heading")).to_have_text("Here to Help")

    page.get_by_role("link", name="Raise a Here to Help request").click()
    journey.check()
    raise_food_and_shopping(page)
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Food and shopping")
    expect(page.locator("#request-status")).to_contain_text("New")
    expect(page.locator("#notes")).to_contain_text("Isolating, no one to shop for her")
    first_url = page.url

    # Back, and "Raise request" again: the page Back fetches has a new form key (staff pages
    # are never cached), and the browser refills the form.
    page.go_back()
    journey.check()
    raise_food_and_shopping(page)
    journey.check()
    assert page.url == first_url
    expect(page.locator(".govuk-notification-banner").first).to_contain_text(
        "That form was already sent: it was saved once."
    )
    assert HelpRequest.objects.count() == 1

    page.get_by_role("button", name="Take ownership").click()
    journey.check()
    expect(page.locator("#request-owner")).to_have_text("Olivia Barnes")
    expect(page.locator("#request-status")).to_contain_text("In progress")

    page.get_by_role("link", name="Signpost to an organisation").click()
    journey.check()
    offered = page.locator("#offered")
    expect(offered).to_contain_text("Preston Food Bank")
    for name in ["Lytham Larder", "Old Pantry", "Shut Pantry"]:
        expect(offered).not_to_contain_text(name)
    page.get_by_role("button", name="Record signpost").click()  # nothing chosen yet
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the organisation you gave the tenant"
    )
    page.get_by_label("Preston Food Bank").check()
    page.get_by_label("What did you give the tenant?").fill(
        "Gave the food bank's number and opening times; they will deliver on Friday"
    )
    page.get_by_role("button", name="Record signpost").click()
    journey.check()
    expect(page.locator("#request-status")).to_contain_text("Referred")
    expect(page.locator("#signposts")).to_contain_text("Preston Food Bank")

    page.get_by_label("Add a note").fill("She rang back: the delivery came")
    page.get_by_label("Resolved").check()
    page.get_by_role("button", name="Save status").click()  # no outcome yet
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the outcome")
    expect(page.get_by_label("Add a note")).to_have_value("She rang back: the delivery came")
    page.get_by_label("Resolved").check()
    page.get_by_label("Outcome").fill("Food parcel delivered on Friday")
    page.get_by_role("button", name="Save status").click()
    journey.check()
    expect(page.locator("#request-status")).to_contain_text("Resolved")
    expect(page.locator("#request-outcome")).to_contain_text("Food parcel delivered on Friday")
    expect(page.locator("#notes")).to_contain_text("She rang back: the delivery came")

    help_request = HelpRequest.objects.get()
    assert help_request.status == HelpRequest.Status.RESOLVED
    assert help_request.signposts.get().organisation.name == "Preston Food Bank"

    page.get_by_role("link", name="Here to Help", exact=True).click()
    journey.check()
    page.get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Filter").click()
    journey.check()
    expect(page.locator("#requests")).to_contain_text("Margaret Holt")


def test_manager_validates_a_stale_entry_and_adds_an_organisation(journey):
    ManagerFactory(username="maya", first_name="Maya", last_name="Khan")
    OrganisationFactory(
        name="Old Pantry", areas=["PR1"], validated_at=timezone.now() - timedelta(days=91)
    )
    page = sign_in_manager(journey, "maya")
    expect(page.locator("#panel-help-directory")).to_contain_text("1 entry needs validating")

    page.get_by_role("link", name="Validate directory entries").click()
    journey.check()
    expect(page.locator("#directory")).to_contain_text("Needs validating")
    page.get_by_role("link", name="Old Pantry").click()
    journey.check()
    page.get_by_role("button", name="Mark as validated today").click()
    journey.check()
    expect(page.locator("#organisation-state")).to_contain_text("Offered")
    expect(page.locator("#organisation-validated")).to_contain_text("by Maya Khan")

    page.get_by_role("link", name="Resource directory").click()
    journey.check()
    page.get_by_role("link", name="Add an organisation").click()
    journey.check()
    page.get_by_label("Name").fill("Fylde Coast Befrienders")
    page.get_by_label("Community group").check()
    page.get_by_role("button", name="Save organisation").click()  # no needs, no areas
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select the needs the organisation meets"
    )
    page.get_by_label("Befriending").check()
    page.get_by_label("Mental health and wellbeing").check()
    page.get_by_label("Postcode districts covered").fill("fy8, FY4")
    page.get_by_label("Phone number").fill("0113 496 0000")
    page.get_by_role("button", name="Save organisation").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fylde Coast Befrienders")
    expect(page.locator("#organisation-summary")).to_contain_text("FY4, FY8")
    expect(page.locator("#organisation-summary")).to_contain_text("0113 496 0000")


def test_income_officer_considers_an_arrears_flag_from_the_home_page(journey):
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    IncomeOfficerFactory(username="ian", team=team)
    tenant = TenantFactory(first_name="Peter", last_name="Ashworth", patch=patch)
    money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)

    page = journey.sign_in("ian")
    panel = page.locator("#panel-help-arrears")
    expect(panel).to_contain_text("Peter Ashworth")
    expect(panel.get_by_role("link", name="Raise a flag")).to_have_attribute(
        "href", f"/arrears/raise/?tenant={tenant.pk}&request={money.pk}"
    )
    panel.get_by_role("link", name="No flag needed").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("No arrears flag needed")
    page.get_by_role("button", name="Record: no flag needed").click()
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why no arrears flag is needed"
    )
    page.get_by_label("Why no arrears flag is needed").fill("Back at work full time")
    page.get_by_role("button", name="Record: no flag needed").click()
    journey.check()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "no arrears flag needed for Peter Ashworth"
    )
    expect(page.locator("#panel-help-arrears")).to_have_count(0)
    money.refresh_from_db()
    assert money.arrears_considered_at is not None


PHONE = 375


def test_team_requests_fit_a_phone_and_keep_their_table_on_a_desktop(journey):
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    olivia = OfficerFactory(username="olivia", first_name="Olivia", last_name="Barnes", team=team)
    tenant = TenantFactory(first_name="Margaret", last_name="Holt-Wainwright", patch=patch)
    HelpRequestFactory(tenant=tenant, need=Need.TECHNOLOGY, owner=olivia)
    late = timezone.now() - timedelta(days=1)
    HelpRequestFactory(tenant=tenant, need=Need.MENTAL_HEALTH, due_at=late)

    page = journey.sign_in("olivia")
    page.set_viewport_size({"width": PHONE, "height": 740})
    journey.goto("/help/team/")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    owner = page.locator("#requests td", has_text="Olivia Barnes")
    box = owner.bounding_box()
    assert box["x"] + box["width"] <= PHONE, "the owner is off the screen"

    page.set_viewport_size({"width": 1280, "height": 800})
    header = page.locator("#requests th", has_text="Owner").bounding_box()
    box = owner.bounding_box()
    # A table again: the owner under its column's header.
    assert header["y"] < box["y"] and abs(header["x"] - box["x"]) < 1


def test_a_mistyped_filter_is_refused_and_its_error_opens_the_filter(journey):
    """The error summary passes axe-core, and its link takes the officer to the filter."""
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", team=team)
    HelpRequestFactory(tenant=TenantFactory(first_name="Margaret", patch=patch), need=Need.FOOD)

    page = journey.sign_in("olivia")
    journey.goto("/help/team/?status=bogus")
    expect(page.locator("#requests-refused")).to_be_visible()
    expect(page.locator("#requests")).to_have_count(0)
    page.locator("#requests-refused a", has_text="Status").click()
    expect(page.locator("#id_status")).to_be_focused()
