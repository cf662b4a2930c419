"""The reads that turn the latest snapshot of the summary tables into the page's tables and
their CSV downloads: one query per table, whatever the size of the data."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from arrears.models import ArrearsFlag
from here_to_help.models import HelpRequest, Need
from services.models import Status as ServiceStatus
from services.selectors import public_status
from welfare.models import Escalation

from .models import (
    AgeBand,
    ArrearsFigure,
    CallDayFigure,
    CohortFigure,
    DashboardSnapshot,
    EscalationFigure,
    HelpFigure,
)
from .refresh import CALL_DAYS

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
    links: list = field(default_factory=list)  # the list behind each cell, or None


def list_url(name, scope, **query):
    """The list behind a count (dashboard.lists), for the same team."""
    params = {key: value for key, value in query.items() if value}
    if not scope.is_all:
        params["team"] = scope.value
    return reverse("dashboard:list", args=[name]) + ("?" + urlencode(params) if params else "")


@dataclass
class Table:
    """A table of figures as shown on the page and downloaded as CSV: the same cells for both."""

    slug: str
    caption: str
    headers: list
    rows: list = field(default_factory=list)

    @property
    def body(self):
        """Each row with its cells as (figure, the list behind it or None, column header)."""
        for row in self.rows:
            links = row.links or [None] * len(row.cells)
            yield row, list(zip(row.cells, links, self.headers[1:], strict=True))

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
    url: str = ""  # the cohort's up-to-date tenants, when it has any to list

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
        line = lines[-1]
        if line.cadence_days and line.tenants:
            # The tenants its percentage counts (the list gives their share of the cohort).
            line.url = list_url("tenants", scope, cohort=line.code, standing="up_to_date")
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
    settings = reverse("welfare:cohorts")  # the cadence is a setting: it opens the settings
    for line in lines:
        links = [settings, None, None, None, None, None]
        if line.cadence_days:

            def link(standing, code=line.code):
                return list_url("tenants", scope, cohort=code, standing=standing)

            links = [
                settings,
                link(""),
                link("up_to_date"),
                link("due_today"),
                link("overdue"),
                None,
            ]
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
                links=links,
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
        calls = list_url("calls", scope, day=day.day.isoformat())
        table.rows.append(
            Row(
                f"{day.day:%a %-d %b %Y}",
                [day.calls, day.spoke, day.contact_rate],
                csv_label=day.day.isoformat(),
                links=[calls, f"{calls}&reached=on", None],
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
        age = band.value if band else ""
        links = [list_url("escalations", scope, reason=reason.value, age=age) for reason in reasons]
        links.append(list_url("escalations", scope, age=age))
        table.rows.append(Row(label, [*cells, sum(cells)], links=links))
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
        table.rows.append(Row(need.label, cells, links=_request_links(scope, statuses, need)))
    table.rows.append(Row("All needs", totals, links=_request_links(scope, statuses, None)))
    return table


def _request_links(scope, statuses, need):
    need = need.value if need else ""
    return [
        *(list_url("requests", scope, need=need, status=status.value) for status in statuses),
        list_url("requests", scope, need=need, past_target="on"),
    ]


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
        table.rows.append(Row(reason.label, cells, links=_arrears_links(scope, reason.value)))
    table.rows.append(Row("All reasons", totals, links=_arrears_links(scope, "")))
    return table


def _arrears_links(scope, reason):
    """The arrears list (arrears' own page) by reason, status and the team of the tenant's
    patch, as these figures count flags."""
    url = reverse("arrears:flags")
    return [
        f"{url}?{urlencode({'reason': reason, 'status': status, 'team': scope.value})}"
        for status in ("", "review_due", "closed")
    ]


def services_table(snapshot, scope=None):
    """Services by status: the register is not team data, so every scope sees the same.

    Read live, not from the snapshot: a manager who has just changed a service's status comes
    here next, and the register and the list the count opens are live (a few dozen services,
    three queries). The snapshot's figures stay for the trend."""
    counts = {
        group.status: len(group.services) for group in public_status(at=timezone.now()).groups
    }
    table = Table("services", "Services by status", ["Status", "Services"])
    register = reverse("services:register")
    for status in ServiceStatus:
        link = f"{register}?{urlencode({'status': status.value})}"
        # The labels the register, its filter and the public pages use.
        table.rows.append(Row(status.label, [counts.get(status.value, 0)], links=[link]))
    return table


TABLES = {
    "cohorts": cohort_table,
    "calls": calls_table,
    "escalations": escalations_table,
    "requests": help_table,
    "arrears": arrears_table,
    "services": services_table,
}
