"""The preview's "Change the message": back to the form as it was filled in, saved over the
same draft, so nothing typed is lost and no second draft is left in the list."""

import re

import pytest
from django.urls import reverse

from messaging import bulk as bulk_actions
from messaging.models import BulkMessage
from tests.factories import PatchFactory, SchemeFactory, TenantFactory, load_default_cohorts

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(db):
    return SchemeFactory(name="Ribble Court")


def draft(user, scheme, body="Drink water.\nStay in the shade."):
    return bulk_actions.bulk_message_create(
        user=user,
        title="Heatwave",
        body=body,
        channel="email",
        scheme=scheme,
        rate_per_minute=1200,
    )


def checked(page, name):
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(rf'<input\b[^>]*name="{name}"[^>]*>', page)
        if re.search(r"\schecked\b", tag)
    ]


def selected(page, name):
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_the_preview_offers_to_change_the_message(manager_client, manager, scheme):
    TenantFactory(scheme=scheme, email="ruth@example.org")
    item = draft(manager, scheme)
    page = manager_client.get(reverse("messaging:bulk", args=[item.pk])).content.decode()
    change = reverse("messaging:bulk_change", args=[item.pk])
    assert re.search(rf'<a id="change-message" class="[^"]*" [^>]*href="{change}">Change', page)


def test_changing_shows_the_form_as_it_was_filled_in(manager_client, manager, scheme):
    item = draft(manager, scheme)
    page = manager_client.get(reverse("messaging:bulk_change", args=[item.pk])).content.decode()
    assert "Change the message" in page
    assert 'value="Heatwave"' in page
    assert ">\nDrink water.\nStay in the shade.</textarea>" in page
    assert checked(page, "channel") == ["email"]
    assert checked(page, "audience") == ["scheme"]
    assert selected(page, "scheme") == [str(scheme.pk)]
    assert 'name="rate_per_minute" value="1200"' in page


def test_a_cohort_message_is_changed_with_its_cohort_chosen(manager_client, manager):
    load_default_cohorts()
    item = bulk_actions.bulk_message_create(
        user=manager,
        title="Easy read",
        body="Guidance.",
        channel="sms",
        audience=("cohort", "lifeline"),
        rate_per_minute=3000,
    )
    page = manager_client.get(reverse("messaging:bulk_change", args=[item.pk])).content.decode()
    assert checked(page, "audience") == ["cohort"]
    assert selected(page, "cohort") == ["lifeline"]


def test_a_changed_message_replaces_the_draft_and_leaves_no_second_one(
    manager_client, manager, scheme
):
    patch = PatchFactory(name="North")
    TenantFactory(patch=patch, mobile="+447700900001")
    item = draft(manager, scheme)
    response = manager_client.post(
        reverse("messaging:bulk_change", args=[item.pk]),
        {
            "title": "Heatwave",
            "body": "Drink water.",
            "channel": "sms",
            "audience": "patch",
            "patch": patch.pk,
            "rate_per_minute": "3000",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:bulk", args=[item.pk])
    item.refresh_from_db()
    assert BulkMessage.objects.get() == item
    assert (item.channel, item.patch, item.scheme, item.body) == (
        "sms",
        patch,
        None,
        "Drink water.",
    )
    assert item.state == BulkMessage.State.DRAFT
    listed = manager_client.get(reverse("messaging:bulk_list")).content.decode()
    assert listed.count("Heatwave") == 1
    preview = manager_client.get(response["Location"]).content.decode()
    assert "Send to 1 recipient<" in preview


def test_a_refused_change_keeps_what_was_typed_and_the_draft(manager_client, manager, scheme):
    item = draft(manager, scheme)
    response = manager_client.post(
        reverse("messaging:bulk_change", args=[item.pk]),
        {"title": "Heatwave", "body": "Typed again.", "channel": "sms", "audience": "patch"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose the patch" in page and "Typed again." in page
    item.refresh_from_db()
    assert item.body == "Drink water.\nStay in the shade."


def test_with_nobody_to_receive_it_the_preview_says_so_and_leads_to_change(
    manager_client, manager, scheme
):
    TenantFactory(scheme=scheme, email="")
    item = draft(manager, scheme)
    page = manager_client.get(reverse("messaging:bulk", args=[item.pk])).content.decode()
    assert "No tenants would receive this email, so it cannot be sent." in page
    assert "Send to" not in page and "Ask for approval" not in page
    # The main (green) button is "Change the message", not a secondary one.
    assert '<a id="change-message" class="govuk-button" ' in page


def test_a_message_waiting_for_approval_cannot_be_changed(
    manager_client, manager, scheme, settings
):
    settings.MESSAGES_BULK_APPROVAL_THRESHOLD = 0
    TenantFactory(scheme=scheme, email="ruth@example.org")
    item = draft(manager, scheme)
    bulk_actions.bulk_message_send(bulk=item, user=manager)
    url = reverse("messaging:bulk_change", args=[item.pk])
    page = manager_client.get(reverse("messaging:bulk", args=[item.pk])).content.decode()
    assert url not in page
    response = manager_client.post(
        url,
        {
            "title": "Changed",
            "body": "Changed.",
            "channel": "sms",
            "audience": "scheme",
            "scheme": scheme.pk,
            "rate_per_minute": "3000",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.state) == ("Heatwave", BulkMessage.State.AWAITING_APPROVAL)


def test_officers_may_not_change_a_bulk_message(officer_client, manager, scheme):
    item = draft(manager, scheme)
    response = officer_client.get(reverse("messaging:bulk_change", args=[item.pk]))
    assert response.status_code == 403
