"""Support providers' staffing (DOMAIN.md, "Support providers"): who to ring, which team owns
the relationship, check-ins and the staffing status they record.

A provider whose last check-in said "critical" puts every tenant it supports into the
"Provider staffing critical" campaign (seeded by a migration, every 7 days) until a check-in
says otherwise (welfare.campaign_rules.membership).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from accounts.models import Team
from tenants.models import SupportProvider

__all__ = ["ProviderCheckIn", "ProviderContact", "ProviderOversight", "Staffing"]

DEFAULT_CHECK_IN_DAYS = 7


class Staffing(models.TextChoices):
    ADEQUATE = "adequate", "Adequate"
    STRETCHED = "stretched", "Stretched"
    CRITICAL = "critical", "Critical"


class ProviderContact(models.Model):
    provider = models.ForeignKey(SupportProvider, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, blank=True)
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["provider", "name"]

    def __str__(self):
        return f"{self.name} ({self.provider})"


class ProviderOversight(models.Model):
    """The team that owns the relationship with a provider, the check-in cadence, and the
    staffing status the last check-in recorded."""

    provider = models.OneToOneField(
        SupportProvider, on_delete=models.CASCADE, related_name="oversight"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="providers")
    cadence_days = models.PositiveSmallIntegerField(
        "check in every (days)", default=DEFAULT_CHECK_IN_DAYS
    )
    staffing = models.CharField(max_length=10, choices=Staffing, blank=True)
    staffing_since = models.DateTimeField(null=True, blank=True)
    next_check_in_on = models.DateField()

    class Meta:
        ordering = ["next_check_in_on", "id"]
        indexes = [
            models.Index(fields=["staffing"], condition=Q(staffing="critical"), name="critical_idx")
        ]

    def __str__(self):
        return f"{self.provider}: {self.get_staffing_display() or 'not checked in'}"

    def is_overdue(self, today):
        return self.next_check_in_on < today


class ProviderCheckIn(models.Model):
    provider = models.ForeignKey(
        SupportProvider, on_delete=models.PROTECT, related_name="check_ins"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    staffing = models.CharField(max_length=10, choices=Staffing)
    next_check_in_on = models.DateField()
    notes = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.provider}: {self.get_staffing_display()} ({self.at:%Y-%m-%d})"


def default_next_check_in(today, days=DEFAULT_CHECK_IN_DAYS):
    return today + timedelta(days=days)
