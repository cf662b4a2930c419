"""Thin Celery tasks: each takes ids and calls an action (README: Messages)."""

import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import actions
from .models import BulkMessage, Kind, Message, Status
from .notify import notify_client

# pg_try_advisory_lock key of the receipts poll: a fixed number no other job uses ("msgpoll").
POLL_LOCK_KEY = 0x6D7367706F6C6C


def backoff(retries):
    return settings.NOTIFY_RETRY_BACKOFF_SECONDS * 2**retries


@shared_task(name="messaging.deliver_message", bind=True, max_retries=None)
def deliver_message(self, message_id):
    """Send one message; a 429 or 5xx is tried again later, up to NOTIFY_MAX_RETRIES times."""
    try:
        return actions.message_deliver(message_id)
    except actions.RetryLater as error:
        if self.request.retries >= settings.NOTIFY_MAX_RETRIES:
            actions.message_give_up(
                message_id, f"Not sent: Notify answered {error.reason} on every attempt"
            )
            return Status.NOT_SENT
        raise self.retry(countdown=backoff(self.request.retries)) from error


STUCK_AFTER = timedelta(minutes=15)
# Written in batches and sent by `send_batch` at the rate limit, possibly hours later.
BATCHED_KINDS = (Kind.BEFORE_CALL, Kind.BULK)


@shared_task(name="messaging.requeue_stuck")
def requeue_stuck(now=None):
    """Beat, every 10 minutes: single messages still queued 15 minutes after they were recorded
    (their task never reached the broker, say while Redis was down) are handed to a worker
    again. A message is claimed before it is sent, so one queued twice is still sent once.
    Bulk and batch messages are paced by their own tasks and left to them."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    ids = list(
        Message.objects.filter(status=Status.QUEUED, bulk__isnull=True, created_at__lt=cutoff)
        .exclude(kind__in=BATCHED_KINDS)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    for message_id in ids:
        deliver_message.delay(message_id)
    return len(ids)


@shared_task(name="messaging.send_bulk_batch")
def send_bulk_batch(bulk_id, low, high):
    """Send a bulk message's queued rows with ids low..high, paced to its rate limit.

    Each row is claimed as it is sent, so a batch run twice sends nothing twice. A row Notify
    asks us to retry is handed to `deliver_message`, which backs off on its own.
    """
    bulk = BulkMessage.objects.get(pk=bulk_id)
    ids = Message.objects.filter(
        bulk_id=bulk_id, pk__gte=low, pk__lte=high, status=Status.QUEUED
    ).values_list("pk", flat=True)
    return _send_paced(list(ids), bulk.rate_per_minute)


@shared_task(name="messaging.send_batch")
def send_batch(kind, low, high):
    """Send the queued `kind` rows with ids low..high (written by `batch`), at the rate limit."""
    ids = Message.objects.filter(
        kind=kind, bulk__isnull=True, pk__gte=low, pk__lte=high, status=Status.QUEUED
    ).values_list("pk", flat=True)
    return _send_paced(list(ids), settings.NOTIFY_RATE_LIMIT_PER_MINUTE)


def _send_paced(ids, rate_per_minute):
    interval = 60 / rate_per_minute
    client = notify_client()
    sent = 0
    for message_id in ids:
        started = time.monotonic()
        try:
            actions.message_deliver(message_id, client=client)
        except actions.RetryLater:
            deliver_message.apply_async((message_id,), countdown=backoff(0))
        sent += 1
        pause = interval - (time.monotonic() - started)
        if pause > 0:
            time.sleep(pause)
    return sent


@shared_task(name="messaging.poll_receipts")
def poll_receipts():
    """The fallback for missed delivery receipts (beat, every 10 minutes). Safe to run twice:
    a second run at the same time skips."""
    if connection.vendor != "postgresql":
        return actions.messages_poll()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [POLL_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
        try:
            return actions.messages_poll()
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POLL_LOCK_KEY])
