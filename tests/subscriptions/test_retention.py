"""Subscribers who never confirm are deleted by an hourly job once their link or code has
expired, with what hangs on them; confirmed subscribers and links still open stay."""

from datetime import timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.utils import timezone

from messaging.models import Kind, Message
from services.models import Service
from subscriptions import actions, tasks
from subscriptions.models import CONFIRM_HOURS, Channel, Notification, Subscriber
from tests.lock_support import lock_held_elsewhere
from tests.subscriptions.conftest import EMAIL, MOBILE

pytestmark = pytest.mark.django_db

LATER = "someone.else@example.net"


def asked(address, channel=Channel.EMAIL, services=()):
    return actions.subscribe(channel=channel, address=address, services=list(services))


def test_unconfirmed_subscribers_go_once_their_link_has_expired_and_the_rest_stay(repairs):
    start = timezone.now()
    lapsed_email = asked(EMAIL, services=[repairs])
    lapsed_text = asked(MOBILE, channel=Channel.SMS)
    confirmed = asked("confirmed@example.net", services=[repairs])
    assert actions.confirm_link(token=confirmed.token)
    with time_machine.travel(start + timedelta(hours=CONFIRM_HOURS - 1)):
        still_open = asked(LATER, services=[repairs])
    through = Subscriber.services.through

    with time_machine.travel(start + timedelta(hours=CONFIRM_HOURS, minutes=1)):
        assert actions.confirm_link(token=lapsed_email.token) is None  # expired already
        assert actions.discard_lapsed() == 2
        assert not Subscriber.objects.filter(pk__in=[lapsed_email.pk, lapsed_text.pk]).exists()
        assert not through.objects.filter(subscriber_id=lapsed_email.pk).exists()
        assert set(Subscriber.objects.values_list("pk", flat=True)) == {
            confirmed.pk,
            still_open.pk,
        }
        assert through.objects.filter(subscriber__in=[confirmed, still_open]).count() == 2
        # The link sent an hour ago still works.
        assert actions.confirm_link(token=still_open.token) == still_open
    # As after unsubscribing, the record of each message sent stays (README: Subscriptions).
    assert Message.objects.filter(kind=Kind.SERVICE_STATUS, recipient=EMAIL).count() == 1


def test_asking_again_after_the_link_expired_starts_a_new_day(repairs):
    start = timezone.now()
    first = asked(EMAIL)
    with time_machine.travel(start + timedelta(hours=CONFIRM_HOURS + 2)):
        again = asked(EMAIL, services=[repairs])
    with time_machine.travel(start + timedelta(hours=CONFIRM_HOURS + 3)):
        assert actions.discard_lapsed() == 0
        assert again.pk == first.pk and actions.confirm_link(token=again.token) == again


# Committed, so the foreign keys (checked at commit) are checked.
@pytest.mark.django_db(transaction=True)
def test_a_second_run_an_hour_later_deletes_nothing_more(repairs):
    start = timezone.now()
    lapsed = asked(EMAIL, services=[repairs, *Service.objects.exclude(pk=repairs.pk)[:1]])
    # Never sent to an unconfirmed subscriber, but one would go with them.
    Notification.objects.create(
        subscriber=lapsed, change=repairs.changes.first(), kind=Notification.Kind.EFFECTIVE
    )
    kept = asked(MOBILE, channel=Channel.SMS)
    Subscriber.objects.filter(pk=kept.pk).update(confirmed_at=start)
    with time_machine.travel(start + timedelta(hours=CONFIRM_HOURS + 1)):
        assert actions.discard_lapsed() == 1
    assert not Notification.objects.exists()
    with time_machine.travel(start + timedelta(hours=CONFIRM_HOURS + 2)):
        assert actions.discard_lapsed() == 0
    assert list(Subscriber.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db(transaction=True)
def test_a_second_run_at_the_same_time_skips(repairs):
    with lock_held_elsewhere(actions.DISCARD_LOCK):
        assert actions.discard_lapsed() is None


def test_the_job_is_on_the_hourly_beat_schedule():
    from config.celery_app import app

    entry = app.conf.beat_schedule["subscriptions-discard-lapsed"]
    assert entry["task"] == "subscriptions.discard_lapsed"
    assert entry["schedule"] == crontab(minute=25)
    assert entry["task"] == tasks.discard_lapsed.name
    assert tasks.discard_lapsed() == 0
