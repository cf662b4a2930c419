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

__all__ = [
    "ProviderCheckIn",
    "ProviderCheckInTask",
    "ProviderContact",
    "ProviderOversight",
    "Staffing",
]

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


class CheckInTaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)

    def claimable(self, now=None):
        """Open and held by nobody (a claim older than the call claim time has lapsed)."""
        from .models import claim_cutoff  # welfare.models imports this module at its end

        return self.open().filter(Q(claimed_by__isnull=True) | Q(claimed_at__lt=claim_cutoff(now)))


class ProviderCheckInTask(models.Model):
    """A check-in due, in the owning team's call queue: "Take next call" hands it out as it
    hands out calls, and recording the check-in (from here or the provider's page) finishes it.
    Opened by the morning queue build (`provider_actions.check_in_tasks_open`)."""

    provider = models.ForeignKey(
        SupportProvider, on_delete=models.CASCADE, related_name="check_in_tasks"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    due_on = models.DateField()
    # How many current tenants the provider supported when the task opened: of two check-ins
    # equally due, the one covering more tenants comes first.
    tenant_count = models.PositiveIntegerField(default=0)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    check_in = models.ForeignKey(
        ProviderCheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CheckInTaskQuerySet.as_manager()

    RANK = ("due_on", "-tenant_count", "id")

    class Meta:
        ordering = ["due_on", "-tenant_count", "id"]
        constraints = [
            # Behind the build's advisory lock: never two open check-ins with one provider.
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(done_at__isnull=True),
                name="one_open_check_in_task_per_provider",
            ),
        ]
        indexes = [
            # The queue page and "Take next call": a team's open check-ins in rank order.
            models.Index(
                fields=["team", "due_on", "-tenant_count", "id"],
                condition=Q(done_at__isnull=True),
                name="checkintask_queue_idx",
            ),
        ]

    def __str__(self):
        return f"Check in with {self.provider} (task {self.pk})"

    @property
    def is_open(self):
        return self.done_at is None

    def claim_active(self, now=None):
        from .models import claim_cutoff

        return bool(self.claimed_by_id and self.claimed_at and self.claimed_at >= claim_cutoff(now))

    def is_claimed_by(self, user, now=None):
        return self.claimed_by_id == user.pk and self.claim_active(now)

    def days_overdue(self, today):
        return (today - self.due_on).days


def default_next_check_in(today, days=DEFAULT_CHECK_IN_DAYS):
    return today + timedelta(days=days)
