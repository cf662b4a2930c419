"""Sending through the real Notify client to a local stub: outcomes, retries, receipts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from messaging import actions, selectors
from messaging.models import ContactPreference, FailingContact, Kind, Message, MessageKind, Status
from messaging.tasks import poll_receipts
from tests.factories import TenantFactory
from tests.messaging.conftest import CALLBACK_TOKEN, EMAIL_TEMPLATE, SMS_TEMPLATE

pytestmark = pytest.mark.django_db

DELIVERED, PERM_FAIL, TEMP_FAIL = "+447700900001", "+447700900002", "+447700900003"


def receipts(client, stub, token=CALLBACK_TOKEN):
    """Settle every message at the stub and POST Notify's receipts to our callback."""
    answers = []
    for payload in stub.settle():
        answers.append(
            client.post(
                reverse("messaging:notify_callback"),
                payload,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            ).status_code
        )
    return answers


def send_no_answer(tenant, committed):
    with committed():
        message = actions.message_send_to_tenant(
            tenant=tenant, kind=Kind.NO_ANSWER, personalisation={"number": "01772 123456"}
        )
    message.refresh_from_db()
    return message


def test_a_text_goes_to_notify_after_commit_and_the_receipt_marks_it_delivered(
    notify, committed, client
):
    tenant = TenantFactory(mobile="07700 900001")
    message = send_no_answer(tenant, committed)

    [sent] = notify.sends()
    assert sent == {
        "phone_number": DELIVERED,
        "template_id": SMS_TEMPLATE,
        "personalisation": {"number": "01772 123456"},
        "reference": f"message-{message.pk}",
    }
    assert message.status == Status.SENDING
    assert str(message.notify_id) in notify.notifications
    assert message.template_id == SMS_TEMPLATE

    assert receipts(client, notify) == [204]
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.completed_at is not None


def test_nothing_is_sent_until_the_callers_transaction_commits(notify, django_db_blocker):
    tenant = TenantFactory(mobile="07700 900001")
    message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    assert message.status == Status.QUEUED
    assert notify.sends() == []


def test_a_permanent_failure_marks_the_number_failing_and_the_next_message_avoids_it(
    notify, committed, client
):
    tenant = TenantFactory(mobile="07700 900002", email="delivered@simulator.notify")
    send_no_answer(tenant, committed)
    receipts(client, notify)

    assert selectors.failing_numbers_for_tenant(tenant) == [PERM_FAIL]
    assert Message.objects.get().status == Status.PERMANENT_FAILURE

    # The next message to this tenant goes by email instead...
    second = send_no_answer(tenant, committed)
    assert second.channel == "email"
    assert second.recipient == "delivered@simulator.notify"
    # ...and a message to the failing number is recorded, never sent.
    with committed():
        third = actions.message_send(
            tenant=tenant, kind=Kind.BEFORE_CALL, channel="sms", to="07700 900002"
        )
    assert third.status == Status.NOT_SENT
    assert "failed before" in third.status_reason
    assert len(notify.sends()) == 2


def test_a_delivery_to_a_failing_number_clears_it(notify, committed, client):
    tenant = TenantFactory(mobile="07700 900001")
    send_no_answer(tenant, committed)
    # As if an earlier message to this number had failed for good.
    FailingContact.objects.create(
        tenant=tenant, channel="sms", address=DELIVERED, failed_at=timezone.now()
    )
    receipts(client, notify)
    assert selectors.failing_numbers_for_tenant(tenant) == []


@pytest.mark.parametrize(
    ("to", "channel", "status"),
    [
        ("07700 900003", "sms", Status.TEMPORARY_FAILURE),
        ("delivered@simulator.notify", "email", Status.DELIVERED),
        ("temp-fail@simulator.notify", "email", Status.TEMPORARY_FAILURE),
        ("perm-fail@simulator.notify", "email", Status.PERMANENT_FAILURE),
    ],
)
def test_notify_test_recipients_decide_the_outcome(notify, committed, client, to, channel, status):
    tenant = TenantFactory()
    with committed():
        message = actions.message_send(tenant=tenant, kind=Kind.NO_ANSWER, channel=channel, to=to)
    receipts(client, notify)
    message.refresh_from_db()
    assert message.status == status
    failing = [contact.address for contact in selectors.failing_contacts_for_tenant(tenant)]
    assert failing == ([to] if status == Status.PERMANENT_FAILURE else [])
    if channel == "email":
        assert notify.sends()[0]["template_id"] == EMAIL_TEMPLATE


def test_a_recipient_who_is_not_a_tenant_can_be_sent_to(notify, committed, client):
    with committed():
        message = actions.message_send(
            kind=Kind.BULK, channel="email", to="Delivered@Simulator.Notify", reference="status-1"
        )
    receipts(client, notify)
    message.refresh_from_db()
    assert message.tenant is None
    assert message.recipient == "delivered@simulator.notify"
    assert message.status == Status.DELIVERED


@pytest.mark.parametrize("code", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried_and_sent_once(notify, committed, code):
    notify.fail_next(code, times=2)
    tenant = TenantFactory(mobile="07700 900001")
    message = send_no_answer(tenant, committed)
    assert message.status == Status.SENDING
    assert message.attempts == 3
    assert len(notify.notifications) == 1


def test_a_send_that_reached_notify_before_an_error_is_not_sent_again(notify, committed):
    # Notify took the message but the answer was lost (a 500 after accepting, or a timeout):
    # the retry finds it by the row's reference instead of sending a second text.
    notify.fail_next(500, accept=True)
    tenant = TenantFactory(mobile="07700 900001")
    message = send_no_answer(tenant, committed)
    assert message.status == Status.SENDING
    assert len(notify.notifications) == 1
    assert str(message.notify_id) in notify.notifications


def test_a_bad_request_is_never_retried(notify, committed):
    notify.fail_next(400)
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert message.status == Status.REJECTED
    assert "400" in message.status_reason
    assert "trial mode" in message.status_reason
    assert len(notify.sends()) == 1


def test_a_wrong_api_key_is_never_retried(notify, committed, settings):
    settings.NOTIFY_API_KEY = settings.NOTIFY_API_KEY[:-4] + "0000"
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert message.status == Status.REJECTED
    assert "403" in message.status_reason
    assert message.attempts == 1
    assert len(notify.sends()) == 1


def test_retries_stop_after_the_limit_and_say_why(notify, committed, settings):
    settings.NOTIFY_MAX_RETRIES = 2
    notify.fail_next(503, times=10)
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert message.status == Status.NOT_SENT
    assert "503" in message.status_reason
    assert len(notify.sends()) == 3


def test_a_row_delivered_twice_is_sent_once(notify):
    tenant = TenantFactory(mobile="07700 900001")
    message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    assert actions.message_deliver(message.pk) == Status.SENDING
    assert actions.message_deliver(message.pk) is None
    assert len(notify.sends()) == 1


def test_without_a_key_messages_stay_in_the_outbox(stub, committed, settings):
    settings.NOTIFY_API_KEY = ""
    settings.NOTIFY_BASE_URL = stub.url
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert message.status == Status.OUTBOX
    assert stub.requests == []


def test_an_opted_out_tenant_is_never_sent_to(notify, committed):
    tenant = TenantFactory(mobile="07700 900001", email="")
    ContactPreference.objects.create(tenant=tenant, no_sms=True, source="tenant_phone")
    with committed():
        direct = actions.message_send(
            tenant=tenant, kind=Kind.NO_ANSWER, channel="sms", to=tenant.mobile
        )
    routed = send_no_answer(tenant, committed)
    assert direct.status == Status.NOT_SENT
    assert direct.status_reason == "Opted out of text messages (The tenant, by phone)"
    assert routed.status == Status.NOT_SENT
    assert routed.status_reason == "No mobile number or email address"
    assert notify.sends() == []


def test_opting_out_after_a_message_was_queued_stops_it(notify):
    tenant = TenantFactory(mobile="07700 900001")
    message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    ContactPreference.objects.create(tenant=tenant, no_sms=True, source="representative")
    assert actions.message_deliver(message.pk) == Status.NOT_SENT
    assert notify.sends() == []


def test_the_preferred_channel_comes_first(notify, committed):
    tenant = TenantFactory(mobile="07700 900001", email="delivered@simulator.notify")
    ContactPreference.objects.create(
        tenant=tenant, preferred_channel="email", source="tenant_phone"
    )
    message = send_no_answer(tenant, committed)
    assert (message.channel, message.recipient) == ("email", "delivered@simulator.notify")


def test_a_landline_is_never_texted(notify, committed):
    tenant = TenantFactory(phone="+441134960123", mobile="", email="")
    message = send_no_answer(tenant, committed)
    assert message.status == Status.NOT_SENT
    assert message.status_reason == "No mobile number or email address"
    with committed():
        direct = actions.message_send(kind=Kind.BULK, channel="sms", to="0113 496 0123")
    assert direct.status == Status.NOT_SENT
    assert "Not a UK mobile" in direct.status_reason


def test_numbers_to_dial_are_used_when_the_tenant_offers_them(db):
    tenant = TenantFactory(phone="", mobile="07700 900003")
    # The call workspace's corrected numbers, best first, once the tenant model has them.
    tenant.numbers_to_dial = lambda: ["+441134960123", "+447700900001", "+447700900003"]
    assert selectors.tenant_mobiles(tenant) == [DELIVERED, TEMP_FAIL]
    assert selectors.tenant_route(tenant)[:2] == ("sms", DELIVERED)


def test_a_kind_switched_off_sends_nothing(notify, committed):
    MessageKind.objects.filter(kind=Kind.NO_ANSWER).update(enabled=False)
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert message.status == Status.NOT_SENT
    assert message.status_reason == "“After a no answer” messages are switched off"
    assert notify.sends() == []


def test_a_kind_without_a_template_id_is_not_sent(notify, committed):
    MessageKind.objects.filter(kind=Kind.NO_ANSWER).update(sms_template_id="")
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert message.status == Status.NOT_SENT
    assert message.status_reason == "No Notify template id set for After a no answer"


def test_a_deceased_tenant_is_never_sent_to(notify, committed):
    tenant = TenantFactory(mobile="07700 900001", deceased_reported_on=timezone.localdate())
    message = send_no_answer(tenant, committed)
    assert message.status == Status.NOT_SENT
    assert notify.sends() == []


# The delivery-receipt callback.


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_the_callback_refuses_a_missing_or_wrong_token(notify, committed, client, token):
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    assert set(receipts(client, notify, token=token)) == {401}
    message.refresh_from_db()
    assert message.status == Status.SENDING


def test_the_callback_refuses_everything_when_no_token_is_set(notify, client, settings):
    settings.NOTIFY_CALLBACK_TOKEN = ""
    response = client.post(
        reverse("messaging:notify_callback"),
        {"id": "x", "status": "delivered"},
        content_type="application/json",
        headers={"Authorization": "Bearer "},
    )
    assert response.status_code == 401


def test_the_callback_refuses_a_body_it_cannot_read(notify, client):
    response = client.post(
        reverse("messaging:notify_callback"),
        "not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"},
    )
    assert response.status_code == 400


def test_a_late_sending_receipt_does_not_undo_delivered(notify, committed, client):
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    receipts(client, notify)
    actions.message_status_update(notify_id=message.notify_id, status="sending")
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


# The polling fallback.


def test_the_poll_finds_the_outcome_of_messages_whose_receipt_never_came(notify, committed):
    tenant = TenantFactory(mobile="07700 900002")
    message = send_no_answer(tenant, committed)
    notify.settle()  # Notify knows; its callback never reached us
    assert poll_receipts() == 0  # too soon: the callback may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert poll_receipts() == 1
    message.refresh_from_db()
    assert message.status == Status.PERMANENT_FAILURE
    assert selectors.failing_numbers_for_tenant(tenant) == [PERM_FAIL]


def test_a_message_with_no_receipt_for_seven_days_is_given_up(notify, committed):
    message = send_no_answer(TenantFactory(mobile="07700 900001"), committed)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        poll_receipts()
    message.refresh_from_db()
    assert message.status == Status.TECHNICAL_FAILURE


def test_a_row_left_half_sent_by_a_dead_worker_is_settled_by_the_poll(notify, settings):
    # Two rows claimed by a worker that then died: Notify got the first, not the second.
    tenant = TenantFactory(mobile="+447700900001")
    reached, lost = (
        actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER) for _ in range(2)
    )
    client = actions.notify_client()
    client.send_sms_notification(
        phone_number=DELIVERED, template_id=SMS_TEMPLATE, reference=reached.notify_reference
    )
    Message.objects.filter(pk__in=[reached.pk, lost.pk]).update(
        status=Status.SUBMITTING, attempts=1
    )
    assert len(notify.notifications) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        poll_receipts()
    reached.refresh_from_db()
    lost.refresh_from_db()
    assert reached.status == Status.SENDING
    assert str(reached.notify_id) in notify.notifications
    assert lost.status == Status.QUEUED  # sent again once this transaction commits
    assert len(notify.notifications) == 1
