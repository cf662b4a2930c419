"""The manager dashboard (DOMAIN.md, "Manager dashboard"): the refresh that works its figures out,
and the reads that turn a snapshot of them into tables.

`dashboard_refresh` runs every 15 minutes on Celery beat (config/celery_app.py) and when a manager
asks. Each figure table is one set-based GROUP BY over the live tables (two where a rule lives in
its own queryset method, so the rule is not written twice), returning a handful of rows per team;
the rows are folded in Python and written as a new `DashboardSnapshot`. Who is up to date with
their calls comes from the queue's own due rule, `Tenant.objects.with_cadence(on)`. On
PostgreSQL the refresh runs under a transaction-level advisory lock: a second refresh at the
same time skips, and one that runs later writes a fresh snapshot.

The page reads only the latest snapshot, one query per table, whatever the size of the data.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Sign
from django.utils import timezone

from arrears.models import ArrearsFlag
from services.models import STATUS_HEADINGS
from services.models import Status as ServiceStatus
from services.selectors import public_status
from tenants.models import Tenant

from .call_models import Call, Escalation
from .dashboard_models import (
    AGE_BAND_ENDS,
    AgeBand,
    ArrearsFigure,
    CallDayFigure,
    CohortFigure,
    DashboardSnapshot,
    EscalationFigure,
    HelpFigure,
    ServiceFigure,
)
from .help_models import HelpRequest, Need
from .models import Cohort

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: a fixed 64-bit number no other job uses ("welfdash").
LOCK_KEY = 0x77656C6664617368
# Calls per day are shown for this many days, today included.
CALL_DAYS = 90
EVERYONE_ELSE = Cohort.Code.EVERYONE_ELSE.value


# The refresh -------------------------------------------------------------------------------


def _cohort_figures(on):
    """Eligible tenants per team and cohort: up to date, due today, overdue (the due rule)."""
    codes = list(Tenant.objects.call_cohort_rules(on))
    flags = [f"in_{code}" for code in codes]
    # One row per team and combination of cohorts and standing (-1 up to date, 0 due today,
    # 1 overdue, None no cadence: "everyone else" switched off), so the database groups a
    # million tenants into a few hundred rows and Python adds them up per cohort.
    rows = (
        Tenant.objects.eligible_for_calls(on)
        .with_cadence(on)
        .annotate(team=F("patch__team_id"), standing=Sign("call_days_overdue"))
        .values("team", *flags, "standing")
        .annotate(tenants=Count("id"))
        .order_by()
    )
    figures = {}
    for row in rows:
        member_of = [code for code in codes if row[f"in_{code}"]] or [EVERYONE_ELSE]
        for code in member_of:
            figure = figures.get((row["team"], code))
            if figure is None:
                figure = figures[row["team"], code] = CohortFigure(team_id=row["team"], cohort=code)
            figure.tenants += row["tenants"]
            if row["standing"] is None:
                continue
            standing = int(row["standing"])
            if standing < 0:
                figure.up_to_date += row["tenants"]
            elif standing == 0:
                figure.due_today += row["tenants"]
            else:
                figure.overdue += row["tenants"]
    return list(figures.values())


def _call_day_figures(on):
    """Calls per day over the last CALL_DAYS days, by the team of the task they were made on."""
    rows = (
        Call.objects.filter(made_on__gte=on - timedelta(days=CALL_DAYS - 1), made_on__lte=on)
        .values("made_on", team=F("task__team_id"))
        .annotate(n_calls=Count("id"), n_spoke=Count("id", filter=Q(outcome=Call.Outcome.SPOKE)))
        .order_by()
    )
    return [
        CallDayFigure(team_id=r["team"], day=r["made_on"], calls=r["n_calls"], spoke=r["n_spoke"])
        for r in rows
    ]


def _escalation_figures(now):
    """Open escalations per team, reason and age band (how long they have been open at `now`)."""
    age = Case(
        *(
            When(opened_at__gt=now - timedelta(days=days), then=Value(band.value))
            for band, days in AGE_BAND_ENDS
        ),
        default=Value(AgeBand.DAYS_7_OR_MORE.value),
    )
    rows = (
        Escalation.objects.filter(status=Escalation.Status.OPEN)
        .annotate(age=age)
        .values("team", "reason", "age")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        EscalationFigure(team_id=r["team"], reason=r["reason"], age=r["age"], count=r["n"])
        for r in rows
    ]


def _help_figures(now):
    """Here to Help requests per team, need and status, and how many are past their target."""
    groups = ("team", "need", "status")
    figures = {}

    def figure(r):
        key = (r["team"], r["need"], r["status"])
        if key not in figures:  # also for a request that changed between the two queries
            figures[key] = HelpFigure(team_id=r["team"], need=r["need"], status=r["status"])
        return figures[key]

    for r in HelpRequest.objects.values(*groups).annotate(n=Count("id")).order_by():
        figure(r).count = r["n"]
    # The "past target" rule is HelpRequestQuerySet.past_target's, not repeated here.
    late = HelpRequest.objects.past_target(now).values(*groups).annotate(n=Count("id")).order_by()
    for r in late:
        figure(r).past_target = r["n"]
    return list(figures.values())


def _arrears_figures(on):
    """Arrears flags per team (the tenant's patch's) and reason: not closed, closed, and reviews
    due by the review rule (ArrearsFlagQuerySet.due_for_review)."""
    team = F("tenant__patch__team_id")
    figures = {}

    def figure(r):
        key = (r["team"], r["reason"])
        if key not in figures:  # also for a flag raised between the two queries
            figures[key] = ArrearsFigure(team_id=r["team"], reason=r["reason"])
        return figures[key]

    rows = ArrearsFlag.objects.values("reason", "status", team=team).annotate(n=Count("id"))
    for r in rows.order_by():
        if r["status"] == ArrearsFlag.Status.CLOSED:
            figure(r).closed += r["n"]
        else:
            figure(r).open += r["n"]
    due = ArrearsFlag.objects.due_for_review(on).values("reason", team=team)
    for r in due.annotate(n=Count("id")).order_by():
        figure(r).review_due = r["n"]
    return list(figures.values())


def _service_figures(now):
    """Services by the status in force at `now`, as the public page has them."""
    return [
        ServiceFigure(status=group.status, count=len(group.services))
        for group in public_status(at=now).groups
    ]


def _cohort_settings():
    return [
        {"code": c.code, "name": c.name, "cadence_days": c.cadence_days, "active": c.active}
        for c in Cohort.objects.order_by("id")
    ]


def dashboard_refresh(*, now=None):
    """Work out every figure as at `now` (default: now) and make it the latest snapshot.

    Returns the snapshot, or None when another refresh holds the lock (it will write one).
    The snapshot before this one is kept, so a page that started reading it a moment ago still
    finds its rows; older ones are deleted in the same transaction.
    """
    now = now or timezone.now()
    on = timezone.localdate(now)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                if not cursor.fetchone()[0]:
                    logger.info("Dashboard refresh skipped: another is running")
                    return None
                # Room for the hash aggregates over every tenant and call to stay in memory.
                cursor.execute("SET LOCAL work_mem = '64MB'")
        previous = list(DashboardSnapshot.objects.order_by("-id").values_list("id", flat=True)[:1])
        snapshot = DashboardSnapshot.objects.create(
            computed_at=now, as_of=on, cohorts=_cohort_settings()
        )
        for model, figures in (
            (CohortFigure, _cohort_figures(on)),
            (CallDayFigure, _call_day_figures(on)),
            (EscalationFigure, _escalation_figures(now)),
            (HelpFigure, _help_figures(now)),
            (ArrearsFigure, _arrears_figures(on)),
            (ServiceFigure, _service_figures(now)),
        ):
            for figure in figures:
                figure.snapshot = snapshot
            model.objects.bulk_create(figures)
        DashboardSnapshot.objects.exclude(pk__in=[snapshot.pk, *previous]).delete()
        snapshot.seconds = round(time.perf_counter() - started, 3)
        snapshot.save(update_fields=["seconds"])
    logger.info("Dashboard refreshed in %.1f s", snapshot.seconds)
    return snapshot


@shared_task(name="welfare.refresh_dashboard")
def refresh_dashboard_task():
    """The every-15-minutes beat job (config/celery_app.py). Safe to run twice."""
    snapshot = dashboard_refresh()
    if snapshot is None:
        return {"skipped": True}
    return {
        "skipped": False,
        "snapshot": snapshot.pk,
        "computed_at": snapshot.computed_at.isoformat(),
        "seconds": snapshot.seconds,
    }


# The reads ---------------------------------------------------------------------------------


def latest_snapshot():
    return DashboardSnapshot.objects.order_by("-id").first()


@dataclass(frozen=True)
class TeamScope:
    """Which team's figures to show: every team (`value` ""), "none" (no team), or a team's pk."""

    value: str
    label: str
    slug: str
    team_id: int | None = None

    @property
    def is_all(self):
        return self.value == ""

    def filter(self, queryset):
        if self.is_all:
            return queryset
        return queryset.filter(team_id=self.team_id)  # None: `team IS NULL`


ALL_TEAMS = TeamScope("", "All teams", "all-teams")
NO_TEAM = TeamScope("none", "No team", "no-team")


def team_scope(value, teams):
    """The scope the `team` query parameter asks for, among `teams`; None if there is no such."""
    value = (value or "").strip()
    if value in ("", "all"):
        return ALL_TEAMS
    if value == NO_TEAM.value:
        return NO_TEAM
    for team in teams:
        if str(team.pk) == value:
            return TeamScope(str(team.pk), team.name, f"team-{team.pk}", team.pk)
    return None


def percent(part, whole):
    """Whole percent, rounded down (so 100 means every one); None when there is nothing to count."""
    return part * 100 // whole if whole else None


@dataclass
class Row:
    label: str
    cells: list
    csv_label: str = ""  # when the CSV wants another form of the label (ISO dates)


@dataclass
class Table:
    """A table of figures as shown on the page and downloaded as CSV: the same cells for both."""

    slug: str
    caption: str
    headers: list
    rows: list = field(default_factory=list)

    def csv_rows(self):
        yield self.headers
        for row in self.rows:
            yield [row.csv_label or row.label, *("" if c is None else c for c in row.cells)]


@dataclass
class CohortLine:
    code: str
    name: str
    cadence_days: int | None
    tenants: int
    up_to_date: int
    due_today: int
    overdue: int

    @property
    def percent_up_to_date(self):
        return percent(self.up_to_date, self.tenants) if self.cadence_days else None

    @property
    def headline(self):
        if not self.cadence_days:
            return f"{self.name}: calls switched off"
        if not self.tenants:
            return f"{self.name}: no tenants"
        return f"{self.name}: {self.percent_up_to_date}% called within {self.cadence_days} days"


def cohort_lines(snapshot, scope):
    sums = {
        r["cohort"]: r
        for r in scope.filter(CohortFigure.objects.filter(snapshot=snapshot))
        .values("cohort")
        .annotate(
            n_tenants=Sum("tenants"),
            n_up_to_date=Sum("up_to_date"),
            n_due_today=Sum("due_today"),
            n_overdue=Sum("overdue"),
        )
        .order_by()
    }
    lines = []
    for cohort in snapshot.cohorts:
        r = sums.get(cohort["code"], {})
        lines.append(
            CohortLine(
                code=cohort["code"],
                name=cohort["name"],
                cadence_days=cohort["cadence_days"] if cohort["active"] else None,
                tenants=r.get("n_tenants") or 0,
                up_to_date=r.get("n_up_to_date") or 0,
                due_today=r.get("n_due_today") or 0,
                overdue=r.get("n_overdue") or 0,
            )
        )
    return lines


def cohort_table(snapshot, scope, lines=None):
    lines = cohort_lines(snapshot, scope) if lines is None else lines
    table = Table(
        "cohorts",
        "Welfare calls by cohort",
        [
            "Cohort",
            "Call every (days)",
            "Tenants",
            "Up to date",
            "Due today",
            "Overdue",
            "Up to date (%)",
        ],
    )
    for line in lines:
        table.rows.append(
            Row(
                line.name,
                [
                    line.cadence_days or "Switched off",
                    line.tenants,
                    line.up_to_date,
                    line.due_today,
                    line.overdue,
                    line.percent_up_to_date,
                ],
            )
        )
    return table


@dataclass
class CallDay:
    day: object
    calls: int
    spoke: int

    @property
    def contact_rate(self):
        return percent(self.spoke, self.calls)


def call_days(snapshot, scope):
    """Every one of the last CALL_DAYS days up to the snapshot's day, oldest first."""
    sums = {
        r["day"]: r
        for r in scope.filter(CallDayFigure.objects.filter(snapshot=snapshot))
        .values("day")
        .annotate(n_calls=Sum("calls"), n_spoke=Sum("spoke"))
        .order_by()
    }
    days = []
    for back in range(CALL_DAYS - 1, -1, -1):
        day = snapshot.as_of - timedelta(days=back)
        r = sums.get(day, {})
        days.append(CallDay(day, r.get("n_calls") or 0, r.get("n_spoke") or 0))
    return days


def calls_table(snapshot, scope, days=None):
    days = call_days(snapshot, scope) if days is None else days
    table = Table(
        "calls",
        f"Calls made per day, last {CALL_DAYS} days, newest first",
        ["Date", "Calls", "Spoke to tenant", "Contact rate (%)"],
    )
    for day in reversed(days):
        table.rows.append(
            Row(
                f"{day.day:%a %-d %b %Y}",
                [day.calls, day.spoke, day.contact_rate],
                csv_label=day.day.isoformat(),
            )
        )
    return table


def escalations_table(snapshot, scope):
    counts = {
        (r["age"], r["reason"]): r["n"]
        for r in scope.filter(EscalationFigure.objects.filter(snapshot=snapshot))
        .values("age", "reason")
        .annotate(n=Sum("count"))
        .order_by()
    }
    reasons = list(Escalation.Reason)
    table = Table(
        "escalations",
        "Open escalations by how long they have been open",
        ["Open for", *(reason.label for reason in reasons), "All reasons"],
    )
    for band in [*AgeBand, None]:
        if band is None:
            cells = [sum(v for (_, reason), v in counts.items() if reason == r) for r in reasons]
            label = "All open escalations"
        else:
            cells = [counts.get((band.value, reason.value), 0) for reason in reasons]
            label = band.label
        table.rows.append(Row(label, [*cells, sum(cells)]))
    return table


def help_table(snapshot, scope):
    figures = {
        (r["need"], r["status"]): r
        for r in scope.filter(HelpFigure.objects.filter(snapshot=snapshot))
        .values("need", "status")
        .annotate(n=Sum("count"), n_late=Sum("past_target"))
        .order_by()
    }
    statuses = list(HelpRequest.Status)
    table = Table(
        "requests",
        "Here to Help requests by need and status",
        ["Need", *(status.label for status in statuses), "Open and past target time"],
    )
    totals = [0] * (len(statuses) + 1)
    for need in Need:
        found = [figures.get((need.value, status.value), {}) for status in statuses]
        cells = [r.get("n") or 0 for r in found]
        cells.append(sum(r.get("n_late") or 0 for r in found))
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
        table.rows.append(Row(need.label, cells))
    table.rows.append(Row("All needs", totals))
    return table


def arrears_table(snapshot, scope):
    sums = {
        r["reason"]: r
        for r in scope.filter(ArrearsFigure.objects.filter(snapshot=snapshot))
        .values("reason")
        .annotate(n_open=Sum("open"), n_due=Sum("review_due"), n_closed=Sum("closed"))
        .order_by()
    }
    table = Table(
        "arrears",
        "Arrears flags by reason",
        ["Reason", "Not closed", "Review due", "Closed"],
    )
    totals = [0, 0, 0]
    for reason in ArrearsFlag.Reason:
        r = sums.get(reason.value, {})
        cells = [r.get("n_open") or 0, r.get("n_due") or 0, r.get("n_closed") or 0]
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
        table.rows.append(Row(reason.label, cells))
    table.rows.append(Row("All reasons", totals))
    return table


def services_table(snapshot, scope=None):
    """Services by status: the register is not team data, so every scope sees the same."""
    counts = dict(
        ServiceFigure.objects.filter(snapshot=snapshot).values_list("status", "count").order_by()
    )
    table = Table("services", "Services by status", ["Status", "Services"])
    for status in ServiceStatus:
        table.rows.append(Row(STATUS_HEADINGS[status], [counts.get(status.value, 0)]))
    return table


TABLES = {
    "cohorts": cohort_table,
    "calls": calls_table,
    "escalations": escalations_table,
    "requests": help_table,
    "arrears": arrears_table,
    "services": services_table,
}
