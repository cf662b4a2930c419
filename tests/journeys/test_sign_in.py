import re

from django_otp.oath import totp
from playwright.sync_api import expect

from tests.factories import ManagerFactory, OfficerFactory, TeamFactory


def test_officer_signs_in_sees_home_and_signs_out(journey):
    OfficerFactory(username="olivia", first_name="Olivia", team=TeamFactory(name="North team"))
    page = journey.sign_in("olivia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Olivia")
    expect(page.locator("#signed-in-as")).to_contain_text("Officer, North team")
    page.get_by_role("button", name="Sign out").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_five_wrong_passwords_lock_the_account(journey):
    OfficerFactory(username="olivia")
    page = journey.goto("/accounts/sign-in/")
    for attempt in range(5):
        page.get_by_label("Username or email address").fill("olivia")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Sign in").click()
        journey.check()
        if attempt < 4:
            expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct")
    expect(page.get_by_role("alert")).to_contain_text("Try again in 15 minutes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked for 15 minutes")


def test_manager_is_asked_to_set_up_and_then_enter_a_code(journey):
    manager = ManagerFactory(username="maya", first_name="Maya")
    page = journey.sign_in("maya")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    device = manager.totpdevice_set.get()
    code = f"{totp(device.bin_key):06d}"
    page.get_by_label("Security code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    journey.check()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Maya")

    page.get_by_role("button", name="Sign out").click()
    journey.check()
    journey.sign_in("maya")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    assert re.search(r"/accounts/two-factor/", page.url)
