"""Subscription writes: subscribe, confirm (link or code), unsubscribe, and the messages sent when
a change takes effect or is 24 hours away. Each is one transaction."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from config.locks import advisory_xact_lock
from messaging.actions import message_send, normalise_address
from messaging.models import Kind
from services.models import StatusChange

from .models import (
    MAX_CODE_ATTEMPTS,
    Channel,
    Notification,
    Subscriber,
    hash_code,
    new_token,
)

NOTIFY_LOCK = "subscriptions.notify"
DISCARD_LOCK = "subscriptions.discard_lapsed"
# A change that took effect longer ago than this is history, not news (a job down for a day
# does not send a backlog of stale messages).
NEWS_HOURS = 24


def _link(name, token):
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name, args=[token])


def _send(subscriber, text):
    """One message to a subscriber, always with its one-click unsubscribe link."""
    unsubscribe = _link("subscriptions:unsubscribe", subscriber.token)
    return message_send(
        kind=Kind.SERVICE_STATUS,
        channel=subscriber.channel,
        to=subscriber.address,
        personalisation={"body": text, "unsubscribe_url": unsubscribe},
        reference=f"subscriber-{subscriber.pk}",
    )


@transaction.atomic
def subscribe(*, channel, address, services):
    """Ask to subscribe `address`; returns the Subscriber, or None when nothing was sent.

    The caller answers the same whatever happens here, so no one learns whether an address is
    subscribed. A new or unconfirmed subscriber gets a confirmation link (email) or code (text);
    a confirmed one is told they are subscribed, with the link to stop, and their choice is not
    changed by someone who merely knows their address.
    """
    address = normalise_address(channel, address)
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        channel=channel, address=address
    )
    if subscriber.is_confirmed:
        _send(subscriber, "You are already subscribed to updates about our services.")
        return subscriber
    subscriber.all_services = not services
    subscriber.token = new_token()
    subscriber.created_at = timezone.now()
    code = ""
    if channel == Channel.SMS:
        code = f"{secrets.randbelow(1_000_000):06d}"
        subscriber.code_hash, subscriber.code_attempts = hash_code(code), 0
    subscriber.save()
    subscriber.services.set(services)
    if channel == Channel.SMS:
        text = f"Your code to confirm updates about our services is {code}."
    else:
        confirm = _link("subscriptions:confirm", subscriber.token)
        text = f"Confirm you want updates about our services: {confirm}"
    _send(subscriber, text)
    return subscriber


@transaction.atomic
def confirm_link(*, token):
    """Confirm by the emailed link; the Subscriber, or None for a wrong or expired link."""
    subscriber = Subscriber.objects.select_for_update().pending().filter(token=token).first()
    if subscriber is None:
        return None
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["confirmed_at"])
    return subscriber


@transaction.atomic
def confirm_code(*, address, code):
    """Confirm a text subscription by its code; the Subscriber, or None. Each wrong code counts,
    and after MAX_CODE_ATTEMPTS the code stops working."""
    try:
        address = normalise_address(Channel.SMS, address)
    except ValidationError:
        return None
    subscriber = (
        Subscriber.objects.select_for_update()
        .pending()
        .filter(channel=Channel.SMS, address=address)
        .first()
    )
    if subscriber is None or subscriber.code_attempts >= MAX_CODE_ATTEMPTS:
        return None
    if not secrets.compare_digest(subscriber.code_hash, hash_code(code.strip())):
        subscriber.code_attempts += 1
        subscriber.save(update_fields=["code_attempts"])
        return None
    subscriber.confirmed_at = timezone.now()
    subscriber.code_hash = ""
    subscriber.save(update_fields=["confirmed_at", "code_hash"])
    return subscriber


@transaction.atomic
def unsubscribe(*, token):
    """Delete the subscriber and everything about them; True if there was one."""
    deleted, _ = Subscriber.objects.filter(token=token).delete()
    return bool(deleted)


@transaction.atomic
def discard_lapsed(now=None):
    """Delete the subscribers who never confirmed and whose link or code has expired, with their
    chosen services (and notifications, though an unconfirmed subscriber is never sent one).

    The hourly beat job: one statement, safe to run twice (a second run finds none) and under an
    advisory lock. The rows are locked as they are chosen, so one asked for again meanwhile
    (subscribe() resets it under its own row lock) is looked at again and kept. Their messages
    stay, as after unsubscribing (README: Subscriptions). Returns how many subscribers went,
    or None when another run holds the lock.
    """
    if not advisory_xact_lock(DISCARD_LOCK):
        return None
    lapsed, params = (
        Subscriber.objects.lapsed(now).select_for_update().values("pk").query.sql_with_params()
    )
    tables = {
        "subscriber": Subscriber._meta.db_table,
        "services": Subscriber.services.through._meta.db_table,
        "notification": Notification._meta.db_table,
    }
    # One statement, where delete() would read the rows and then delete them by id without the
    # rule. The foreign keys are checked at commit, so the order within it does not matter.
    sql = """
        WITH gone AS (DELETE FROM {subscriber} WHERE id IN ({lapsed}) RETURNING id),
        services AS (DELETE FROM {services} WHERE subscriber_id IN (SELECT id FROM gone)),
        notifications AS (
            DELETE FROM {notification} WHERE subscriber_id IN (SELECT id FROM gone)
        )
        SELECT count(*) FROM gone
    """.format(lapsed=lapsed, **tables)  # noqa: S608  table names and a query of ours
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _notify(change, kind, text):
    audience = Subscriber.objects.following(change.service_id).order_by("pk")
    if kind == Notification.Kind.EFFECTIVE:
        # Someone who subscribed after the change took effect sees it on the page: not news.
        audience = audience.filter(confirmed_at__lte=change.effective_at)
    sent = 0
    for subscriber in audience:
        try:
            with transaction.atomic():
                Notification.objects.create(subscriber=subscriber, change=change, kind=kind)
        except IntegrityError:
            continue  # already told: the constraint is the last line of defence
        _send(subscriber, text)
        sent += 1
    return sent


def _when(moment):
    return timezone.localtime(moment).strftime("%-d %B %Y at %-I:%M%p").replace(":00", "")


@transaction.atomic
def notify_subscribers(now=None):
    """Tell subscribers of changes that took effect, and of changes 24 hours away.

    Run by a beat job every minute; two runs at once cannot both send (an advisory lock), and
    the unique Notification row means no subscriber hears twice of one change. Returns the number
    of messages queued, or None when another run holds the lock.
    """
    if not advisory_xact_lock(NOTIFY_LOCK):
        return None
    now = now or timezone.now()
    # Changes managers made: not the list loaded when the register was set up (no author),
    # which is where the services started, not news.
    live = StatusChange.objects.filter(
        cancelled_at__isnull=True, created_by__isnull=False
    ).select_related("service")
    sent = 0
    for change in live.filter(
        effective_at__lte=now, effective_at__gt=now - timedelta(hours=NEWS_HOURS)
    ):
        text = f"{change.service.name}: {change.get_status_display()}. {change.message}"
        sent += _notify(change, Notification.Kind.EFFECTIVE, text)
    for change in live.filter(effective_at__gt=now, effective_at__lte=now + timedelta(hours=24)):
        text = (
            f"{change.service.name}: from {_when(change.effective_at)}, "
            f"{change.get_status_display().lower()}. {change.message}"
        )
        sent += _notify(change, Notification.Kind.REMINDER, text)
    return sent
