"""The manager dashboard's summary tables (DOMAIN.md, "Manager dashboard").

Each refresh (dashboard/refresh.py) writes one `DashboardSnapshot` and its figures: counts per
team (a blank team is "No team": tenants with no patch, tasks and requests with no team), never
a tenant. The dashboard page and its CSV downloads read only these tables, so what they cost
does not depend on how many tenants, calls or requests there are.

The models moved here from welfare and keep their tables (`welfare_*`, see migrations/0001), so a
database upgrades in place.
"""

from django.db import models

from services.models import Status as ServiceStatus


class AgeBand(models.TextChoices):
    """How long an open escalation has waited; each band runs up to (not including) its end."""

    UNDER_1_DAY = "under_1_day", "Under 1 day"
    DAYS_1_TO_3 = "1_to_3_days", "1 to 3 days"
    DAYS_3_TO_7 = "3_to_7_days", "3 to 7 days"
    DAYS_7_OR_MORE = "7_days_or_more", "7 days or more"


# The end of each band in days, in band order; the last band has no end.
AGE_BAND_ENDS = [(AgeBand.UNDER_1_DAY, 1), (AgeBand.DAYS_1_TO_3, 3), (AgeBand.DAYS_3_TO_7, 7)]


class DashboardSnapshot(models.Model):
    """One refresh: when its figures were worked out, and the cohort settings at the time."""

    computed_at = models.DateTimeField(help_text="The moment the figures describe.")
    as_of = models.DateField(help_text="The day in Europe/London: due dates count from it.")
    cohorts = models.JSONField(
        default=list,
        help_text="Each cohort's code, name, cadence and whether calls were switched on.",
    )
    seconds = models.FloatField("time taken (seconds)", default=0)

    class Meta:
        db_table = "welfare_dashboardsnapshot"
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self):
        return f"Dashboard figures as of {self.computed_at:%Y-%m-%d %H:%M}"


class _Figure(models.Model):
    # Read by snapshot and team: each table's (snapshot, team) index serves the foreign key too.
    snapshot = models.ForeignKey(
        DashboardSnapshot, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: no team.",
    )

    class Meta:
        abstract = True


class CohortFigure(_Figure):
    """Eligible tenants of a team in a cohort, by where they stand under the due rule."""

    cohort = models.CharField(max_length=30)
    tenants = models.PositiveIntegerField(default=0)
    up_to_date = models.PositiveIntegerField(default=0)
    due_today = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "welfare_cohortfigure"
        indexes = [models.Index(fields=["snapshot", "team"], name="cohortfigure_snapshot_idx")]

    def __str__(self):
        return f"{self.cohort}: {self.up_to_date} of {self.tenants} up to date"


class CallDayFigure(_Figure):
    """Calls made on a day on a team's call tasks, and how many reached the tenant."""

    day = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    spoke = models.PositiveIntegerField("spoke to tenant", default=0)

    class Meta:
        db_table = "welfare_calldayfigure"
        indexes = [models.Index(fields=["snapshot", "team"], name="calldayfigure_snapshot_idx")]

    def __str__(self):
        return f"{self.day}: {self.spoke} of {self.calls} calls reached the tenant"


class EscalationFigure(_Figure):
    """Open escalations of a team by reason and by how long they have been open."""

    reason = models.CharField(max_length=20)
    age = models.CharField(max_length=20, choices=AgeBand)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "welfare_escalationfigure"
        indexes = [models.Index(fields=["snapshot", "team"], name="escalationfigure_snapshot_idx")]

    def __str__(self):
        return f"{self.reason}, {self.age}: {self.count}"


class HelpFigure(_Figure):
    """Here to Help requests of a team by need and status; open ones past their target time."""

    need = models.CharField(max_length=30)
    status = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)
    past_target = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "welfare_helpfigure"
        indexes = [models.Index(fields=["snapshot", "team"], name="helpfigure_snapshot_idx")]

    def __str__(self):
        return f"{self.need}, {self.status}: {self.count}"


class ArrearsFigure(_Figure):
    """Arrears flags of a team's tenants by reason: not closed, reviews due, closed."""

    reason = models.CharField(max_length=20)
    open = models.PositiveIntegerField("not closed", default=0)
    review_due = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "welfare_arrearsfigure"
        indexes = [models.Index(fields=["snapshot", "team"], name="arrearsfigure_snapshot_idx")]

    def __str__(self):
        return f"{self.reason}: {self.open} open, {self.review_due} reviews due"


# Each cohort the due rule knows, as a bit of TenantStanding.cohorts and TenantGroupFigure.cohorts
# ("everyone else" is a tenant in none of them: 0). Fixed, so a stored mask keeps its meaning.
COHORT_BITS = {
    "aged_70": 1,
    "unwell": 2,
    "independent_living": 4,
    "supported_living": 8,
    "lifeline": 16,
}


class TenantGroupFigure(_Figure):
    """Eligible tenants of a team with the same cohorts and standing: the counts the cohort
    figures are added up from, and what the tenant list counts for any filter."""

    cohorts = models.PositiveSmallIntegerField(help_text="COHORT_BITS of the tenants' cohorts.")
    standing = models.SmallIntegerField(
        null=True, help_text="1 overdue, 0 due today, -1 up to date; blank: not called."
    )
    tenants = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "team"], name="tenantgroup_snapshot_idx")]

    def __str__(self):
        return f"cohorts {self.cohorts}, standing {self.standing}: {self.tenants}"


class TenantStanding(models.Model):
    """An eligible tenant as a refresh found them: the tenants behind its cohort counts (the
    lists behind the counts read these, so a list shows the tenants its count counted).

    Written in one INSERT ... SELECT per refresh and deleted with its snapshot. `position` is
    the list's order (most overdue first, then last name, then id), so every standing is a run
    of positions and a page is a range of an index. No foreign key constraints: a million rows
    are written at once and checked by nothing; a row whose tenant has gone drops out of the
    list's join."""

    pk = models.CompositePrimaryKey("snapshot", "position")
    snapshot = models.ForeignKey(
        DashboardSnapshot,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the primary key's index leads with it
    )
    position = models.PositiveIntegerField()
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # tenantstanding_team_idx leads with the snapshot
        help_text="The team of the tenant's patch; blank: no team.",
    )
    cohorts = models.PositiveSmallIntegerField(help_text="COHORT_BITS of the tenant's cohorts.")
    cadence_days = models.PositiveSmallIntegerField(null=True)
    days_overdue = models.IntegerField(
        null=True, help_text="0 on the day due, negative before; blank: not called."
    )

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "team", "position"], name="tenantstanding_team_idx")
        ]

    def __str__(self):
        return f"Tenant {self.tenant_id}: {self.days_overdue} days overdue"


class ServiceFigure(models.Model):
    """Services by their status in force (the register is not team data)."""

    snapshot = models.ForeignKey(DashboardSnapshot, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ServiceStatus)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "welfare_servicefigure"

    def __str__(self):
        return f"{self.status}: {self.count}"


from .trend_models import *  # noqa: E402, F403  The daily up-to-date record
