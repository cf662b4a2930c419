"""Bulk messages to a scheme or patch: preview, who is left out, approval, set-based queueing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging import bulk as bulk_actions
from messaging.models import BulkMessage, ContactPreference, FailingContact, Message, Status
from messaging.tasks import send_bulk_batch
from tests.factories import ManagerFactory, PatchFactory, SchemeFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(db):
    return SchemeFactory(name="Ribble Court")


@pytest.fixture
def author(db):
    return ManagerFactory(username="maya")


def draft(author, scheme=None, patch=None, channel="sms", rate=600_000):
    return bulk_actions.bulk_message_create(
        user=author,
        title="Heatwave advice",
        body="Keep cool: drink water and close the curtains in the day.",
        channel=channel,
        scheme=scheme,
        patch=patch,
        rate_per_minute=rate,
    )


def mixed_scheme(scheme):
    """Three who can be texted, and one of each reason to be left out."""
    today = timezone.localdate()
    reachable = [
        TenantFactory(scheme=scheme, last_name="Able", mobile="+447700900001"),
        TenantFactory(scheme=scheme, last_name="Baker", mobile="", phone="+447700900003"),
        TenantFactory(scheme=scheme, last_name="Cole", mobile="+447700900002"),
    ]
    TenantFactory(scheme=scheme, last_name="Dean", mobile="", phone="+441134960001")
    opted_out = TenantFactory(scheme=scheme, last_name="Ellis", mobile="+447700900001")
    ContactPreference.objects.create(tenant=opted_out, no_sms=True, source="tenant_phone")
    TenantFactory(scheme=scheme, last_name="Ford", mobile="+447700900001", deceased_on=today)
    TenantFactory(
        scheme=scheme,
        last_name="Gray",
        mobile="+447700900001",
        tenancy_end_date=today - timedelta(days=1),
    )
    failing = TenantFactory(scheme=scheme, last_name="Hill", mobile="+447700900002")
    FailingContact.objects.create(
        tenant=failing, channel="sms", address="+447700900002", failed_at=timezone.now()
    )
    TenantFactory(scheme=SchemeFactory(name="Other Court"), mobile="+447700900001")
    return reachable


def test_the_preview_counts_recipients_and_says_who_is_left_out_and_why(scheme, author):
    mixed_scheme(scheme)
    preview = bulk_actions.bulk_preview(draft(author, scheme=scheme))
    assert preview["recipients"] == 3
    assert preview["left_out"] == [
        ("Died or reported deceased", 1),
        ("Tenancy ended", 1),
        ("Opted out", 1),
        ("No mobile number", 1),
        ("Number or address failing", 1),
    ]
    assert [(t.last_name, t.left_out_label) for t in preview["left_out_examples"]] == [
        ("Dean", "No mobile number"),
        ("Ellis", "Opted out"),
        ("Ford", "Died or reported deceased"),
        ("Gray", "Tenancy ended"),
        ("Hill", "Number or address failing"),
    ]
    assert preview["needs_approval"] is False


def test_an_email_bulk_leaves_out_those_with_no_email(scheme, author):
    TenantFactory(scheme=scheme, email="Delivered@Simulator.Notify")
    TenantFactory(scheme=scheme, email="")
    preview = bulk_actions.bulk_preview(draft(author, scheme=scheme, channel="email"))
    assert preview["recipients"] == 1
    assert preview["left_out"] == [("No email address", 1)]


def test_sending_writes_one_row_per_recipient_and_sends_each_once(
    notify, scheme, author, committed
):
    reachable = mixed_scheme(scheme)
    made = draft(author, scheme=scheme)
    with committed():
        queued = bulk_actions.bulk_message_send(bulk=made, user=author)
    assert queued.state == BulkMessage.State.QUEUED
    assert queued.recipient_count == 3
    rows = Message.objects.filter(bulk=made).order_by("tenant__last_name")
    assert [(row.tenant, row.recipient) for row in rows] == [
        (reachable[0], "+447700900001"),
        (reachable[1], "+447700900003"),
        (reachable[2], "+447700900002"),
    ]
    assert {row.status for row in rows} == {Status.SENDING}
    assert sorted(sent["phone_number"] for sent in notify.sends()) == [
        "+447700900001",
        "+447700900002",
        "+447700900003",
    ]
    first = next(s for s in notify.sends() if s["phone_number"] == "+447700900001")
    assert first["personalisation"] == {
        "body": "Keep cool: drink water and close the curtains in the day.",
        "first_name": reachable[0].first_name,
    }
    assert rows[0].personalisation == first["personalisation"]  # the row keeps what was sent
    # A batch run again (a redelivered task) sends nothing more.
    low, high = rows.order_by("pk").first().pk, rows.order_by("pk").last().pk
    assert send_bulk_batch(made.pk, low, high) == 0
    assert len(notify.sends()) == 3


def test_a_bulk_to_a_patch_reaches_its_tenants_only(notify, author, committed):
    patch = PatchFactory(code="PR-RIB")
    TenantFactory(patch=patch, mobile="+447700900001")
    TenantFactory(patch=PatchFactory(code="FY-LYT"), mobile="+447700900001")
    with committed():
        queued = bulk_actions.bulk_message_send(bulk=draft(author, patch=patch), user=author)
    assert queued.recipient_count == 1


def test_above_the_threshold_a_second_manager_must_approve(
    notify, scheme, author, committed, settings
):
    settings.MESSAGES_BULK_APPROVAL_THRESHOLD = 2
    mixed_scheme(scheme)
    made = draft(author, scheme=scheme)
    assert bulk_actions.bulk_preview(made)["needs_approval"] is True
    waiting = bulk_actions.bulk_message_send(bulk=made, user=author)
    assert waiting.state == BulkMessage.State.AWAITING_APPROVAL
    assert not Message.objects.exists()

    with pytest.raises(ValidationError, match="A second manager must approve"):
        bulk_actions.bulk_message_approve(bulk=made, user=author)
    second = ManagerFactory(username="sara")
    with committed():
        approved = bulk_actions.bulk_message_approve(bulk=made, user=second)
    assert approved.state == BulkMessage.State.QUEUED
    assert approved.approved_by == second
    assert len(notify.sends()) == 3


def test_a_bulk_message_is_queued_only_once(notify, scheme, author, committed):
    mixed_scheme(scheme)
    made = draft(author, scheme=scheme)
    with committed():
        bulk_actions.bulk_message_send(bulk=made, user=author)
    with pytest.raises(ValidationError):
        bulk_actions.bulk_message_send(bulk=made, user=author)
    assert Message.objects.filter(bulk=made).count() == 3


def test_nobody_to_send_to_is_refused(scheme, author):
    TenantFactory(scheme=scheme, mobile="")
    with pytest.raises(ValidationError, match="Nobody would receive"):
        bulk_actions.bulk_message_send(bulk=draft(author, scheme=scheme), user=author)


def test_a_cancelled_bulk_message_sends_nothing(scheme, author):
    mixed_scheme(scheme)
    made = draft(author, scheme=scheme)
    bulk_actions.bulk_message_cancel(bulk=made, user=author)
    with pytest.raises(ValidationError):
        bulk_actions.bulk_message_send(bulk=made, user=author)
    assert not Message.objects.exists()


def test_queueing_spans_several_insert_batches(notify, scheme, author, committed, monkeypatch):
    # Small batches, so that three tenants need several INSERTs and several sending tasks.
    monkeypatch.setattr(bulk_actions, "INSERT_BATCH", 1)
    monkeypatch.setattr(bulk_actions, "SEND_BATCH", 2)
    mixed_scheme(scheme)
    with committed():
        queued = bulk_actions.bulk_message_send(bulk=draft(author, scheme=scheme), user=author)
    assert queued.recipient_count == 3
    assert len(notify.sends()) == 3
