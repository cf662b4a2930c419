"""The service navigation links only to pages the person can open: none before two-factor."""

import re

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
        assert 'id="your-account"' in page  # in the header's top bar, beside the name
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
    def test_managers_find_their_imports_under_more(self, manager_client):
        more = manager_client.get("/more/").content.decode()
        assert 'href="/imports/"' in more.split('id="more-sections"')[1]

    def test_income_officers_too(self, income_client):
        menu = menu_links(income_client.get("/imports/").content.decode())
        assert 'href="/imports/"' in menu
        assert "govuk-service-navigation__item--active" in menu.split('href="/imports/"')[0][-300:]

    def test_more_promises_only_what_imports_offers(self, manager_client):
        more = manager_client.get("/more/").content.decode().split('id="more-sections"')[1]
        assert "Tenant files and rent balances, and the files you have imported" in more
        assert "campaign lists" not in more

    def test_imports_says_where_a_campaigns_list_is_imported(self, manager_client):
        page = manager_client.get("/imports/").content.decode()
        said = page.split('id="imported-elsewhere-campaign-list">')[1].split("</p>")[0]
        assert "A campaign&#x27;s list is imported from the campaign&#x27;s own page" in said
        assert 'href="/campaigns/">Campaigns</a>' in said

    def test_income_officers_are_not_sent_to_campaigns_they_cannot_open(self, income_client):
        assert "imported-elsewhere" not in income_client.get("/imports/").content.decode()

    def test_officers_who_import_nothing_do_not(self, officer_client):
        assert 'href="/imports/"' not in menu_links(officer_client.get("/").content.decode())


def menu_labels(page):
    return [
        label.strip()
        for label in re.findall(
            r">\s*(?:<strong[^>]*>)?([^<]+?)\s*(?:</strong>)?\s*</a>", menu_links(page)
        )
    ]


def current_label(page):
    found = re.search(r'aria-current="page">\s*<strong[^>]*>([^<]+)</strong>', menu_links(page))
    return found.group(1) if found else None


class TestManagersMenuFitsOneLine:
    """A manager's menu wrapped onto two lines at 1280 px: the sections they open now and then
    are one entry, "More", and their account and "Sign out" are in the header's top bar."""

    def test_a_managers_menu_holds_the_daily_sections_and_more(self, manager_client):
        page = manager_client.get("/").content.decode()
        assert menu_labels(page) == [
            "Home",
            "Dashboard",
            "Call queue",
            "Tenants",
            "Here to Help",
            "Escalations",
            "Campaigns",
            "More",
        ]
        assert 'id="your-account"' in page and 'id="sign-out"' in page

    def test_every_section_under_more_is_one_click_from_it(self, manager_client):
        more = manager_client.get("/more/").content.decode()
        listed = re.findall(r'<a class="govuk-link[^"]*" href="([^"]+)">([^<]+)</a>', more)
        assert listed == [
            ("/arrears/", "Arrears"),
            ("/providers/", "Providers"),
            ("/services/", "Service status"),
            ("/messages/", "Messages"),
            ("/imports/", "Imports"),
        ]
        for url, _label in listed:
            assert manager_client.get(url).status_code == 200, url

    @pytest.mark.parametrize(
        "url", ["/more/", "/services/", "/providers/", "/messages/", "/imports/", "/arrears/"]
    )
    def test_more_is_marked_current_on_its_sections_pages(self, manager_client, url):
        assert current_label(manager_client.get(url).content.decode()) == "More"

    def test_escalations_are_still_their_own_entry(self, manager_client):
        page = manager_client.get("/queue/escalations/").content.decode()
        assert current_label(page) == "Escalations"

    def test_officers_and_income_officers_keep_their_sections_in_the_menu(
        self, client, officer, income_officer
    ):
        client.force_login(officer)
        page = client.get("/").content.decode()
        assert menu_labels(page) == ["Home", "Call queue", "Tenants", "Here to Help", "Providers"]
        client.force_login(income_officer)
        page = client.get("/").content.decode()
        assert menu_labels(page) == ["Home", "Tenants", "Here to Help", "Arrears", "Imports"]

    def test_more_is_for_managers(self, officer_client):
        assert officer_client.get("/more/").status_code == 403
