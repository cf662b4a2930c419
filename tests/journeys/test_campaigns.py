from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)
from tests.journeys.conftest import Journey, sign_in_manager
from welfare.queue import build_call_queue


def fill_date(page, label, day):
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_manager_runs_a_cold_weather_check_and_an_officer_sees_both_scripts(
    journey, browser, live_server
):
    load_default_cohorts()
    today = timezone.localdate()
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", first_name="Olivia", team=team)
    ManagerFactory(username="maya", first_name="Maya")
    aged = today.replace(year=today.year - 80, day=1)
    # Due in both: never spoken to. Only in the check: spoken to yesterday. Neither: under 70.
    TenantFactory(
        first_name="Margaret",
        last_name="Holt",
        patch=patch,
        date_of_birth=aged,
        lives_alone=True,
        last_contact_at=None,
    )
    TenantFactory(
        first_name="Arthur",
        last_name="Dean",
        patch=patch,
        date_of_birth=aged,
        lives_alone=True,
        last_contact_at=timezone.now() - timedelta(days=1),
    )
    TenantFactory(
        first_name="Young",
        last_name="Person",
        patch=patch,
        date_of_birth=today.replace(year=today.year - 40, day=1),
        lives_alone=True,
        last_contact_at=timezone.now() - timedelta(days=1),
    )

    page = sign_in_manager(journey, "maya")
    page.get_by_role("link", name="Campaigns", exact=True).click()
    journey.check()
    expect(page.locator("#campaigns")).to_contain_text("COVID welfare calls")
    page.get_by_role("button", name="Create a campaign").or_(
        page.get_by_role("link", name="Create a campaign")
    ).click()
    journey.check()
    page.get_by_label("Name").fill("Cold weather check")
    fill_date(page, "Starts on", today)
    page.get_by_label("Call each tenant once by the end date").check()
    fill_date(page, "Ends on (each tenant is called by this day)", today + timedelta(days=14))
    page.get_by_label("Aged at least").fill("70")
    page.get_by_label("Only tenants who live alone").check()
    page.get_by_label("Question 1", exact=True).fill("Is your home warm enough?")
    question = page.get_by_role("group", name="Question 1", exact=True)
    question.get_by_label("Answer").select_option(label="Yes or no")
    question.get_by_label("A 'no' suggests the need").select_option(label="Utility meter credit")
    page.get_by_role("button", name="Create the campaign").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold weather check")
    expect(page.locator("#campaign-summary")).to_contain_text("Aged 70 or more")
    expect(page.locator("#progress-total")).to_contain_text("All teams 2 0 0 2 0")

    # The next build queues them: Margaret once, for both campaigns.
    result = build_call_queue()
    assert result.opened == 2

    # The officer, in a browser of her own.
    officer = Journey(browser.new_context().new_page(), live_server.url)
    page = officer.sign_in("olivia")
    page.get_by_role("link", name="Call queue", exact=True).click()
    officer.check()
    page.get_by_role("link", name="Margaret Holt").click()
    officer.check()
    page.get_by_role("button", name="Take this call").click()
    officer.check()
    expect(page.locator("#call-campaigns")).to_contain_text("Cold weather check")
    # The scripts are asked once the officer has spoken to the tenant.
    page.get_by_label("Spoke to tenant").check()
    expect(page.get_by_role("group", name="COVID welfare calls: the script")).to_be_visible()
    script = page.get_by_role("group", name="Cold weather check: the script")
    expect(script).to_contain_text("A 'no' suggests a need for utility meter credit")
    page.get_by_label("1. How are you doing?").fill("Cold but cheerful")
    script.get_by_label("No").check()
    page.get_by_label("Spoke to tenant").check()
    page.get_by_label("Okay").check()
    page.get_by_label("Utility meter credit").check()
    page.get_by_role("button", name="Save the call").click()
    officer.check()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Call to Margaret Holt recorded"
    )

    page = journey.page
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Campaigns").click()
    journey.check()
    page.get_by_role("link", name="Cold weather check").click()
    journey.check()
    expect(page.locator("#progress-by-team")).to_contain_text("North team 2 1 0 1 0")
    expect(page.locator("#progress-by-day")).to_contain_text("1 1")


def test_a_critical_check_in_raises_the_cadence_of_the_providers_tenants(journey):
    from tests.factories import SchemeFactory, SupportProviderFactory
    from welfare.provider_actions import provider_oversight_set

    load_default_cohorts()
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", first_name="Olivia", team=team)
    provider = SupportProviderFactory(name="Caring Hands")
    provider_oversight_set(provider=provider, team=team, cadence_days=7)
    scheme = SchemeFactory(name="Ribble Court", type="supported_living", support_provider=provider)
    # Spoken to 10 days ago: not due again for 4 days, until the provider is in trouble (then
    # every 7 days from that call: 3 days overdue).
    TenantFactory(
        first_name="Ruth",
        last_name="Ellis",
        patch=patch,
        scheme=scheme,
        date_of_birth=timezone.localdate().replace(year=1980, day=1),
        last_contact_at=timezone.now() - timedelta(days=10),
    )
    provider.contacts.create(name="Sam Lee", role="Rota manager", phone="+441134960001")
    # The morning build puts the check-in due in the team's queue; Ruth is not due.
    result = build_call_queue()
    assert (result.opened, result.check_ins_opened) == (0, 1)

    page = journey.sign_in("olivia")
    page.get_by_role("link", name="Call queue", exact=True).click()
    journey.check()
    expect(page.locator("#check-in-tasks")).to_contain_text("Caring Hands")
    page.get_by_role("button", name="Take next call").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caring Hands")
    expect(page.locator("#provider-contacts a[href='tel:+441134960001']")).to_be_visible()
    expect(page.locator("#provider-supports")).to_contain_text("1 tenant: Ribble Court (1)")
    page.get_by_label("Critical").check()
    page.get_by_label("Notes").fill("Half the night staff off sick")
    page.get_by_role("button", name="Save and take next call").click()
    journey.check()
    # No call is waiting yet, so back to the queue, with what the check-in did.
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("staffing Critical")
    expect(page.locator("#check-in-tasks")).to_have_count(0)

    page.get_by_role("link", name="Providers", exact=True).click()
    journey.check()
    page.get_by_role("link", name="Caring Hands").click()
    journey.check()
    expect(page.locator("#provider-summary")).to_contain_text("1 tenant in Ribble Court")
    expect(page.locator("#check-ins")).to_contain_text("Half the night staff off sick")

    assert build_call_queue().opened == 1
    page.get_by_role("link", name="Call queue", exact=True).click()
    journey.check()
    page.get_by_role("button", name="Take next call").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruth Ellis")
    expect(page.locator("#call-campaigns")).to_contain_text(
        "Provider staffing critical (Caring Hands): every 7 days"
    )


@pytest.mark.usefixtures("celery_worker_process")
def test_a_list_of_20_tenancies_and_3_bad_rows_is_imported_and_the_3_reported(journey, tmp_path):
    load_default_cohorts()
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    ManagerFactory(username="maya", first_name="Maya")
    refs = [TenantFactory(patch=patch, tenancy_ref=f"NHS-{n:03d}").tenancy_ref for n in range(20)]
    lines = ["tenancy_ref", *refs[:10], "NOPE-001", *refs[10:15], "", "BAD REF!", *refs[15:]]
    lines.insert(8, "NOPE-002")  # on line 9 (a repeated reference would reject both its rows)
    path = tmp_path / "shielded.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = sign_in_manager(journey, "maya")
    page.get_by_role("link", name="Campaigns", exact=True).click()
    journey.check()
    page.get_by_role("link", name="Create a campaign").click()
    journey.check()
    today = timezone.localdate()
    page.get_by_label("Name").fill("Shielded patients")
    fill_date(page, "Starts on", today)
    page.get_by_label("Call each tenant once by the end date").check()
    fill_date(page, "Ends on (each tenant is called by this day)", today + timedelta(days=7))
    page.get_by_label("An imported list").check()
    page.get_by_label("Question 1", exact=True).fill("Do you have your medicines?")
    page.get_by_role("button", name="Create the campaign").click()
    journey.check()
    page.get_by_role("link", name="Import the list").click()
    journey.check()

    # The list runs on the background imports flow: checked on the Celery worker (the page
    # follows its progress), nothing added until the manager confirms.
    page.get_by_label("Upload the list").set_input_files(str(path))
    page.get_by_role("button", name="Check the list", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the campaign list", timeout=30_000
    )
    journey.check()
    report = page.locator("#import-report")
    expect(report).to_contain_text("nothing was added")
    # Nobody is added until the manager confirms: the count says who would be.
    expect(report.locator("#count-added")).to_have_text("20")
    expect(report.locator("dt").first).to_have_text("Would be added")
    expect(page.locator("#rejections li")).to_have_text(
        [
            'line 9: tenancy_ref "NOPE-002" matches no tenant',
            'line 13: tenancy_ref "NOPE-001" matches no tenant',
            'line 20: tenancy_ref "BAD REF!" is not 1-20 letters, digits, "-" or "/"',
        ]
    )

    page.get_by_role("button", name="Import only the 20 valid rows, leaving out 3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("List imported", timeout=30_000)
    journey.check()
    expect(page.locator("#list-size")).to_have_text("20 tenants on the list.")
    expect(report.locator("dt").first).to_have_text("Added")
    expect(page.locator("#rejections li")).to_have_count(3)


def _tops(page):
    """The top of each button in the campaign's button group, by its text."""
    buttons = page.locator(".govuk-button-group .govuk-button")
    return {
        buttons.nth(n).inner_text(): buttons.nth(n).bounding_box()["y"]
        for n in range(buttons.count())
    }


@pytest.mark.parametrize("width", [1200, 375])
def test_pause_and_restart_sit_in_line_with_the_campaigns_other_buttons(journey, width):
    from welfare.campaign_actions import campaign_create
    from welfare.campaign_models import Campaign

    today = timezone.localdate()
    manager = ManagerFactory(username="maya", first_name="Maya")
    campaign = campaign_create(
        by=manager,
        name="Shielding list",
        kind=Campaign.Kind.LIST,
        starts_on=today,
        ends_on=today + timedelta(days=14),
        schedule=Campaign.Schedule.ONCE,
        questions=[{"text": "All well?", "kind": "yes_no"}],
    )
    page = sign_in_manager(journey, "maya")
    page.set_viewport_size({"width": width, "height": 900})
    journey.goto(f"/campaigns/{campaign.pk}/")
    tops = _tops(page)
    assert list(tops) == ["Pause", "Import the list", "Extend", "Close"]
    if width > 640:  # one row: every button's top is the same
        assert len(set(tops.values())) == 1, tops
    else:  # stacked, each as wide as the others
        buttons = page.locator(".govuk-button-group .govuk-button")
        widths = {buttons.nth(n).bounding_box()["width"] for n in range(buttons.count())}
        assert len(widths) == 1, widths
    page.get_by_role("button", name="Pause").click()
    journey.check()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Shielding list paused")
    tops = _tops(page)
    assert "Restart" in tops
    if width > 640:
        assert len(set(tops.values())) == 1, tops
    page.get_by_role("button", name="Restart").click()
    journey.check()
    expect(page.locator(".govuk-button-group")).to_contain_text("Pause")
