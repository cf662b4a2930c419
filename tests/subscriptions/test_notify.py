"""The beat job: subscribers hear when a change takes effect and 24 hours before a scheduled one,
once each, and only about the services they chose."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from messaging.models import Kind, Message
from services import actions as service_actions
from services.models import Service, Status
from subscriptions import actions
from subscriptions.models import Channel, Notification, Subscriber
from tests.factories import ManagerFactory
from tests.lock_support import lock_held_elsewhere
from tests.subscriptions.conftest import EMAIL, MOBILE

pytestmark = pytest.mark.django_db


def subscriber(address=EMAIL, channel=Channel.EMAIL, services=()):
    row = Subscriber.objects.create(
        channel=channel,
        address=address,
        all_services=not services,
        confirmed_at=timezone.now() - timedelta(days=1),
    )
    row.services.set(services)
    return row


def bodies(address=EMAIL):
    return [
        message.personalisation["body"]
        for message in Message.objects.filter(recipient=address, kind=Kind.SERVICE_STATUS).order_by(
            "pk"
        )
    ]


@pytest.fixture
def scheduled(repairs):
    """Routine repairs reduced from two days from now."""
    return service_actions.status_change_create(
        service=repairs,
        status=Status.REDUCED,
        message="Urgent repairs only during the storm.",
        user=ManagerFactory(),
        effective_at=timezone.now() + timedelta(days=2),
    )


def test_24_hours_before_then_when_it_takes_effect_and_never_twice(scheduled):
    subscriber()
    assert actions.notify_subscribers() == 0  # two days away: nothing yet
    with time_machine.travel(scheduled.effective_at - timedelta(hours=23)):
        assert actions.notify_subscribers() == 1
        assert actions.notify_subscribers() == 0
    with time_machine.travel(scheduled.effective_at + timedelta(minutes=1)):
        assert actions.notify_subscribers() == 1
        assert actions.notify_subscribers() == 0
    reminder, effective = bodies()
    assert reminder.startswith("Routine repairs and maintenance: from ")
    assert "reduced service. Urgent repairs only during the storm." in reminder
    assert effective == (
        "Routine repairs and maintenance: Reduced service. Urgent repairs only during the storm."
    )


def test_only_about_the_services_chosen(scheduled):
    other = Service.objects.exclude(pk=scheduled.service_id).first()
    subscriber(EMAIL, services=[other])
    subscriber(MOBILE, Channel.SMS, services=[scheduled.service])
    with time_machine.travel(scheduled.effective_at + timedelta(minutes=1)):
        actions.notify_subscribers()
    assert bodies(EMAIL) == [] and len(bodies(MOBILE)) == 1


def test_a_cancelled_change_is_never_announced(scheduled):
    subscriber()
    service_actions.status_change_cancel(change=scheduled, user=ManagerFactory())
    with time_machine.travel(scheduled.effective_at + timedelta(minutes=1)):
        assert actions.notify_subscribers() == 0


def test_an_unconfirmed_subscriber_hears_nothing(scheduled):
    Subscriber.objects.create(channel=Channel.EMAIL, address=EMAIL)
    with time_machine.travel(scheduled.effective_at + timedelta(minutes=1)):
        assert actions.notify_subscribers() == 0


def test_the_constraint_refuses_a_second_notification(scheduled):
    row = subscriber()
    Notification.objects.create(subscriber=row, change=scheduled, kind="effective")
    with time_machine.travel(scheduled.effective_at + timedelta(minutes=1)):
        assert actions.notify_subscribers() == 0


@pytest.mark.django_db(transaction=True)
def test_a_second_run_at_the_same_time_skips(repairs):
    with lock_held_elsewhere(actions.NOTIFY_LOCK):
        assert actions.notify_subscribers() is None
