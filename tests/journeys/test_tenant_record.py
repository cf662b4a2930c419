from datetime import date, timedelta

from playwright.sync_api import expect

from tests.factories import OfficerFactory, PatchFactory, TeamFactory, TenantFactory


def test_officer_finds_a_tenant_and_marks_them_self_isolating(journey):
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", team=team)
    OfficerFactory(username="olivia", team=team)
    TenantFactory(
        first_name="Margaret",
        last_name="Holt",
        patch=patch,
        communication_needs="Hard of hearing: speak slowly",
    )
    TenantFactory(
        first_name="Agnieszka",
        last_name="Nowak",
        patch=PatchFactory(code="FY-LYT", team=TeamFactory(name="South team")),
    )
    page = journey.sign_in("olivia")

    page.get_by_role("link", name="Tenants").click()
    journey.check()
    page.get_by_label("Name, tenancy reference, postcode or phone number").fill("holt")
    page.get_by_role("button", name="Search").click()
    journey.check()
    expect(page.get_by_role("heading", name="1 tenant found")).to_be_visible()
    page.get_by_role("link", name="Margaret Holt").click()
    journey.check()
    expect(page.locator("#communication-needs")).to_contain_text("Hard of hearing")

    page.get_by_role("link", name="Change flags and communication needs").click()
    journey.check()
    today = date.today()
    until = today + timedelta(days=10)
    for prefix, value in (("self_isolating_from", today), ("self_isolating_until", until)):
        page.locator(f"#id_{prefix}_0").fill(str(value.day))
        page.locator(f"#id_{prefix}_1").fill(str(value.month))
        page.locator(f"#id_{prefix}_2").fill(str(value.year))
    page.get_by_label("Reason for the change").fill("Tenant phoned: has a cough")
    page.get_by_role("button", name="Save changes").click()
    journey.check()

    expect(page.locator("#flags")).to_contain_text(
        f"Unwell or self-isolating until {until.day} {until:%b %Y}"
    )
    history = page.locator("#history-list li").first
    expect(history).to_contain_text("Reason: Tenant phoned: has a cough")
    expect(history).to_contain_text("Unwell or self-isolating until: blank")

    # Another team's tenant is not found, by search or by address.
    page.get_by_role("link", name="Tenants").click()
    journey.check()
    page.get_by_label("Name, tenancy reference, postcode or phone number").fill("Nowak")
    page.get_by_role("button", name="Search").click()
    journey.check()
    expect(page.get_by_role("heading", name="0 tenants found")).to_be_visible()
