"""Bulk messages to a scheme, a patch, or an audience another app registered (a cohort, a
campaign's list): who is in, who is left out and why, and the queueing.

Queueing is set-based: the recipients' rows are written by INSERT ... SELECT, a batch of
tenants at a time, and one Celery task per batch of rows sends them, paced so that all the
batches together stay under the rate limit (Notify's default: 3,000 a minute).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from . import audiences
from .models import BulkMessage, Channel, ContactPreference, FailingContact, Kind, Message, Status
from .routes import file_numbers_key, sms_address

NOT_CHANGEABLE = (
    "This message can no longer be changed: it was sent, cancelled or sent for approval"
)

# Tenants per INSERT, and rows per sending task.
INSERT_BATCH = 20_000
SEND_BATCH = 500

LEFT_OUT = {
    "deceased": "Died or reported deceased",
    "ended": "Tenancy ended",
    "opted_out": "Opted out",
    "no_address": "No mobile number",
    "no_email": "No email address",
    "failing": "Number or address failing",
}


def _without_jit():
    """PostgreSQL's JIT compiles these one-off CASE and EXISTS scans for longer (over a second)
    than they take to run (a fifth of one): switch it off for the current transaction."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _tenants():
    from django.apps import apps

    return apps.get_model("tenants", "Tenant").objects


def audience(bulk, on=None):
    """The audience's tenants, each annotated with `address` (where the message would go: a
    text to the mobile as corrected in the app) and `left_out` (why it would not: a LEFT_OUT
    key, or "" for a recipient)."""
    on = on or timezone.localdate()
    if bulk.audience_kind:
        registered = audiences.get(bulk.audience_kind)
        who = registered.tenants(bulk.audience_key, on) if registered else Q(pk__in=[])
    else:
        who = Q(scheme_id=bulk.scheme_id) if bulk.scheme_id else Q(patch_id=bulk.patch_id)
    tenants = _tenants().filter(who)
    if bulk.channel == Channel.SMS:
        # The first good mobile as corrected in the app; a failing one is left out, below.
        tenants = tenants.annotate(route_file_key=file_numbers_key())
        address = Coalesce(sms_address(skip_failing=False), Value(""), output_field=CharField())
        opted_out = Q(no_sms=True)
        no_address = "no_address"
    else:
        address = Lower("email")
        opted_out = Q(no_email=True)
        no_address = "no_email"
    return (
        tenants.order_by()
        .annotate(
            address=address,
            opted_out=Exists(ContactPreference.objects.filter(opted_out, tenant=OuterRef("pk"))),
            failing=Exists(
                FailingContact.objects.filter(tenant=OuterRef("pk"), address=OuterRef("address"))
            ),
        )
        .annotate(
            left_out=Case(
                When(
                    Q(deceased_on__isnull=False) | Q(deceased_reported_on__isnull=False),
                    then=Value("deceased"),
                ),
                When(tenancy_end_date__lte=on, then=Value("ended")),
                When(opted_out=True, then=Value("opted_out")),
                When(address="", then=Value(no_address)),
                When(failing=True, then=Value("failing")),
                default=Value(""),
                output_field=CharField(),
            )
        )
    )


@transaction.atomic
def bulk_preview(bulk, *, examples=20):
    """What a manager checks before sending: the count, who is left out and why (counts, and
    the first few by name), and whether a second manager must approve."""
    _without_jit()
    rows = audience(bulk).values("left_out").annotate(n=Count("id")).order_by()
    counts = {row["left_out"]: row["n"] for row in rows}
    recipients = counts.pop("", 0)
    left_out = [(LEFT_OUT[key], counts[key]) for key in LEFT_OUT if counts.get(key)]
    left_out_examples = list(
        audience(bulk)
        .exclude(left_out="")
        .select_related(None)
        .order_by("last_name", "first_name", "pk")
        .only("pk", "first_name", "last_name", "tenancy_ref")[:examples]
    )
    for tenant in left_out_examples:
        tenant.left_out_label = LEFT_OUT[tenant.left_out]
    # The preview's "Dear ...": the first recipient's own first name, as their message will
    # read (the template is given each recipient's `first_name`).
    example = (
        audience(bulk)
        .filter(left_out="")
        .select_related(None)
        .order_by("last_name", "first_name", "pk")
        .only("pk", "first_name")
        .first()
        if recipients and examples
        else None
    )
    return {
        "example": example,
        "recipients": recipients,
        "left_out": left_out,
        "left_out_total": sum(counts.values()),
        "left_out_examples": left_out_examples,
        "needs_approval": recipients > settings.MESSAGES_BULK_APPROVAL_THRESHOLD,
        "threshold": settings.MESSAGES_BULK_APPROVAL_THRESHOLD,
    }


def left_out(bulk):
    """Everyone the message would leave out, by name, each with `left_out` (why) and their
    numbers to dial prefetched: the people who need a letter or a call instead."""
    return (
        audience(bulk)
        .exclude(left_out="")
        .select_related(None)
        .prefetch_related("phone_numbers")
        .order_by("last_name", "first_name", "pk")
    )


@transaction.atomic
def bulk_message_create(
    *, user, title, body, channel, scheme=None, patch=None, audience=None, rate_per_minute
):
    """A draft bulk message, not yet sent. `audience` is (kind, key) of a registered audience
    (messaging.audiences), instead of a scheme or a patch."""
    bulk = BulkMessage(created_by=user)
    _fill(bulk, title, body, channel, scheme, patch, audience, rate_per_minute)
    bulk.full_clean()
    bulk.save()
    return bulk


@transaction.atomic
def bulk_message_change(
    *, bulk, user, title, body, channel, scheme=None, patch=None, audience=None, rate_per_minute
):
    """The preview's "Change the message": the same draft rewritten in place, so a message
    whose preview reached too few is corrected, not left behind as a second draft."""
    bulk = BulkMessage.objects.select_for_update().get(pk=bulk.pk)
    if bulk.state != BulkMessage.State.DRAFT:
        raise ValidationError(NOT_CHANGEABLE)
    _fill(bulk, title, body, channel, scheme, patch, audience, rate_per_minute)
    bulk.full_clean()
    bulk.save()
    return bulk


def _fill(bulk, title, body, channel, scheme, patch, audience, rate_per_minute):
    kind, key = audience or ("", "")
    name = ""
    if kind:
        registered = audiences.get(kind)
        name = dict(registered.choices()).get(key) if registered else None
        if name is None:
            raise ValidationError("That group no longer exists")
    bulk.title, bulk.body, bulk.channel = title, body, channel
    bulk.scheme, bulk.patch = scheme, patch
    bulk.audience_kind, bulk.audience_key, bulk.audience_name = kind, key, name[:200]
    bulk.rate_per_minute = rate_per_minute


@transaction.atomic
def bulk_message_send(*, bulk, user):
    """The sender's "Send": queued at once, or held for a second manager above the threshold.
    Returns the bulk message in its new state."""
    bulk = BulkMessage.objects.select_for_update().get(pk=bulk.pk)
    if bulk.state != BulkMessage.State.DRAFT:
        raise ValidationError("This message has already been sent or is waiting for approval")
    recipients = bulk_preview(bulk, examples=0)["recipients"]
    if recipients == 0:
        raise ValidationError("Nobody would receive this message")
    if recipients > settings.MESSAGES_BULK_APPROVAL_THRESHOLD:
        bulk.state = BulkMessage.State.AWAITING_APPROVAL
        bulk.approval_requested_at = timezone.now()
        bulk.save(update_fields=["state", "approval_requested_at"])
        return bulk
    return _queue(bulk, user)


@transaction.atomic
def bulk_message_approve(*, bulk, user):
    """A second manager approves, and the message is queued."""
    bulk = BulkMessage.objects.select_for_update().get(pk=bulk.pk)
    if bulk.state != BulkMessage.State.AWAITING_APPROVAL:
        raise ValidationError("This message is not waiting for approval")
    if user.pk == bulk.created_by_id:
        raise ValidationError("A second manager must approve a message you wrote")
    bulk.approved_by = user
    return _queue(bulk, user)


@transaction.atomic
def bulk_message_cancel(*, bulk, user):
    bulk = BulkMessage.objects.select_for_update().get(pk=bulk.pk)
    if bulk.state not in (BulkMessage.State.DRAFT, BulkMessage.State.AWAITING_APPROVAL):
        raise ValidationError("A queued message cannot be cancelled")
    bulk.state = BulkMessage.State.CANCELLED
    bulk.save(update_fields=["state"])
    return bulk


def _queue(bulk, user):
    _without_jit()
    now = timezone.now()
    recipients = audience(bulk).filter(left_out="")
    bounds = recipients.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is not None:
        low = bounds["low"]
        while low <= bounds["high"]:
            _insert(bulk, recipients.filter(pk__gte=low, pk__lt=low + INSERT_BATCH), now)
            low += INSERT_BATCH
    rows = Message.objects.filter(bulk=bulk).aggregate(n=Count("id"), low=Min("id"), high=Max("id"))
    bulk.state = BulkMessage.State.QUEUED
    bulk.queued_by, bulk.queued_at = user, now
    bulk.recipient_count = rows["n"]
    bulk.save()
    if rows["n"]:
        transaction.on_commit(lambda: _queue_batches(bulk, rows["low"], rows["high"]))
    return bulk


def _insert(bulk, tenants, now):
    """One INSERT ... SELECT of a batch of recipients: the database builds the rows."""
    columns = {
        "tenant_id": F("pk"),
        "kind": Value(Kind.BULK),
        "channel": Value(bulk.channel),
        "recipient": F("address"),
        "personalisation": Value({}, output_field=JSONField()),
        "reference": Value(f"bulk-{bulk.pk}"),
        "bulk_id": Value(bulk.pk),
        "template_id": Value(""),
        "status": Value(Status.QUEUED),
        "status_reason": Value(""),
        "attempts": Value(0),
        "created_at": Value(now),
        "updated_at": Value(now),
    }
    select = tenants.annotate(**{f"m_{name}": value for name, value in columns.items()})
    select = select.values_list(*(f"m_{name}" for name in columns))
    sql, params = select.query.sql_with_params()
    target = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Message._meta.db_table} ({target}) {sql}", params)  # noqa: S608


def _queue_batches(bulk, low, high):
    """One task per SEND_BATCH rows, each starting when the rate limit lets it."""
    from .tasks import send_bulk_batch

    seconds_per_batch = 60 * SEND_BATCH / bulk.rate_per_minute
    for n, start in enumerate(range(low, high + 1, SEND_BATCH)):
        send_bulk_batch.apply_async(
            (bulk.pk, start, min(start + SEND_BATCH - 1, high)),
            countdown=round(n * seconds_per_batch, 3),
        )
