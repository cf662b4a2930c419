"""Messages to tenants and others through GOV.UK Notify (README: Messages).

A low layer: tenants are referred to by string foreign keys only, so that welfare, Here to Help,
the status page and anything else can send through `messaging.actions` without a cycle.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Kind(models.TextChoices):
    BEFORE_CALL = "before_call", "Before the first call attempt"
    NO_ANSWER = "no_answer", "After a no answer"
    REQUEST_RECEIVED = "request_received", "Request received"
    REQUEST_RESOLVED = "request_resolved", "Request resolved"
    FAMILY_UPDATE = "family_update", "Family wellbeing update"
    BULK = "bulk", "Bulk message"
    SERVICE_STATUS = "service_status", "Service status (status page subscribers)"


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class MessageKindManager(models.Manager):
    def setting(self, kind):
        """The row of `kind`, made (switched on, no templates) if it is missing: a migration
        adds all six, but a database emptied by hand or by a test flush has none."""
        return self.get_or_create(kind=kind)[0]

    def every_kind(self):
        """All six rows, in the order the kinds happen."""
        existing = {row.kind: row for row in self.all()}
        return [existing.get(kind) or self.setting(kind) for kind in Kind.values]


class MessageKind(models.Model):
    """One per kind: the Notify template ids managers keep, and whether the kind is switched on."""

    kind = models.CharField(max_length=20, choices=Kind, unique=True)
    enabled = models.BooleanField("switched on", default=True)
    sms_template_id = models.CharField("text message template id", max_length=36, blank=True)
    email_template_id = models.CharField("email template id", max_length=36, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = MessageKindManager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.get_kind_display()

    def template_id(self, channel):
        return self.sms_template_id if channel == Channel.SMS else self.email_template_id


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTING = "submitting", "Being sent to Notify"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Failed: wrong number or address"
    TEMPORARY_FAILURE = "temporary-failure", "Failed: phone off or inbox full"
    TECHNICAL_FAILURE = "technical-failure", "Failed: technical problem"
    REJECTED = "rejected", "Refused by Notify"
    NOT_SENT = "not-sent", "Not sent"
    OUTBOX = "outbox", "In the outbox (not sent)"


# Notify's own statuses that are still on their way ("created", "sending", "pending", "sent").
IN_FLIGHT = {"created": Status.SENDING, "sending": Status.SENDING, "pending": Status.SENDING}
FINAL = {
    "delivered": Status.DELIVERED,
    # International numbers: the networks say no more than "sent".
    "sent": Status.DELIVERED,
    "permanent-failure": Status.PERMANENT_FAILURE,
    "temporary-failure": Status.TEMPORARY_FAILURE,
    "technical-failure": Status.TECHNICAL_FAILURE,
}
FAILED = [Status.PERMANENT_FAILURE, Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE]
WAITING_FOR_RECEIPT = [Status.SENDING]


# What each template field holds, in words, for the messages log: the text itself is the Notify
# template's, which lives in Notify, filled in with these (README: Messages). Fields not named
# here are shown with their name made readable.
FIELD_LABELS = {
    "first_name": "First name",
    "tenant_first_name": "Tenant's first name",
    "name": "Family contact",
    "need": "Need",
    "wellbeing": "Wellbeing",
    "organisation": "Signposted to",
    "number": "Our phone number",
    "body": "Message",
}


class Message(models.Model):
    """One message to one recipient; sent at most once (see `actions.message_deliver`)."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        help_text="Blank for recipients who are not tenants, such as status-page subscribers",
    )
    kind = models.CharField(max_length=20, choices=Kind)
    channel = models.CharField(max_length=5, choices=Channel)
    recipient = models.CharField(
        max_length=320, blank=True, help_text="E.164 number or email address"
    )
    personalisation = models.JSONField(default=dict, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="The caller's own reference, never personal data"
    )
    bulk = models.ForeignKey(
        "BulkMessage", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    template_id = models.CharField(max_length=36, blank=True)
    notify_id = models.UUIDField(null=True, blank=True, unique=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    status_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by default, not auto_now: the bulk queue writes rows in SQL and fills them itself.
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="message_tenant_idx"),
            models.Index(fields=["bulk", "status"], name="message_bulk_status_idx"),
            # The polling job's query: messages Notify has not told us the end of.
            models.Index(
                fields=["submitted_at"],
                name="message_awaiting_receipt_idx",
                condition=Q(status="sending"),
            ),
            models.Index(
                fields=["-created_at"], name="message_outbox_idx", condition=Q(status="outbox")
            ),
        ]
        constraints = [
            # "We'll call you today" goes once per call task (its reference names the task),
            # however often the day's queue is built.
            models.UniqueConstraint(
                fields=["kind", "reference"],
                condition=Q(kind="before_call") & ~Q(reference=""),
                name="message_before_call_once",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.get_channel_display().lower()} ({self.status})"

    @property
    def notify_reference(self):
        """The reference Notify holds for this row: how a retry finds a send that got through."""
        return f"message-{self.pk}"

    @property
    def failed(self):
        return self.status in FAILED

    @property
    def bulk_text(self):
        """A bulk message as its recipient reads it ("Dear Nigel," and the body, as the bulk
        message's preview shows it), or None for any other kind. Needs `bulk` and `tenant`."""
        if self.bulk_id is None:
            return None
        first_name = self.personalisation.get("first_name") or (
            self.tenant.first_name if self.tenant_id else ""
        )
        body = self.personalisation.get("body", self.bulk.body)
        return f"Dear {first_name},\n\n{body}" if first_name else body

    def content_fields(self):
        """What the message's template was filled in with: (label, value) in words, in the
        order of FIELD_LABELS (PostgreSQL's jsonb keeps no order of its own)."""
        rank = {key: n for n, key in enumerate(FIELD_LABELS)}
        keys = sorted(self.personalisation, key=lambda key: (rank.get(key, len(rank)), key))
        return [
            (FIELD_LABELS.get(key, key.replace("_", " ").capitalize()), self.personalisation[key])
            for key in keys
        ]

    @property
    def to_subscriber(self):
        """A message to a status-page subscriber: its address, and its content (the confirmation
        link or code, the one-click unsubscribe link), are never shown to staff (README:
        Subscriptions); the secret in those links would let anyone confirm or cancel it."""
        return self.kind == Kind.SERVICE_STATUS


class FailingContact(models.Model):
    """A number or address Notify could not deliver to for good: the next call is told."""

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="failing_contacts"
    )
    channel = models.CharField(max_length=5, choices=Channel)
    address = models.CharField(max_length=320)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, related_name="+")
    failed_at = models.DateTimeField()

    class Meta:
        ordering = ["-failed_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "address"], name="failing_contact_once"),
        ]

    def __str__(self):
        return f"{self.address} failing since {self.failed_at:%Y-%m-%d}"


class ContactPreference(models.Model):
    """How a tenant wants (or does not want) to hear from us, and who told us."""

    class Source(models.TextChoices):
        TENANT_PHONE = "tenant_phone", "The tenant, by phone"
        TENANT_WRITING = "tenant_writing", "The tenant, in writing or by email"
        TENANT_IN_PERSON = "tenant_in_person", "The tenant, in person"
        REPRESENTATIVE = "representative", "A family member or representative"
        HOUSING_SYSTEM = "housing_system", "The housing management system"

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="contact_preference"
    )
    no_sms = models.BooleanField("no text messages", default=False)
    no_email = models.BooleanField("no emails", default=False)
    preferred_channel = models.CharField(max_length=5, choices=Channel, blank=True)
    source = models.CharField("who told us", max_length=20, choices=Source)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(preferred_channel="sms", no_sms=True)
                & ~Q(preferred_channel="email", no_email=True),
                name="contact_preference_not_opted_out_channel",
            ),
        ]

    def __str__(self):
        return f"Contact preference of tenant {self.tenant_id}"

    def allows(self, channel):
        return not (self.no_sms if channel == Channel.SMS else self.no_email)


class BulkMessage(models.Model):
    """A message to every current tenant of a scheme, a patch, or an audience another app
    registered (a cohort, a campaign's list), approved above a threshold."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting a second manager's approval"
        QUEUED = "queued", "Queued"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=120, help_text="For staff only, not sent")
    body = models.TextField(help_text="Sent as the template's ((body))")
    channel = models.CharField(max_length=5, choices=Channel, default=Channel.SMS)
    scheme = models.ForeignKey(
        "tenants.Scheme", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patch = models.ForeignKey(
        "accounts.Patch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Or an audience another app registered (messaging.audiences): a cohort, a campaign's list.
    audience_kind = models.CharField(max_length=20, blank=True)
    audience_key = models.CharField(max_length=50, blank=True)
    audience_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT)
    rate_per_minute = models.PositiveIntegerField(default=3000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheme__isnull=False, patch__isnull=True, audience_kind="")
                | Q(scheme__isnull=True, patch__isnull=False, audience_kind="")
                | (Q(scheme__isnull=True, patch__isnull=True) & ~Q(audience_kind="")),
                name="bulk_message_one_audience",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="bulk_message_approved_by_someone_else",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def audience(self):
        if self.audience_kind:
            return self.audience_name
        return self.scheme if self.scheme_id else self.patch

    @property
    def audience_label(self):
        if self.audience_kind:
            from .audiences import get

            registered = get(self.audience_kind)
            named = registered.named if registered else self.audience_kind
            return f"{named} {self.audience_name}"
        return f"scheme {self.scheme}" if self.scheme_id else f"patch {self.patch}"
