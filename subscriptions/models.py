"""Subscribers to the public status page: people told by email or text when a service changes.

Personal data kept apart from tenants: a subscriber is an address, not a tenant, and is never
shown publicly or to staff (managers see counts). Unsubscribing deletes the row and its history;
one never confirmed is deleted once its link or code has expired (actions.discard_lapsed).
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

# How long an unconfirmed subscription waits for its link or code before it is ignored.
CONFIRM_HOURS = 24
# Wrong SMS codes allowed before the code stops working and a new one must be asked for.
MAX_CODE_ATTEMPTS = 5


def confirm_cutoff(now=None):
    """A subscription asked for before this moment can no longer be confirmed."""
    return (now or timezone.now()) - timedelta(hours=CONFIRM_HOURS)


def new_token():
    return secrets.token_urlsafe(32)


def hash_code(code):
    return hashlib.sha256(code.encode()).hexdigest()


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self, now=None):
        """Unconfirmed, and their link or code still works."""
        return self.filter(confirmed_at__isnull=True, created_at__gte=confirm_cutoff(now))

    def lapsed(self, now=None):
        """Unconfirmed, and their link or code no longer works: nothing they can do keeps them
        (asking again makes a new confirmation), so the hourly job deletes them."""
        return self.filter(confirmed_at__isnull=True, created_at__lt=confirm_cutoff(now))

    def following(self, service_id):
        """Confirmed subscribers to every service or to this one."""
        return (
            self.confirmed()
            .filter(models.Q(all_services=True) | models.Q(services__id=service_id))
            .distinct()
        )


class Subscriber(models.Model):
    channel = models.CharField(max_length=5, choices=Channel)
    # Normalised: an email address in lower case, or a mobile number in E.164 form.
    address = models.CharField(max_length=320)
    all_services = models.BooleanField(default=True)
    services = models.ManyToManyField("services.Service", blank=True, related_name="+")
    # The secret in the confirmation and unsubscribe links; no sign-in needed.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    # A text's confirmation code, hashed; attempts made with it.
    code_hash = models.CharField(max_length=64, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="subscriber_address_once")
        ]

    def __str__(self):
        # Never the address: this shows in logs and the admin.
        return f"{self.get_channel_display()} subscriber {self.pk}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Notification(models.Model):
    """One message to one subscriber about one change: the unique constraint means never two."""

    class Kind(models.TextChoices):
        EFFECTIVE = "effective", "The change took effect"
        REMINDER = "reminder", "The change is 24 hours away"

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="notifications"
    )
    change = models.ForeignKey("services.StatusChange", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "change", "kind"], name="notification_once_per_change"
            )
        ]

    def __str__(self):
        return f"{self.kind} of change {self.change_id} to subscriber {self.subscriber_id}"


class RateCount(models.Model):
    """One request counted against a limit while Redis is unreachable (views.within_limit):
    the key is a hash, never the address, and rows older than the limit's window go as the
    next request for that key is counted."""

    key = models.CharField(max_length=120)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="ratecount_key_at")]

    def __str__(self):
        return f"{self.key[:30]}... at {self.at:%Y-%m-%d %H:%M}"
