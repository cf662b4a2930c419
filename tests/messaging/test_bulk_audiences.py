"""Bulk messages to a cohort and to a campaign's list (the saved list of tenants a campaign
calls), with the scheme and patch behaviour: preview, who is left out and why, approval above
the threshold, set-based queueing, and the number as corrected in the app."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import bulk as bulk_actions
from messaging.models import BulkMessage, ContactPreference, Message
from tenants.models import PhoneNumber
from tests.factories import ManagerFactory, TenantFactory, load_default_cohorts
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign, CampaignMember

pytestmark = pytest.mark.django_db
DELIVERED = "+447700900001"


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def author(db):
    return ManagerFactory(username="bulk-author")


@pytest.fixture
def shielded(manager):
    return campaign_create(
        by=manager,
        name="Shielded patients",
        kind=Campaign.Kind.LIST,
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 12, 18),
        schedule=Campaign.Schedule.ONCE,
        questions=[{"text": "Do you have your medicines?", "kind": "yes_no"}],
    )


def draft(author, audience):
    return bulk_actions.bulk_message_create(
        user=author,
        title="Easy-read guidance",
        body="Here is the guidance in easy read.",
        channel="sms",
        audience=audience,
        rate_per_minute=600_000,
    )


def lifeline_cohort():
    """Two Lifeline customers who can be texted, one of each reason to be left out, and a
    tenant in no cohort of theirs."""
    today = timezone.localdate()
    TenantFactory(lifeline=True, last_name="Able", mobile=DELIVERED)
    TenantFactory(lifeline=True, last_name="Baker", mobile=DELIVERED)
    TenantFactory(lifeline=True, last_name="Dean", mobile="", phone="+441134960001")
    opted_out = TenantFactory(lifeline=True, last_name="Ellis", mobile=DELIVERED)
    ContactPreference.objects.create(tenant=opted_out, no_sms=True, source="tenant_phone")
    TenantFactory(lifeline=True, last_name="Ford", mobile=DELIVERED, deceased_on=today)
    TenantFactory(
        lifeline=True, last_name="Gray", mobile=DELIVERED, tenancy_end_date=today - timedelta(1)
    )
    TenantFactory(lifeline=False, mobile=DELIVERED)


def test_a_cohort_preview_counts_and_says_who_is_left_out(author):
    lifeline_cohort()
    made = draft(author, ("cohort", "lifeline"))
    assert made.audience_label == "cohort Lifeline customer"
    preview = bulk_actions.bulk_preview(made)
    assert preview["recipients"] == 2
    assert preview["left_out"] == [
        ("Died or reported deceased", 1),
        ("Tenancy ended", 1),
        ("Opted out", 1),
        ("No mobile number", 1),
    ]


def test_a_cohort_message_is_sent_to_its_members_once(author, notify, committed):
    lifeline_cohort()
    with committed():
        queued = bulk_actions.bulk_message_send(
            bulk=draft(author, ("cohort", "lifeline")), user=author
        )
    assert queued.recipient_count == 2
    assert len(notify.sends()) == 2
    assert Message.objects.filter(bulk=queued).count() == 2


def test_everyone_else_is_who_is_in_no_other_cohort(author):
    TenantFactory(lifeline=True, mobile=DELIVERED)
    TenantFactory(mobile=DELIVERED, date_of_birth=date(1990, 1, 1))
    made = draft(author, ("cohort", "everyone_else"))
    assert bulk_actions.bulk_preview(made)["recipients"] == 1


def test_a_campaigns_list_is_a_saved_list(author, shielded, notify, committed):
    on_list = [TenantFactory(mobile=DELIVERED) for _ in range(2)]
    for tenant in on_list:
        CampaignMember.objects.create(campaign=shielded, tenant=tenant)
    TenantFactory(mobile=DELIVERED)  # not on the list
    made = draft(author, ("campaign", str(shielded.pk)))
    assert made.audience_label == "the list of campaign Shielded patients"
    assert bulk_actions.bulk_preview(made)["recipients"] == 2
    with committed():
        bulk_actions.bulk_message_send(bulk=made, user=author)
    assert set(Message.objects.values_list("tenant_id", flat=True)) == {t.pk for t in on_list}


def test_above_the_threshold_a_second_manager_approves_a_cohort_message(
    author, notify, committed, settings
):
    settings.MESSAGES_BULK_APPROVAL_THRESHOLD = 1
    lifeline_cohort()
    made = draft(author, ("cohort", "lifeline"))
    assert bulk_actions.bulk_message_send(bulk=made, user=author).state == (
        BulkMessage.State.AWAITING_APPROVAL
    )
    assert not Message.objects.exists()
    with committed():
        approved = bulk_actions.bulk_message_approve(bulk=made, user=ManagerFactory())
    assert approved.recipient_count == 2


def test_a_text_goes_to_the_number_as_corrected_in_the_app(author, officer, notify, committed):
    tenant = TenantFactory(lifeline=True, mobile="+447700900002")
    PhoneNumber.objects.create(
        tenant=tenant, number="+447700900002", source="file", status="dead", by=officer
    )
    PhoneNumber.objects.create(
        tenant=tenant,
        number=DELIVERED,
        source="app",
        file_numbers=tenant.file_numbers_key(),
        by=officer,
    )
    with committed():
        bulk_actions.bulk_message_send(bulk=draft(author, ("cohort", "lifeline")), user=author)
    assert [sent["phone_number"] for sent in notify.sends()] == [DELIVERED]


def test_a_manager_picks_a_cohort_on_the_form_and_sees_the_preview(manager_client):
    TenantFactory(lifeline=True, mobile=DELIVERED)
    TenantFactory(lifeline=True, mobile="")
    form = manager_client.get(reverse("messaging:bulk_new")).content.decode()
    assert "Everyone in a cohort" in form
    assert "Everyone on a campaign" in form
    assert '<select name="cohort"' in form
    assert '<option value="lifeline">Lifeline customer</option>' in form
    response = manager_client.post(
        reverse("messaging:bulk_new"),
        {
            "title": "Easy read",
            "body": "Guidance.",
            "channel": "sms",
            "audience": "cohort",
            "cohort": "lifeline",
            "rate_per_minute": "3000",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "cohort Lifeline customer" in page
    assert "Send to 1 recipient" in page
    assert "No mobile number" in page


def test_a_cohort_not_chosen_is_refused_and_what_was_typed_kept(manager_client):
    response = manager_client.post(
        reverse("messaging:bulk_new"),
        {"title": "Easy read", "body": "Guidance typed.", "channel": "sms", "audience": "campaign"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose the campaign" in page
    assert "Guidance typed." in page
