"""“We'll call you today from <number>”: queued set-based when the day's queue is built, for
cohorts a manager switched it on for, sent through Celery to the Notify stub, once per call."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from messaging.actions import contact_preference_save
from messaging.models import FailingContact, Kind, Message, MessageKind, Status
from tenants.models import PhoneNumber
from tests.messaging.conftest import EMAIL_TEMPLATE, SMS_TEMPLATE
from tests.queue.helpers import ON, make_tenant, open_task, set_cohort
from welfare.before_call import before_call_message_for
from welfare.models import Cohort, QueueSettings
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db

DELIVERED, PERM_FAIL = "+447700900001", "+447700900002"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def lifeline_on(cohorts, settings):
    settings.CALLS_FROM_NUMBER = "01772 000111"
    set_cohort(Cohort.Code.LIFELINE, before_call_message=True)


@pytest.fixture
def cohorts(db):
    from tests.factories import load_default_cohorts

    load_default_cohorts()


def lifeline(patch, **fields):
    fields.setdefault("mobile", DELIVERED)
    return make_tenant(patch, lifeline=True, last_contact_at=None, **fields)


def build(committed):
    with committed():
        return build_call_queue(on=ON)


def test_the_build_texts_a_lifeline_tenant_whose_call_is_queued(patch, notify, committed):
    tenant = lifeline(patch, first_name="Margaret")
    result = build(committed)
    assert result.messages_before_call == 1
    message = before_call_message_for(open_task(tenant))
    assert (message.kind, message.channel, message.recipient) == (
        Kind.BEFORE_CALL,
        "sms",
        DELIVERED,
    )
    assert message.status == Status.SENDING  # handed to Notify by the Celery task
    [sent] = notify.sends()
    assert sent["phone_number"] == DELIVERED
    assert sent["template_id"] == SMS_TEMPLATE
    assert sent["personalisation"] == {"first_name": "Margaret", "number": "01772 000111"}


def test_the_managers_number_in_the_app_is_the_one_named(patch, notify, committed):
    QueueSettings(claim_minutes=30, calls_from_number="0300 555 0123").save()
    lifeline(patch)
    build(committed)
    [sent] = notify.sends()
    assert sent["personalisation"]["number"] == "0300 555 0123"


def test_a_cohort_without_the_message_gets_nothing(patch, notify, committed):
    make_tenant(patch, last_contact_at=None, mobile=DELIVERED)  # everyone else
    result = build(committed)
    assert result.opened == 1
    assert result.messages_before_call == 0
    assert notify.sends() == []


def test_the_message_switched_off_for_every_cohort_sends_nothing(patch, notify, committed):
    MessageKind.objects.filter(kind=Kind.BEFORE_CALL).update(enabled=False)
    lifeline(patch)
    assert build(committed).messages_before_call == 0
    assert not Message.objects.exists()


def test_a_second_build_sends_nothing_twice(patch, notify, committed):
    lifeline(patch)
    build(committed)
    assert build(committed).messages_before_call == 0
    assert Message.objects.count() == 1
    assert len(notify.sends()) == 1


def test_the_database_refuses_a_second_message_for_the_same_call(patch):
    tenant = lifeline(patch)
    build_call_queue(on=ON)
    message = Message.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            tenant=tenant, kind=Kind.BEFORE_CALL, channel="sms", reference=message.reference
        )


def test_never_to_the_opted_out_the_unreachable_or_a_failing_number(patch, notify, committed):
    opted_out = lifeline(patch)
    contact_preference_save(
        tenant=opted_out, no_sms=True, no_email=True, preferred_channel="", source="tenant_phone"
    )
    lifeline(patch, mobile="", phone="+442079460001")  # a landline: a text cannot reach it
    failing = lifeline(patch, mobile=PERM_FAIL)
    FailingContact.objects.create(
        tenant=failing, channel="sms", address=PERM_FAIL, failed_at=failing.created_at
    )
    result = build(committed)
    assert result.opened == 3
    assert result.messages_before_call == 0
    assert notify.sends() == []


def test_an_email_when_the_tenant_prefers_it(patch, notify, committed):
    tenant = lifeline(patch, email="Margaret@Example.org")
    contact_preference_save(
        tenant=tenant,
        no_sms=False,
        no_email=False,
        preferred_channel="email",
        source="tenant_phone",
    )
    build(committed)
    [sent] = notify.sends()
    assert sent["email_address"] == "margaret@example.org"
    assert sent["template_id"] == EMAIL_TEMPLATE


def test_the_number_as_corrected_in_the_app(patch, officer, notify, committed):
    tenant = lifeline(patch, mobile=PERM_FAIL)
    PhoneNumber.objects.create(
        tenant=tenant, number="+447700900002", source="file", status="dead", by=officer
    )
    PhoneNumber.objects.create(
        tenant=tenant,
        number="+447700900001",
        source="app",
        file_numbers=tenant.file_numbers_key(),
        by=officer,
    )
    build(committed)
    [sent] = notify.sends()
    assert sent["phone_number"] == DELIVERED


def test_a_number_marked_dead_with_nothing_else_gets_nothing(patch, officer, notify, committed):
    tenant = lifeline(patch, mobile=DELIVERED)
    PhoneNumber.objects.create(
        tenant=tenant, number=DELIVERED, source="file", status="dead", by=officer
    )
    assert build(committed).messages_before_call == 0


@pytest.mark.parametrize("tenants", [2, 20])
def test_the_build_with_messages_takes_as_many_queries_whatever_the_size(
    patch, notify, django_assert_max_num_queries, tenants
):
    for _ in range(tenants):
        lifeline(patch)
    # Counted without the Celery tasks (they run after commit, one per batch of 500 rows); one
    # of them opens the provider check-ins due; two pass tenants with no number to dial to a
    # manager, and bring back those with one again (welfare.no_number).
    with django_assert_max_num_queries(25):
        result = build_call_queue(on=ON)
    assert result.messages_before_call == tenants
    assert Message.objects.filter(status=Status.QUEUED).count() == tenants


def test_a_manager_switches_it_on_for_a_cohort(manager_client):
    cohort = Cohort.objects.get(code=Cohort.Code.AGED_70)
    response = manager_client.post(
        reverse("welfare:cohort_edit", args=[cohort.pk]),
        {"cadence_days": cohort.cadence_days, "active": "on", "before_call_message": "on"},
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.before_call_message
    assert cohort.history.first().history_user is not None
    page = manager_client.get(reverse("welfare:cohorts")).content.decode()
    assert "Message before the first call" in page


def test_the_number_is_a_setting_managers_change(manager_client):
    response = manager_client.post(
        reverse("welfare:queue_settings"),
        {
            "claim_minutes": 30,
            "escalation_target_working_days": 2,
            "calls_from_number": "0300 555 0123",
        },
    )
    assert response.status_code == 302
    assert QueueSettings.current()["calls_from_number"] == "0300 555 0123"


def test_the_0600_build_holds_the_texts_until_0800(patch, notify, committed, monkeypatch):
    from messaging import tasks

    lifeline(patch)
    started = []
    monkeypatch.setattr(
        tasks.send_batch, "apply_async", lambda args, countdown: started.append(countdown)
    )
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=LONDON), tick=False):
        build(committed)
    assert started == [2 * 60 * 60]


def test_a_call_opened_by_an_earlier_build_is_not_told_later(patch, notify, committed):
    lifeline(patch)
    set_cohort(Cohort.Code.LIFELINE, before_call_message=False)
    build(committed)  # the morning build, with the message off
    set_cohort(Cohort.Code.LIFELINE, before_call_message=True)
    assert build(committed).messages_before_call == 0  # a rebuild after the change


def test_the_kinds_page_says_where_it_is_switched_on_per_cohort(manager_client):
    page = manager_client.get(reverse("messaging:kind_change", args=["before_call"]))
    assert reverse("welfare:cohorts") in page.content.decode()
