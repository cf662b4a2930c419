"""Arrears (DOMAIN.md, "Arrears"): flags for tenants who lost income, rent balances from the rent
system, the support offered, and the amended procedure's review dates.

Amounts are `Decimal` everywhere, never float. Only income officers and managers see them
(`User.sees_arrears_amounts`); an officer learns no more than that financial support is in place.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from simple_history.models import HistoricalRecords

from accounts.access import team_scoped
from tenants.models import Tenant


class ArrearsFlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Flags of the tenants `user` may see (accounts.access.in_team_scope)."""
        return team_scoped(self, user, "tenant__patch__team_id")

    def not_closed(self):
        return self.exclude(status=ArrearsFlag.Status.CLOSED)

    def due_for_review(self, on):
        """The review rule, in one place: not closed, and the review date has come by `on`.

        The morning job, the home panel, the list's filter and the flag page all use it.
        """
        return self.not_closed().filter(review_date__lte=on)

    def with_balance(self):
        """Annotate the tenant's latest balance and its date (None when none is held)."""
        latest = RentBalance.objects.filter(tenant_id=OuterRef("tenant_id")).order_by("-as_at")
        return self.annotate(
            balance=Subquery(latest.values("balance")[:1]),
            balance_as_at=Subquery(latest.values("as_at")[:1]),
        )


class ArrearsFlag(models.Model):
    """A tenant who lost income because of the pandemic, worked under the amended procedure:
    the usual arrears escalation is held until `review_date`."""

    class Reason(models.TextChoices):
        FURLOUGH = "furlough", "Furlough"
        REDUNDANCY = "redundancy", "Redundancy"
        REDUCED_HOURS = "reduced_hours", "Reduced hours"
        SELF_EMPLOYMENT = "self_employment", "Self-employment income lost"
        ILLNESS = "illness", "Illness"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REVIEW_DUE = "review_due", "Review due"
        CLOSED = "closed", "Closed"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="arrears_flags")
    reported_on = models.DateField("date reported")
    reason = models.CharField(max_length=20, choices=Reason)
    details = models.TextField(blank=True, help_text="What happened, in a sentence or two")
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    review_date = models.DateField(
        null=True, blank=True, help_text="Usual arrears escalation is held until this date"
    )
    review_due_since = models.DateField(
        null=True, blank=True, help_text="The morning the job first listed the review as due"
    )
    # The financial-difficulty Here to Help request the flag was raised from, if any.
    help_request = models.ForeignKey(
        "here_to_help.HelpRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="arrears_flags",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    objects = ArrearsFlagQuerySet.as_manager()

    class Meta:
        ordering = ["review_date", "-reported_on", "pk"]
        indexes = [
            # The list: by status and review date; the morning job: open flags by review date.
            models.Index(fields=["status", "review_date"], name="arrearsflag_status_review_idx"),
            models.Index(fields=["review_date"], name="arrearsflag_review_idx"),
            models.Index(fields=["reason", "review_date"], name="arrearsflag_reason_idx"),
            models.Index(fields=["tenant", "-reported_on"], name="arrearsflag_tenant_idx"),
        ]
        constraints = [
            # One flag at a time per tenant: raising again while one is open is a mistake.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=~Q(status="closed"),
                name="arrearsflag_one_open_per_tenant",
                violation_error_message="This tenant already has an open arrears flag",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False)
                | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="arrearsflag_closed_has_a_date",
            ),
        ]

    def __str__(self):
        return f"Arrears flag for {self.tenant} ({self.get_reason_display().lower()})"

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    def is_review_due(self, on: date):
        return not self.is_closed and self.review_date is not None and self.review_date <= on

    def status_on(self, on: date):
        """The status as the review rule has it today, even before the morning job has run."""
        if self.is_review_due(on):
            return self.Status.REVIEW_DUE
        if self.is_closed:
            return self.Status.CLOSED
        return self.Status.OPEN


class ReviewChange(models.Model):
    """Every setting or extension of a flag's review date, with why."""

    flag = models.ForeignKey(ArrearsFlag, on_delete=models.CASCADE, related_name="review_changes")
    old_date = models.DateField(null=True, blank=True)
    new_date = models.DateField()
    reason = models.CharField(max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["flag", "-changed_at"], name="reviewchange_flag_idx")]

    def __str__(self):
        return f"Review {self.old_date or 'none'} -> {self.new_date}"


class SupportOffer(models.Model):
    """Support offered under a flag, and what came of it."""

    class Kind(models.TextChoices):
        PAYMENT_ARRANGEMENT = "payment_arrangement", "Payment arrangement"
        BENEFITS_CHECK = "benefits_check", "Benefits check"
        HARDSHIP_FUND = "hardship_fund", "Hardship fund"
        FINANCIAL_INCLUSION = "financial_inclusion", "Financial Inclusion Team"
        EXTERNAL_AGENCY = "external_agency", "External agency"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for an outcome"
        AGREED = "agreed", "Agreed or in place"
        DECLINED = "declined", "Declined by the tenant"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        COMPLETED = "completed", "Completed"

    flag = models.ForeignKey(ArrearsFlag, on_delete=models.CASCADE, related_name="support")
    kind = models.CharField("support", max_length=30, choices=Kind)
    agency = models.CharField(
        max_length=200, blank=True, help_text="For an external agency: Citizens Advice, StepChange"
    )
    offered_on = models.DateField()
    weekly_amount = models.DecimalField(
        "amount per week",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For a payment arrangement: what the tenant pays towards the arrears",
    )
    notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.PENDING)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-offered_on", "-pk"]
        indexes = [models.Index(fields=["flag", "-offered_on"], name="supportoffer_flag_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="external_agency") | Q(agency=""),
                name="supportoffer_agency_only_for_external",
            ),
            models.CheckConstraint(
                condition=Q(weekly_amount__isnull=True) | Q(weekly_amount__gt=0),
                name="supportoffer_weekly_amount_positive",
            ),
        ]

    def __str__(self):
        return self.agency or self.get_kind_display()

    @property
    def title(self):
        kind = self.get_kind_display()
        return f"{kind}: {self.agency}" if self.agency else kind


class RentBalance(models.Model):
    """One balance from the rent system's export: positive is owed (arrears), negative in credit.

    A tenancy keeps every balance it was sent; the latest `as_at` is its current balance.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="rent_balances")
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    as_at = models.DateField()
    weekly_rent = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["tenant", "-as_at"]
        constraints = [
            # Its index, read backwards, also finds each tenant's latest balance (the list's
            # annotation, the import's lookups): no second index needed.
            models.UniqueConstraint(fields=["tenant", "as_at"], name="rentbalance_one_per_day"),
        ]

    def __str__(self):
        return f"{self.tenant_id}: {self.balance} at {self.as_at}"
