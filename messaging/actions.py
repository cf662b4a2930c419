"""Sending messages: the public API other apps call, and the steps the Celery tasks run.

Other apps use only `message_send` and `message_send_to_tenant` (and, for the call page,
`selectors.failing_numbers_for_tenant`). Nothing is sent inside the caller's transaction: a
row is written, and a Celery task sends it after commit.
"""

import logging
from datetime import timedelta

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import selectors
from .models import (
    FINAL,
    IN_FLIGHT,
    Channel,
    FailingContact,
    Kind,
    Message,
    MessageKind,
    Status,
)
from .notify import HTTPError, describe, is_retryable, notify_client

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """Notify answered 429 or 5xx (or could not be reached): the row is queued again."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def normalise_address(channel, to):
    """E.164 for a number, lower case for an email address; ValidationError if neither."""
    to = str(to or "").strip()
    if channel == Channel.SMS:
        try:
            number = phonenumbers.parse(to, "GB")
        except phonenumbers.NumberParseException as error:
            raise ValidationError("Not a phone number") from error
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if not selectors.is_mobile(e164):
            raise ValidationError("Not a UK mobile number: a text cannot reach it")
        return e164
    validate_email(to)
    return to.lower()


def refusal_reason(*, tenant, kind, channel, address):
    """Why a message must not go, or None. Asked when it is written and again when it is sent:
    a tenant who opts out, or a kind switched off, stops messages already queued."""
    setting = MessageKind.objects.setting(kind)
    if not setting.enabled:
        return f"“{setting}” messages are switched off"
    if tenant is None:
        return None
    if tenant.deceased_on or tenant.deceased_reported_on:
        return "The tenant has died or was reported deceased"
    preference = selectors.contact_preference_for(tenant)
    if preference is not None and not preference.allows(channel):
        what = "text messages" if channel == Channel.SMS else "emails"
        return f"Opted out of {what} ({preference.get_source_display()})"
    if FailingContact.objects.filter(tenant=tenant, address=address).exists():
        return "This number or address failed before: Notify could not deliver to it"
    return None


@transaction.atomic(savepoint=False)  # inside a caller's transaction it is part of it
def message_send(*, tenant=None, kind, channel, to, personalisation=None, reference=""):
    """Queue one message to `to` and return its Message row.

    `kind` is a `Kind`, `channel` a `Channel`; `to` a phone number (any common UK form) or an
    email address; `personalisation` fills the Notify template's ((placeholders));
    `reference` is the caller's own (never personal data). `tenant` may be None for people who
    are not tenants (status-page subscribers). A message that must not go (kind switched off,
    opted out, deceased, a failing or invalid address) is still recorded, as not sent, with
    why. Otherwise a Celery task sends it once the caller's transaction commits.
    """
    kind, channel = Kind(kind), Channel(channel)
    now = timezone.now()
    message = Message(
        tenant=tenant,
        kind=kind,
        channel=channel,
        recipient=str(to or "")[:320],
        personalisation=personalisation or {},
        reference=reference[:100],
        created_at=now,
        updated_at=now,
    )
    try:
        message.recipient = normalise_address(channel, to)
    except ValidationError as error:
        message.status, message.status_reason = Status.NOT_SENT, error.messages[0]
    else:
        reason = refusal_reason(
            tenant=tenant, kind=kind, channel=channel, address=message.recipient
        )
        if reason:
            message.status, message.status_reason = Status.NOT_SENT, reason
    message.full_clean()
    message.save()
    if message.status == Status.QUEUED:
        transaction.on_commit(lambda: _queue(message.pk))
    return message


def _queue(message_id):
    """After commit: a broker that cannot be reached (Redis down) must not turn a recorded call
    or request into an error page. The message stays queued and `messaging.requeue_stuck`
    hands it to a worker once the broker is back."""
    from .tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except Exception:  # kombu's OperationalError or a socket error, whatever the transport
        logger.warning("Message %s stays queued: the Celery broker is unreachable", message_id)


@transaction.atomic(savepoint=False)
def message_send_to_tenant(*, tenant, kind, personalisation=None, reference=""):
    """Queue one message to `tenant` by the channel and number they can and want to receive.

    Their preferred channel first, then a text to a mobile (as corrected in the app), then
    an email; never one they opted out of or one known to fail. With no way to reach them the
    message is recorded as not sent, with why, so the caller can say so.
    """
    channel, address, reason = selectors.tenant_route(tenant)
    if reason:
        now = timezone.now()
        return Message.objects.create(
            tenant=tenant,
            kind=Kind(kind),
            channel=Channel.SMS,
            recipient="",
            personalisation=personalisation or {},
            reference=reference[:100],
            status=Status.NOT_SENT,
            status_reason=reason,
            created_at=now,
            updated_at=now,
        )
    return message_send(
        tenant=tenant,
        kind=kind,
        channel=channel,
        to=address,
        personalisation=personalisation,
        reference=reference,
    )


def _finish(message, status, reason="", **fields):
    message.status, message.status_reason = status, reason[:300]
    message.updated_at = timezone.now()
    for name, value in fields.items():
        setattr(message, name, value)
    message.save()
    return status


def message_deliver(message_id, *, client=None):
    """Send one queued message to Notify (or to the outbox), at most once. Returns its status.

    The row is claimed by moving it from queued to submitting in one UPDATE, so two workers (or
    a task delivered twice) never both send it. A 429 or 5xx puts it back in the queue and
    raises RetryLater; anything else Notify refuses is final. Before a retry, Notify is asked
    whether an earlier attempt got through after all (a timeout can hide a success), by the
    row's own reference.
    """
    claimed = Message.objects.filter(pk=message_id, status=Status.QUEUED).update(
        status=Status.SUBMITTING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return None
    message = Message.objects.select_related("tenant", "bulk").get(pk=message_id)
    reason = refusal_reason(
        tenant=message.tenant, kind=message.kind, channel=message.channel, address=message.recipient
    )
    if reason:
        return _finish(message, Status.NOT_SENT, reason)
    # A bulk row is written in SQL with no personalisation: it gets its own here, and keeps
    # what was sent.
    personalisation = dict(message.personalisation)
    if message.bulk_id:
        personalisation = {"body": message.bulk.body, **personalisation}
        if message.tenant is not None:
            personalisation.setdefault("first_name", message.tenant.first_name)
        message.personalisation = personalisation
    client = client if client is not None else notify_client()
    if client is None:
        return _finish(message, Status.OUTBOX, submitted_at=timezone.now())
    template_id = MessageKind.objects.setting(message.kind).template_id(message.channel)
    if not template_id:
        return _finish(
            message, Status.NOT_SENT, f"No Notify template id set for {message.get_kind_display()}"
        )
    try:
        earlier = _earlier_send(client, message) if message.attempts > 1 else None
        if earlier is not None:
            response = earlier
        elif message.channel == Channel.SMS:
            response = client.send_sms_notification(
                phone_number=message.recipient,
                template_id=template_id,
                personalisation=personalisation,
                reference=message.notify_reference,
            )
        else:
            response = client.send_email_notification(
                email_address=message.recipient,
                template_id=template_id,
                personalisation=personalisation,
                reference=message.notify_reference,
            )
    except HTTPError as error:
        if is_retryable(error):
            _finish(message, Status.QUEUED, f"Notify answered {describe(error)}: trying again")
            raise RetryLater(describe(error)) from error
        return _finish(message, Status.REJECTED, f"Notify refused it: {describe(error)}")
    return _finish(
        message,
        Status.SENDING,
        template_id=template_id,
        notify_id=response["id"],
        submitted_at=timezone.now(),
    )


def _earlier_send(client, message):
    found = client.get_all_notifications(reference=message.notify_reference)
    notifications = found.get("notifications") or []
    return notifications[0] if notifications else None


def message_give_up(message_id, reason):
    """After the last retry: the row is not sent, and says why."""
    Message.objects.filter(pk=message_id, status=Status.QUEUED).update(
        status=Status.NOT_SENT, status_reason=reason[:300], updated_at=timezone.now()
    )


@transaction.atomic
def message_status_update(*, notify_id, status, completed_at=None):
    """Record a status Notify reports (delivery receipt or poll). Returns the row, or None.

    Receipts can arrive late or twice: a final status is never replaced by an in-flight one.
    A permanent failure marks the tenant's number or address as failing; a later delivery to
    it clears that.
    """
    message = (
        Message.objects.select_for_update().filter(notify_id=notify_id).first()
        if notify_id
        else None
    )
    if message is None:
        return None
    if status in IN_FLIGHT:
        if message.status in (Status.SUBMITTING, Status.SENDING):
            _finish(message, IN_FLIGHT[status])
        return message
    if status not in FINAL:
        logger.warning("Notify status %r for message %s not understood", status, message.pk)
        return message
    when = parse_datetime(completed_at) if isinstance(completed_at, str) else completed_at
    _finish(message, FINAL[status], completed_at=when or timezone.now())
    if message.tenant_id is None:
        return message
    if message.status == Status.PERMANENT_FAILURE:
        try:
            with transaction.atomic():
                FailingContact.objects.get_or_create(
                    tenant_id=message.tenant_id,
                    address=message.recipient,
                    defaults={
                        "channel": message.channel,
                        "message": message,
                        "failed_at": message.completed_at,
                    },
                )
        except IntegrityError:  # a second receipt for the same number, at the same moment
            pass
    elif message.status == Status.DELIVERED:
        FailingContact.objects.filter(
            tenant_id=message.tenant_id, address=message.recipient
        ).delete()
    return message


# Notify keeps a message's status for 7 days; a receipt this late is not coming.
POLL_WINDOW = timedelta(days=7)
# The callback normally arrives within a minute or two; poll only what it seems to have missed.
POLL_AFTER = timedelta(minutes=10)


def _reconcile_stuck(client, now, limit=100):
    """Rows left "being sent" by a worker that died mid-send: Notify is asked, by the row's
    reference, whether it has the message. If it has, the row takes its id; if not, the row is
    queued again (and still cannot be sent twice: the claim and the reference see to that)."""
    stuck = Message.objects.filter(
        status=Status.SUBMITTING, updated_at__lt=now - POLL_AFTER
    ).order_by("updated_at")[:limit]
    for message in stuck:
        try:
            earlier = _earlier_send(client, message)
        except HTTPError as error:
            logger.warning("Reconciling message %s: %s", message.pk, describe(error))
            return
        with transaction.atomic():
            if earlier is not None:
                updated = Message.objects.filter(pk=message.pk, status=Status.SUBMITTING).update(
                    status=Status.SENDING,
                    notify_id=earlier["id"],
                    submitted_at=now,
                    updated_at=now,
                )
                if updated:
                    message_status_update(
                        notify_id=earlier["id"],
                        status=earlier["status"],
                        completed_at=earlier.get("completed_at"),
                    )
            elif Message.objects.filter(pk=message.pk, status=Status.SUBMITTING).update(
                status=Status.QUEUED, updated_at=now
            ):
                pk = message.pk
                transaction.on_commit(lambda pk=pk: _queue(pk))


def messages_poll(*, client=None, limit=500):
    """Ask Notify for the status of messages whose receipt has not come (the fallback), and
    settle rows a dead worker left half-sent. Returns how many receipts were updated.

    Messages older than Notify keeps are marked as a technical failure, so nothing waits for
    ever.
    """
    client = client if client is not None else notify_client()
    if client is None:
        return 0
    now = timezone.now()
    _reconcile_stuck(client, now)
    Message.objects.filter(status=Status.SENDING, submitted_at__lt=now - POLL_WINDOW).update(
        status=Status.TECHNICAL_FAILURE,
        status_reason="No delivery receipt from Notify within 7 days",
        updated_at=now,
    )
    waiting = Message.objects.filter(
        status=Status.SENDING, submitted_at__lt=now - POLL_AFTER
    ).order_by("submitted_at")
    updated = 0
    for notify_id in waiting.values_list("notify_id", flat=True)[:limit]:
        try:
            found = client.get_notification_by_id(str(notify_id))
        except HTTPError as error:
            logger.warning("Polling Notify for %s: %s", notify_id, describe(error))
            if is_retryable(error):
                break  # Notify is struggling: the next run tries again
            continue
        message_status_update(
            notify_id=notify_id, status=found["status"], completed_at=found.get("completed_at")
        )
        updated += 1
    return updated


@transaction.atomic
def contact_preference_save(*, tenant, no_sms, no_email, preferred_channel, source, note=""):
    """Create or change a tenant's contact preference; its history keeps who and when."""
    from .models import ContactPreference

    preference = ContactPreference.objects.select_for_update().filter(tenant=tenant).first()
    preference = preference or ContactPreference(tenant=tenant)
    preference.no_sms, preference.no_email = no_sms, no_email
    preference.preferred_channel, preference.source, preference.note = (
        preferred_channel,
        source,
        note,
    )
    preference.full_clean()
    preference.save()
    return preference
