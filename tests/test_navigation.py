"""The service navigation links only to pages the person can open: none before two-factor."""

import pytest
from django_otp.oath import totp

from tests.factories import PASSWORD, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

STAFF_LINKS = ('href="/dashboard/"', 'href="/queue/"', 'href="/tenants/"')


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_only(client, user):
    response = client.post("/accounts/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def menu_links(page):
    """The service navigation's menu (the list after `id="navigation"`)."""
    _, found, rest = page.partition('id="navigation"')
    return rest.split("</ul>", 1)[0] if found else ""


class TestBeforeTwoFactor:
    def test_code_page_shows_no_service_links_only_sign_out(self, client, manager):
        TOTPDeviceFactory(user=manager)
        page = password_only(client, manager).get("/accounts/two-factor/").content.decode()
        assert "Enter your security code" in page
        for link in STAFF_LINKS:
            assert link not in page
        assert "Your account" not in page
        assert 'id="sign-out"' in page
        # The header does not say they are signed in as a manager yet.
        assert 'id="signed-in-as"' not in page

    def test_setup_page_shows_no_service_links(self, client, manager):
        page = password_only(client, manager).get("/accounts/two-factor/setup/").content.decode()
        assert "Set up two-factor authentication" in page
        for link in STAFF_LINKS:
            assert link not in page
        assert "Your account" not in page
        assert 'id="signed-in-as"' not in page
        assert 'id="sign-out"' in page

    def test_after_the_code_the_menu_is_there(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        password_only(client, manager)
        response = client.post("/accounts/two-factor/?next=/", {"token": code_for(device)})
        assert response.status_code == 302
        page = client.get("/").content.decode()
        menu = menu_links(page)
        assert 'href="/dashboard/"' in menu and 'href="/queue/"' in menu
        assert "Your account" in menu
        assert 'id="signed-in-as"' in page

    def test_officer_without_two_factor_sees_their_menu(self, client, officer):
        page = password_only(client, officer).get("/").content.decode()
        menu = menu_links(page)
        assert 'href="/queue/"' in menu and 'href="/tenants/"' in menu
        assert 'href="/dashboard/"' not in menu
        assert 'id="signed-in-as"' in page

    def test_officer_who_opted_in_sees_no_menu_until_the_code(self, client, officer):
        device = TOTPDeviceFactory(user=officer)
        page = password_only(client, officer).get("/accounts/two-factor/").content.decode()
        assert 'href="/queue/"' not in page
        client.post("/accounts/two-factor/?next=/", {"token": code_for(device)})
        assert 'href="/queue/"' in menu_links(client.get("/").content.decode())


class TestImportsInTheMenu:
    def test_managers_and_income_officers_find_their_imports_in_the_menu(self, manager_client):
        menu = menu_links(manager_client.get("/").content.decode())
        assert 'href="/imports/"' in menu

    def test_income_officers_too(self, income_client):
        menu = menu_links(income_client.get("/imports/").content.decode())
        assert 'href="/imports/"' in menu
        assert "govuk-service-navigation__item--active" in menu.split('href="/imports/"')[0][-300:]

    def test_officers_who_import_nothing_do_not(self, officer_client):
        assert 'href="/imports/"' not in menu_links(officer_client.get("/").content.decode())
