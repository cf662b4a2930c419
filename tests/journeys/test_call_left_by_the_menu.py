"""Leaving a call by the menu mid-call loses nothing: the call page keeps what was typed as its
own buttons do (static/js/call-page.js), and the call comes back as the officer left it."""

from playwright.sync_api import expect

from tests.journeys.test_calls import a_tenant_due_a_call, take_next_call
from welfare.call_models import Call


def test_typed_notes_survive_leaving_by_the_menu_and_coming_back(journey):
    tenant = a_tenant_due_a_call()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.get_by_label("Spoke to tenant").check()
    page.get_by_label("Okay").check()
    page.get_by_label("Notes").fill("Son visits on Sundays now")
    # The officer leaves by the menu, not by a button of the call form.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Call queue").click()
    journey.check()
    page.get_by_role("button", name="Take next call").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Holt")
    expect(page.locator("#call-draft")).to_contain_text("Your notes are kept")
    expect(page.get_by_label("Spoke to tenant")).to_be_checked()
    expect(page.get_by_label("Notes")).to_have_value("Son visits on Sundays now")
    page.get_by_role("button", name="Save the call and return to the queue").click()
    journey.check()
    call = Call.objects.get(tenant=tenant)
    assert (call.outcome, call.notes) == ("spoke", "Son visits on Sundays now")


def test_a_refused_save_left_by_the_menu_untouched_is_kept(journey):
    a_tenant_due_a_call()
    journey.sign_in("olivia")
    page = take_next_call(journey)
    page.get_by_label("Spoke to tenant").check()
    page.get_by_label("Notes").fill("Needs a food parcel this week")
    page.get_by_role("button", name="Save the call and return to the queue").click()
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # how the tenant is: not chosen
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Call queue").click()
    journey.check()
    page.get_by_role("button", name="Take next call").click()
    journey.check()
    expect(page.get_by_label("Notes")).to_have_value("Needs a food parcel this week")
