"""The tenant's email address, added, changed or removed on the record's email page, so that
Notify's emails reach a tenant the phone does not; a re-import of the file does not undo it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.html import escape

from conftest import sign_in
from tenants.models import AccessLog, Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def tenant(patch):
    return TenantFactory(
        first_name="Margaret", last_name="Holt", phone="+441772555010", mobile="", patch=patch
    )


def url(tenant):
    return f"/tenants/{tenant.pk}/email/"


def save(client, tenant, email, shown="", reason="She gave it on a call", **extra):
    return client.post(
        url(tenant), {"email": email, "shown": shown, "reason": reason, **extra}, follow=True
    )


def said(response):
    return [str(message) for message in response.context["messages"]]


def test_an_officer_adds_an_email_and_the_record_offers_it_for_messages(
    officer_client, officer, tenant
):
    response = save(officer_client, tenant, "margaret.holt@example.org")
    assert response.redirect_chain == [(f"/tenants/{tenant.pk}/", 302)]
    tenant.refresh_from_db()
    assert tenant.email == "margaret.holt@example.org"
    page = response.content.decode()
    assert "By email to margaret.holt@example.org" in page  # her landline takes no text
    assert "Email address added" in page  # the record's history, with who and why
    assert f"by {officer}. Reason: She gave it on a call" in page


def test_a_manager_of_another_team_may_change_it(manager_client, tenant):
    tenant.email = "old@example.org"
    tenant.save()
    response = save(manager_client, tenant, "new@example.org", shown="old@example.org")
    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.email == "new@example.org"
    assert "Email address changed" in response.content.decode()


def test_an_income_officer_of_the_team_may_add_it_as_on_the_numbers_page(income_client, tenant):
    assert save(income_client, tenant, "m@example.org").status_code == 200
    tenant.refresh_from_db()
    assert tenant.email == "m@example.org"


def test_another_teams_officer_gets_404_and_nothing_changes(client, other_officer, tenant):
    sign_in(client, other_officer)
    assert client.get(url(tenant)).status_code == 404
    assert save(client, tenant, "x@example.org").status_code == 404
    tenant.refresh_from_db()
    assert tenant.email == ""


def test_opening_the_page_is_logged_as_a_read_of_the_tenant(officer_client, officer, tenant):
    response = officer_client.get(url(tenant))
    assert response.status_code == 200
    assert AccessLog.objects.filter(
        user=officer, tenant_id=tenant.pk, kind=AccessLog.Kind.VIEW, page=url(tenant)
    ).exists()


def test_removing_it_is_recorded_with_the_reason(officer_client, tenant):
    tenant.email = "old@example.org"
    tenant.save()
    response = save(
        officer_client, tenant, "", shown="old@example.org", reason="Tenant closed the account"
    )
    tenant.refresh_from_db()
    assert tenant.email == ""
    assert "Email address removed." in said(response)
    page = response.content.decode()
    assert "Email address removed" in page
    assert "Reason: Tenant closed the account" in page


@pytest.mark.parametrize(
    ("email", "reason", "error"),
    [
        ("margaret.holt", "Given on a call", "Enter an email address in the correct format"),
        ("", "Given on a call", "Enter the email address"),
        ("m@example.org", "", "Enter the reason"),
        # The history keeps a reason of at most 100 characters (simple-history's column).
        ("m@example.org", "x" * 101, "The reason must be 100 characters or fewer"),
    ],
)
def test_a_refused_form_is_shown_again_with_what_was_typed(
    officer_client, tenant, email, reason, error
):
    response = save(officer_client, tenant, email, reason=reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert error in page
    assert f'value="{email}"' in page or not email
    tenant.refresh_from_db()
    assert tenant.email == ""


def test_a_change_made_since_the_page_was_opened_is_told_not_overwritten(
    officer_client, manager, tenant
):
    from tenants.actions import tenant_email_set

    tenant_email_set(
        tenant=tenant, email="son@example.org", shown="", reason="From her son", by=manager
    )
    # The officer's page was opened before: it showed no address.
    response = save(officer_client, tenant, "margaret@example.org", shown="")
    assert response.status_code == 400
    page = response.content.decode()
    assert escape("The email address was changed to son@example.org by") in page
    assert "nothing was changed" in page
    assert 'value="margaret@example.org"' in page  # what was typed is kept
    assert 'name="shown" value="son@example.org"' in page  # saving again is a fresh choice
    tenant.refresh_from_db()
    assert tenant.email == "son@example.org"
    again = save(officer_client, tenant, "margaret@example.org", shown="son@example.org")
    assert again.status_code == 200
    tenant.refresh_from_db()
    assert tenant.email == "margaret@example.org"


@pytest.mark.own_clock  # a day in British Summer Time, whatever clock the run is at
def test_the_change_made_meanwhile_is_timed_in_uk_time(client, officer, manager, tenant):
    from tenants.actions import tenant_email_set

    with time_machine.travel(datetime(2027, 7, 1, 10, 30, tzinfo=LONDON), tick=False):
        sign_in(client, officer)  # on that day: a session idle since today has ended
        tenant_email_set(tenant=tenant, email="son@example.org", shown="", reason="x", by=manager)
        response = save(client, tenant, "margaret@example.org", shown="")
    assert "at 10:30 on 1 July 2027" in response.content.decode()  # BST, not UTC's 09:30


def test_the_same_change_sent_twice_is_saved_once(officer_client, tenant):
    first = save(officer_client, tenant, "m@example.org")
    second = save(officer_client, tenant, "m@example.org")  # Back and send again: shown is ""
    assert second.status_code == 200
    assert "m@example.org was already held: nothing was changed." in said(second)
    assert "Email address saved: m@example.org." in said(first)
    assert Tenant.history.filter(id=tenant.pk, email="m@example.org").count() == 1


def test_the_same_form_key_twice_is_saved_once(officer_client, tenant):
    key = "6f1c6a4e-7f0a-4a43-9d55-3c3d0d5b8e21"
    save(officer_client, tenant, "m@example.org", form_key=key)
    second = save(officer_client, tenant, "m@example.org", form_key=key)
    assert second.status_code == 200
    assert Tenant.history.filter(id=tenant.pk, email="m@example.org").count() == 1


def test_a_tenant_with_no_number_to_dial_is_offered_adding_an_email(officer_client, patch):
    tenant = TenantFactory(phone="", mobile="", no_phone=True, email="", patch=patch)
    page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
    assert f'href="/tenants/{tenant.pk}/email/">Add an email address</a> if' in page
    tenant.email = "m@example.org"
    tenant.save()
    page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
    assert 'id="no-number-email"' not in page
    assert "By email to m@example.org" in page


def test_the_numbers_page_links_to_the_email_page(officer_client, tenant):
    page = officer_client.get(f"/tenants/{tenant.pk}/numbers/").content.decode()
    assert f'href="/tenants/{tenant.pk}/email/">Add an email address</a>' in page
