"""The messages pages: who may open them, what they show, and forms that keep what was typed."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from conftest import sign_in
from messaging import actions
from messaging.models import BulkMessage, ContactPreference, Kind, MessageKind, Status
from tenants.selectors import tenant_access_log
from tests.factories import ManagerFactory, SchemeFactory, TenantFactory

pytestmark = pytest.mark.django_db

MANAGER_PAGES = ["messaging:index", "messaging:kinds", "messaging:bulk_list", "messaging:bulk_new"]


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_officers_and_income_officers_may_not_open_the_managers_pages(
    client, officer, income_officer, name
):
    for user in (officer, income_officer):
        assert sign_in(client, user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_managers_open_the_messages_pages(manager_client, name):
    assert manager_client.get(reverse(name)).status_code == 200


def test_the_outbox_shows_each_message_as_it_would_have_gone(
    manager_client, manager, committed, settings
):
    settings.NOTIFY_API_KEY = ""
    tenant = TenantFactory(first_name="Seán", last_name="O'Neill", mobile="+447700900001")
    with committed():
        actions.message_send_to_tenant(
            tenant=tenant, kind=Kind.NO_ANSWER, personalisation={"number": "01772 123456"}
        )
    response = manager_client.get(reverse("messaging:index"))
    page = response.content.decode()
    assert "nothing leaves this machine" in page
    assert escape("Seán O'Neill") in page
    assert "+447700900001" in page
    assert "Our phone number:</dt>" in page and "01772 123456</dd>" in page
    assert "In the outbox (not sent)" in page
    assert tenant_access_log(tenant.pk).filter(user=manager).exists()


def test_the_message_list_takes_the_same_queries_whatever_its_length(
    manager_client, django_assert_num_queries
):
    def load():
        # session, user, two-factor device; count; the page of messages with their tenants
        # and bulk messages; one access-log insert for all the tenants shown; the session
        # saved (savepoint, update, release)
        with django_assert_num_queries(9):
            assert manager_client.get(reverse("messaging:index")).status_code == 200

    for _ in range(2):
        actions.message_send_to_tenant(tenant=TenantFactory(mobile=""), kind=Kind.NO_ANSWER)
    load()
    for _ in range(8):
        actions.message_send_to_tenant(tenant=TenantFactory(mobile=""), kind=Kind.NO_ANSWER)
    load()


def test_a_manager_switches_a_kind_off_and_the_history_says_who(manager_client, manager):
    url = reverse("messaging:kind_change", args=["no_answer"])
    response = manager_client.post(
        url, {"sms_template_id": "11111111-2222-4333-8444-555555555555", "email_template_id": ""}
    )
    assert response.status_code == 302
    setting = MessageKind.objects.get(kind=Kind.NO_ANSWER)
    assert setting.enabled is False
    assert setting.sms_template_id == "11111111-2222-4333-8444-555555555555"
    page = manager_client.get(url).content.decode()
    assert escape(str(manager)) in page


def test_a_template_id_that_is_not_one_is_refused_and_kept(manager_client):
    url = reverse("messaging:kind_change", args=["no_answer"])
    response = manager_client.post(url, {"enabled": "on", "sms_template_id": "my template"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the template ID from Notify" in page
    assert 'value="my template"' in page
    assert MessageKind.objects.get(kind=Kind.NO_ANSWER).sms_template_id == ""


def test_a_manager_writes_a_bulk_message_and_sees_the_preview(manager_client):
    scheme = SchemeFactory(name="Ribble Court")
    TenantFactory(scheme=scheme, mobile="+447700900001")
    TenantFactory(scheme=scheme, mobile="")
    response = manager_client.post(
        reverse("messaging:bulk_new"),
        {
            "title": "Heatwave",
            "body": "Drink water.",
            "channel": "sms",
            "audience": "scheme",
            "scheme": scheme.pk,
            "rate_per_minute": "3000",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "1 recipient" in page
    assert "No mobile number" in page
    assert "Send to 1 recipient" in page


def test_a_bulk_message_with_no_scheme_chosen_is_refused_and_kept(manager_client):
    response = manager_client.post(
        reverse("messaging:bulk_new"),
        {"title": "Heatwave", "body": "Drink water.", "channel": "sms", "audience": "scheme"},
    )
    page = response.content.decode()
    assert "Choose the scheme" in page
    assert "Drink water." in page


def test_the_creator_is_not_offered_approval_but_a_second_manager_is(
    client, manager, settings, notify, committed
):
    settings.MESSAGES_BULK_APPROVAL_THRESHOLD = 0
    scheme = SchemeFactory(name="Ribble Court")
    TenantFactory(scheme=scheme, mobile="+447700900001")
    sign_in(client, manager)
    client.post(
        reverse("messaging:bulk_new"),
        {
            "title": "Heatwave",
            "body": "Drink water.",
            "channel": "sms",
            "audience": "scheme",
            "scheme": scheme.pk,
            "rate_per_minute": "3000",
        },
    )
    made = BulkMessage.objects.get()
    client.post(reverse("messaging:bulk_action", args=[made.pk, "send"]))
    page = client.get(reverse("messaging:bulk", args=[made.pk])).content.decode()
    assert "Waiting for a manager other than" in page
    assert "Approve and send" not in page
    # Posting the approval anyway is refused.
    client.post(reverse("messaging:bulk_action", args=[made.pk, "approve"]))
    made.refresh_from_db()
    assert made.state == BulkMessage.State.AWAITING_APPROVAL

    sign_in(client, ManagerFactory(username="sara"))
    assert (
        "Approve and send" in client.get(reverse("messaging:bulk", args=[made.pk])).content.decode()
    )
    with committed():
        client.post(reverse("messaging:bulk_action", args=[made.pk, "approve"]))
    made.refresh_from_db()
    assert made.state == BulkMessage.State.QUEUED
    assert len(notify.sends()) == 1


# Contact preferences: on any tenant the user may see.


def radios(page, name):
    """The values of the radios called `name` on the page, with whether each is checked."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        if f'name="{name}"' in tag and 'type="radio"' in tag:
            value = re.search(r'value="([^"]*)"', tag).group(1)
            found[value] = bool(re.search(r"\schecked\b", tag))
    return found


def test_an_officer_records_a_tenants_contact_preference(officer_client, officer, patch):
    tenant = TenantFactory(patch=patch, email="tenant@example.org")
    url = reverse("messaging:tenant_preferences", args=[tenant.pk])
    response = officer_client.post(
        url, {"no_sms": "on", "preferred_channel": "email", "source": "tenant_phone"}
    )
    assert response.status_code == 302
    preference = ContactPreference.objects.get(tenant=tenant)
    assert (preference.no_sms, preference.preferred_channel) == (True, "email")
    assert preference.history.get().history_user == officer
    assert tenant_access_log(tenant.pk).filter(user=officer).exists()


def test_a_preference_that_contradicts_itself_is_refused_and_kept(officer_client, patch):
    tenant = TenantFactory(patch=patch, mobile="+447700900124")
    url = reverse("messaging:tenant_preferences", args=[tenant.pk])
    response = officer_client.post(
        url,
        {"no_sms": "on", "preferred_channel": "sms", "source": "tenant_phone", "note": "Asked"},
    )
    page = response.content.decode()
    assert "cannot prefer texts and not want them" in page
    assert 'value="Asked"' in page
    assert not ContactPreference.objects.exists()


def test_only_the_channels_that_reach_the_tenant_are_offered(officer_client, patch):
    """A tenant with a landline and no email: "Prefers" offers no text and no email, and says
    why; "Who told us" has no blank "---------" radio, and is still required."""
    tenant = TenantFactory(patch=patch, phone="+441632960001", mobile="", email="")
    url = reverse("messaging:tenant_preferences", args=[tenant.pk])
    page = officer_client.get(url).content.decode()
    assert list(radios(page, "preferred_channel")) == [""]
    assert "Text message cannot be chosen: no mobile number recorded." in page
    assert "Email cannot be chosen: no email address recorded." in page
    assert "---------" not in page
    assert list(radios(page, "source")) == [value for value, _ in ContactPreference.Source.choices]

    refused = officer_client.post(url, {"preferred_channel": "email", "note": "Asked"})
    text = refused.content.decode()
    assert "Select who told us" in text
    assert "Select a valid choice" in text
    assert not ContactPreference.objects.exists()


def test_a_mobile_and_an_email_are_both_offered(officer_client, patch):
    tenant = TenantFactory(patch=patch, mobile="+447700900123", email="t@example.org")
    url = reverse("messaging:tenant_preferences", args=[tenant.pk])
    page = officer_client.get(url).content.decode()
    assert list(radios(page, "preferred_channel")) == ["", "sms", "email"]
    assert "cannot be chosen" not in page


def test_a_saved_preference_for_a_channel_gone_is_kept(officer_client, patch):
    """The email address left the record after the tenant said they prefer email: the saved
    choice is still there to keep (saving the page again loses nothing)."""
    tenant = TenantFactory(patch=patch, email="")
    ContactPreference.objects.create(
        tenant=tenant, preferred_channel="email", source="tenant_phone"
    )
    url = reverse("messaging:tenant_preferences", args=[tenant.pk])
    page = officer_client.get(url).content.decode()
    assert radios(page, "preferred_channel") == {"": False, "email": True}
    response = officer_client.post(url, {"preferred_channel": "email", "source": "tenant_phone"})
    assert response.status_code == 302


def test_another_teams_tenant_is_not_found(client, other_officer, patch):
    tenant = TenantFactory(patch=patch)
    sign_in(client, other_officer)
    url = reverse("messaging:tenant_preferences", args=[tenant.pk])
    assert client.get(url).status_code == 404


def test_the_page_tells_of_failing_numbers(officer_client, patch, notify, committed, client):
    tenant = TenantFactory(patch=patch, mobile="+447700900002")
    with committed():
        message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    notify.settle()
    message.refresh_from_db()
    actions.message_status_update(notify_id=message.notify_id, status="permanent-failure")
    page = officer_client.get(reverse("messaging:tenant_preferences", args=[tenant.pk]))
    text = page.content.decode()
    assert "+447700900002 could not be reached" in text
    assert Status.PERMANENT_FAILURE.label in text
