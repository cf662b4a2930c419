"""The call workspace (issue 14) in Chromium, with axe-core on every page."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape
from playwright.sync_api import expect

from here_to_help.models import HelpRequest
from tenants.models import Tenant
from tests.factories import (
    FamilyContactFactory,
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
)
from tests.journeys.test_calls import a_tenant_due_a_call, take_next_call
from welfare.call_models import Call
from welfare.campaign_actions import campaign_create
from welfare.queue import build_call_queue

LONDON = ZoneInfo("Europe/London")
HEADER = (
    "tenancy_ref,first_name,last_name,date_of_birth,phone,mobile,address_line_1,postcode,"
    "no_phone,patch\n"
)


def banner(page):
    return page.locator(".govuk-notification-banner").first


def test_back_amend_save_is_told_and_loses_nothing(journey):
    tenant = a_tenant_due_a_call()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    # Staff pages are sent with Cache-Control: no-store (a shared PC must not show a record from
    # its cache after sign-out), so the browser's Back fetches the page again rather than
    # showing the old one. The old page is what matters here: this same form, with its key,
    # already sent as "No answer" (as from the page before Back), then amended and sent again.
    page.evaluate(
        """async () => {
          const form = document.querySelector('form[aria-label="Record the call"]');
          const data = new FormData(form);
          data.set("outcome", "no_answer");
          data.set("then", "queue");
          await fetch(form.action, {method: "POST", body: data, credentials: "same-origin"});
        }"""
    )
    assert Call.objects.filter(tenant=tenant, outcome="no_answer").count() == 1
    page.get_by_label("Spoke to tenant").check()
    page.get_by_label("Struggling").check()
    page.get_by_label("Food and shopping").check()
    page.get_by_label("Notes").fill("Running out of food; daughter away")
    page.get_by_role("button", name="Save the call and return to the queue").click()
    journey.check()
    expect(page.locator("#call-conflict")).to_contain_text("This call was already logged by you at")
    expect(page.get_by_label("Notes")).to_have_value("Running out of food; daughter away")
    assert Call.objects.filter(tenant=tenant).count() == 1
    page.get_by_role("button", name="Record it as a new attempt").click()
    journey.check()
    expect(banner(page)).to_contain_text(
        "Call to Margaret Holt recorded: Spoke to tenant, struggling. Raised 1 request: "
        "Food and shopping (opens in new tab) (due"
    )
    outcomes = set(Call.objects.filter(tenant=tenant).values_list("outcome", flat=True))
    assert outcomes == {"no_answer", "spoke"}
    request = HelpRequest.objects.get(tenant=tenant)
    assert request.need == "food"


def test_a_follow_up_under_the_wrong_outcome_is_refused_and_kept(journey):
    tenant = a_tenant_due_a_call()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.get_by_label("Call back requested").check()
    page.get_by_label("Time to call back").fill("14:30")
    page.get_by_label("No answer").check()
    expect(page.get_by_label("Time to call back")).to_be_hidden()
    page.get_by_role("button", name="Save and take next call").click()
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        'You filled in questions under "Call back requested" but chose "No answer"'
    )
    assert not Call.objects.filter(tenant=tenant).exists()
    page.get_by_label("Call back requested").check()
    expect(page.get_by_label("Time to call back")).to_have_value("14:30")


def test_save_and_take_next_call_opens_the_next_call_in_one_click(journey):
    a_tenant_due_a_call()
    second = TenantFactory(
        first_name="Peter",
        last_name="Ashworth",
        patch=Tenant.objects.get(last_name="Holt").patch,
        phone="+442079460124",
        last_contact_at=None,
    )
    build_call_queue()
    journey.page.set_viewport_size({"width": 1280, "height": 800})
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.get_by_label("No answer").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and take next call").click()
    journey.check()
    # A layout check: under the banner about the call just saved, the next call's outcomes and
    # Save are whole on a 1280 x 800 screen, with no scrolling.
    expect(page.get_by_label("Reported deceased")).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Save and take next call")).to_be_in_viewport(ratio=1)
    # One response: axe checked it at the form's address, which the page then replaced with
    # the next call's own.
    journey.checked.update(url for url in journey.navigated if url.endswith("/log/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(escape(second.full_name))
    expect(banner(page)).to_contain_text("Call to Margaret Holt recorded: No answer.")
    expect(page.locator("#call-heading")).to_be_focused()
    assert page.url.endswith(f"/queue/task/{second.call_tasks.get().pk}/")


def test_no_answer_fits_the_screen_and_takes_few_tabs(journey):
    a_tenant_due_a_call()
    journey.page.set_viewport_size({"width": 1280, "height": 800})
    journey.sign_in("olivia")
    page = take_next_call(journey)
    expect(page.locator("#call-heading")).to_be_focused()
    # Focused for screen readers, with no box round it that looks like a field to type in.
    assert page.locator("#call-heading").evaluate("h => getComputedStyle(h).outlineStyle") == "none"
    expect(page.get_by_label("No answer")).to_be_in_viewport()
    # Whole, not only its top edge: a button cut by the fold is still a scroll away.
    expect(page.get_by_role("button", name="Save and take next call")).to_be_in_viewport(ratio=1)
    tabs = 0
    while not page.evaluate("document.activeElement.name === 'outcome'"):
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs <= 12
    page.keyboard.press("ArrowDown")  # the second outcome: no answer
    expect(page.get_by_label("No answer")).to_be_checked()
    while page.evaluate("document.activeElement.textContent.trim()") != "Save and take next call":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs <= 12, "more than 12 Tabs from the heading to Save"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    journey.check()
    assert Call.objects.get().outcome == "no_answer"


def test_a_call_back_shows_its_time_and_comes_back_to_its_officer(journey):
    monday = date(2026, 6, 1)
    with time_machine.travel(datetime.combine(monday, time(10), LONDON), tick=True) as clock:
        tenant = a_tenant_due_a_call(on=monday)
        OfficerFactory(username="sam", team=tenant.patch.team)
        journey.sign_in("olivia")
        page = take_next_call(journey)
        page.get_by_label("Call back requested").check()
        page.locator("#id_call_back_date_0").fill("1")
        page.locator("#id_call_back_date_1").fill("6")
        page.locator("#id_call_back_date_2").fill("2026")
        page.get_by_label("Time to call back").fill("14:30")
        page.get_by_role("button", name="Save the call and return to the queue").click()
        journey.check()
        expect(banner(page)).to_contain_text("Call back requested: call back today at 14:30")
        expect(page.locator("#mine")).to_contain_text("Call back today at 14:30")
        page.get_by_role("link", name="Home").first.click()
        journey.check()
        expect(page.locator("#next-call-back")).to_contain_text("today at 14:30")
        clock.move_to(datetime.combine(monday, time(14, 31), LONDON))
        journey.page.context.clear_cookies()  # the session ended while idle
        page = journey.sign_in("olivia")
        expect(page.locator("#call-backs-due")).to_contain_text("1 call-back due now")
        alert = page.locator("#call-backs-due-alert")
        expect(alert).to_contain_text(f"Call-back due now: {tenant.full_name} at 14:30")
        page.get_by_role("link", name="Go to the call queue").click()
        journey.check()
        expect(page.locator("#call-backs-due-alert")).to_contain_text(tenant.full_name)
        page.locator("#call-backs-due-alert").get_by_role("link", name="Take this call").click()
        journey.check()
        expect(page.get_by_role("heading", level=1)).to_contain_text(tenant.full_name)
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Call queue").click()
        journey.check()
        page = take_next_call(journey)
        expect(page.locator("#claim-status")).to_contain_text("You have this call")


def test_a_corrected_number_is_dialled_and_a_reimport_does_not_undo_it(journey, tmp_path):
    team = TeamFactory(name="North team")
    PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", first_name="Olivia", team=team)
    csv = tmp_path / "tenants.csv"
    csv.write_text(
        HEADER + "PHG-000101,Margaret,Holt,1941-03-12,01772 555 010,,12 Ribble Court,PR1 2AB,,"
        "PR-RIB\n"
    )
    from tests.factories import load_default_cohorts

    load_default_cohorts()
    call_command("import_tenants", str(csv))
    build_call_queue()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.get_by_role("button", name="Correct a phone number").click()
    journey.check()
    page.get_by_label("01772 555010 (housing management file)").check()
    page.get_by_label("Dead number").check()
    page.locator("#id_mark-reason").fill("Number unobtainable")
    page.get_by_role("button", name="Save").click()
    journey.check()
    expect(page.locator("#phone-numbers del")).to_have_text("01772 555010")
    page.get_by_role("button", name="Correct a phone number").click()
    journey.check()
    page.get_by_label("New phone number").fill("01772 555 011")
    page.locator("#id_add-reason").fill("Daughter gave her new number")
    page.get_by_role("button", name="Add the number").click()
    journey.check()
    numbers = page.locator("#phone-numbers")
    expect(numbers.get_by_role("link").first).to_have_attribute("href", "tel:+441772555011")
    expect(numbers.locator("del")).to_have_text("01772 555010")
    call_command("import_tenants", str(csv))
    page.reload()
    journey.check()
    expect(numbers.get_by_role("link").first).to_have_attribute("href", "tel:+441772555011")
    expect(numbers.get_by_role("link")).to_have_count(1)
    assert [str(n) for n in Tenant.objects.get().numbers_to_dial()] == ["+441772555011"]


def test_the_record_tells_the_story_of_three_calls(journey):
    monday = date(2026, 6, 1)
    days = [monday, monday + timedelta(days=1), monday + timedelta(days=2)]
    with time_machine.travel(datetime.combine(days[0], time(9), LONDON), tick=True) as clock:
        tenant = a_tenant_due_a_call(on=days[0])
        for number, day in enumerate(days):
            clock.move_to(datetime.combine(day, time(10), LONDON))
            journey.page.context.clear_cookies()
            journey.sign_in("olivia")
            page = take_next_call(journey)
            if number < 2:
                page.get_by_label("Voicemail left").check()
            else:
                page.get_by_label("Spoke to tenant").check()
                page.get_by_label("1. How are you doing?").fill("Better this week")
                page.get_by_label("Good").check()
            page.get_by_label("Notes").fill(f"Call {number + 1}")
            page.get_by_role("button", name="Save the call and return to the queue").click()
            journey.check()
        page.goto(journey.base_url + f"/tenants/{tenant.pk}/")
        journey.check()
        timeline = page.locator("#timeline-list")
        expect(timeline.locator("h3", has_text="Call:")).to_have_count(3)
        expect(timeline.locator("h3").first).to_have_text("Call: spoke to tenant, good")
        expect(timeline).to_contain_text("How are you doing? Better this week")
        expect(timeline).to_contain_text("Notes: Call 1")
        timeline.get_by_role("link", name="Call: spoke to tenant, good").click()
        journey.check()
        expect(page.locator("#call-answers")).to_contain_text("Better this week")


def a_tenant_with_a_long_script():
    """Margaret Holt, 80 and living alone, due in the programme (its six questions) and in a cold
    weather check (two more), with a daughter to ring: "Spoke to tenant" opens a long form."""
    tenant = a_tenant_due_a_call()
    today = timezone.localdate()
    Tenant.objects.filter(pk=tenant.pk).update(
        date_of_birth=today.replace(year=today.year - 80, day=1), lives_alone=True
    )
    FamilyContactFactory(
        tenant=tenant, name="Susan Holt", consent_to_updates=True, consent_given_on=today
    )
    campaign_create(
        by=ManagerFactory(username="maya"),
        name="Cold weather check",
        kind="cohort",
        starts_on=today,
        ends_on=today + timedelta(days=20),
        schedule="once",
        min_age=70,
        questions=[
            {"text": "Is your home warm enough?", "kind": "yes_no", "need_on_no": "utility_credit"},
            {"text": "How do you heat your home?", "kind": "choice", "choices": "Gas\nElectric"},
        ],
    )
    return tenant


def test_spoke_to_tenant_opens_its_questions_under_the_outcomes_with_save_in_view(journey):
    a_tenant_with_a_long_script()
    journey.page.set_viewport_size({"width": 1280, "height": 800})
    journey.sign_in("olivia")
    page = take_next_call(journey)
    # The page opens at its top, menu and back link in view, focus on the tenant's name.
    assert page.evaluate("window.scrollY") == 0
    expect(page.locator("#call-heading")).to_be_focused()
    expect(page.get_by_role("link", name="Call queue").first).to_be_in_viewport(ratio=1)
    outcomes = page.locator("input[name=outcome]")
    where = [outcomes.nth(i).bounding_box() for i in range(outcomes.count())]
    page.get_by_label("Spoke to tenant").check()
    expect(page.get_by_role("group", name="Cold weather check: the script")).to_be_visible()
    journey.check()
    # No outcome moves when one is chosen: its questions open under all of them.
    assert [outcomes.nth(i).bounding_box() for i in range(outcomes.count())] == where
    save = page.get_by_role("button", name="Save and take next call")
    expect(save).to_be_in_viewport(ratio=1)
    # The questions run below the screen, and Save stays in view in a bar at its foot, which
    # never hides the field being typed in.
    assert page.evaluate("document.documentElement.scrollHeight") > 1600
    bar = page.locator(".app-form-actions").first
    for label in ["1. How are you doing?", "Family contact given a wellbeing update", "Notes"]:
        page.get_by_label(label).focus()
        expect(save).to_be_in_viewport(ratio=1)
        field = page.get_by_label(label).bounding_box()
        assert field["y"] + field["height"] <= bar.bounding_box()["y"], label
    page.get_by_label("Okay").check()
    page.get_by_label("Notes").fill("Warm enough")
    page.get_by_label("Notes").press("Tab")
    expect(save).to_be_focused()  # after the last field


def test_on_a_phone_what_to_know_comes_before_the_outcomes(journey):
    a_tenant_with_a_long_script()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.set_viewport_size({"width": 375, "height": 667})
    page.reload()
    journey.check()
    assert page.evaluate("window.scrollY") == 0

    def top(selector):
        return page.locator(selector).first.bounding_box()["y"]

    outcomes = top("input[name=outcome]")
    for before in ["#communication-needs", "#flags", "#why-now", "#family-heading"]:
        assert top(before) < outcomes, before
    assert top("#last-calls-heading") > top(".app-form-actions")
    # Stacked on a phone, the two buttons would take a fifth of the screen: they do not stick.
    assert (
        page.locator(".app-form-actions").first.evaluate("e => getComputedStyle(e).position")
        == "static"
    )


def test_correcting_a_number_mid_call_keeps_what_was_typed(journey):
    """The tester's steps: Spoke to tenant, script answers and notes typed, "Correct a phone
    number", a number added; back on the call, all of it is still there, and saves."""
    tenant = a_tenant_due_a_call()
    FamilyContactFactory(tenant=tenant, phone="+447700900555")
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.get_by_label("Spoke to tenant").check()
    page.get_by_label("Okay").check()
    page.get_by_label("1. How are you doing?").fill("Tired, but managing")
    page.get_by_label("Notes").fill("Daughter now does the shopping")
    page.get_by_role("button", name="Correct a phone number").click()
    journey.check()
    page.get_by_label("New phone number").fill("07911 123456")
    page.locator("#id_add-reason").fill("Told on the call")
    page.get_by_role("button", name="Add the number").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Holt")
    expect(page.locator("#call-draft")).to_contain_text("Your notes are kept")
    expect(page.get_by_label("Spoke to tenant")).to_be_checked()
    expect(page.get_by_label("Okay")).to_be_checked()
    expect(page.get_by_label("1. How are you doing?")).to_have_value("Tired, but managing")
    expect(page.get_by_label("Notes")).to_have_value("Daughter now does the shopping")
    page.get_by_role("button", name="Save the call and return to the queue").click()
    journey.check()
    call = Call.objects.get(tenant=tenant)
    assert (call.outcome, call.wellbeing, call.notes) == (
        "spoke",
        "okay",
        "Daughter now does the shopping",
    )
    assert call.answers[0] == "Tired, but managing"


def test_tab_from_the_name_reaches_the_outcomes_before_the_side_column(journey):
    tenant = a_tenant_due_a_call()
    FamilyContactFactory(tenant=tenant, phone="+447700900555")
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    side = page.locator("#call-side").bounding_box()
    main = page.locator("#call-heading").bounding_box()
    # Side by side, as before: the side column on the right, from the top of the page.
    assert side["x"] > main["x"] + main["width"] and side["y"] <= main["y"] + main["height"]
    page.locator("#call-heading").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "outcome":
            break
        assert not page.evaluate("document.activeElement.closest('#call-side')")
    assert page.evaluate("document.activeElement.name") == "outcome"
