"""Arrears (DOMAIN.md, "Arrears"): flags for tenants who lost income, rent balances from the rent
system, the support offered, and the amended procedure's review dates.

Amounts are `Decimal` everywhere, never float. Only income officers and managers see them
(`User.sees_arrears_amounts`); an officer learns no more than that financial support is in place.
"""

from datetime import date

import pgtrigger
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


_CURRENT = "arrears_currentrentbalance"
_BALANCES = "arrears_rentbalance"
_SET_CURRENT = (
    "balance = excluded.balance, as_at = excluded.as_at, weekly_rent = excluded.weekly_rent"
)
# The inserted rows' latest balance per tenant, unless the one held is newer.
CURRENT_FROM_NEW_ROWS = (
    f"INSERT INTO {_CURRENT} AS c (tenant_id, balance, as_at, weekly_rent) "  # noqa: S608
    "SELECT DISTINCT ON (tenant_id) tenant_id, balance, as_at, weekly_rent FROM new_rows "
    f"ORDER BY tenant_id, as_at DESC ON CONFLICT (tenant_id) DO UPDATE SET {_SET_CURRENT} "
    "WHERE excluded.as_at >= c.as_at;"
)


def _recompute(tenants):
    """A trigger's body making the current balance of the tenants `tenants` selects their latest
    again (none, for a tenant left with no balance)."""
    return (
        f"DELETE FROM {_CURRENT} c WHERE c.tenant_id IN ({tenants}) AND NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {_BALANCES} b WHERE b.tenant_id = c.tenant_id); "
        f"INSERT INTO {_CURRENT} (tenant_id, balance, as_at, weekly_rent) "
        f"SELECT b.tenant_id, b.balance, b.as_at, b.weekly_rent FROM ({tenants}) t "
        f"CROSS JOIN LATERAL (SELECT * FROM {_BALANCES} b WHERE b.tenant_id = t.tenant_id "
        "ORDER BY b.as_at DESC LIMIT 1) b "
        f"ON CONFLICT (tenant_id) DO UPDATE SET {_SET_CURRENT}; RETURN NULL;"
    )


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
            # Its index, read backwards, also finds each tenant's latest balance (the import's
            # lookups, the tenant's page): no second index needed.
            models.UniqueConstraint(fields=["tenant", "as_at"], name="rentbalance_one_per_day"),
        ]
        # CurrentRentBalance kept by PostgreSQL for every writer: one statement per statement.
        triggers = [
            pgtrigger.Trigger(
                name="rentbalance_current_on_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func=f"{CURRENT_FROM_NEW_ROWS} RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="rentbalance_current_on_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                func=_recompute(
                    "SELECT tenant_id FROM old_rows UNION SELECT tenant_id FROM new_rows"
                ),
            ),
            pgtrigger.Trigger(
                name="rentbalance_current_on_delete",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                referencing=pgtrigger.Referencing(old="old_rows"),
                func=_recompute("SELECT DISTINCT tenant_id FROM old_rows"),
            ),
        ]

    def __str__(self):
        return f"{self.tenant_id}: {self.balance} at {self.as_at}"


class CurrentRentBalance(models.Model):
    """Each tenancy's current balance: its `RentBalance` of the latest `as_at`, copied here so
    that it can be indexed (which balance is current is otherwise known per tenant only). The
    worklist of tenants in arrears with no open flag reads it in balance order.

    Who keeps it right: on PostgreSQL, statement triggers on `RentBalance` (its Meta), so every
    writer does, the import, the demo, the tests' factories, a fix in psql: an insert upserts
    the inserted rows' latest per tenant in ONE set-based `INSERT ... ON CONFLICT (tenant_id) DO
    UPDATE ... WHERE excluded.as_at >= current.as_at`, in the writer's own statement and
    transaction (an older balance never replaces a newer; a re-import changes nothing); an update
    or a delete, rare (a same-day correction, a tenancy deleted), recomputes the tenants it
    touched from their balances. A trigger rather than a write in the import because the import
    is not the only writer and a copy that any writer can forget goes wrong silently. SQLite
    (`make run`) has no such triggers: there the import, the only writer of balances in the
    demo, upserts the same way itself (`arrears.importing.keep_current`). Filled for existing
    balances by migration 0003.
    """

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="current_rent_balance"
    )
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    as_at = models.DateField()
    weekly_rent = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        indexes = [
            # The worklist: those owing, highest first (ties by tenant), read in index order.
            models.Index(
                fields=["-balance", "tenant"],
                condition=Q(balance__gt=0),
                name="currentbalance_owed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.tenant_id}: {self.balance} at {self.as_at}"
