"""The manager dashboard (DOMAIN.md, "Manager dashboard"): the refresh that works its figures out,
and the reads that turn a snapshot of them into tables.

`dashboard_refresh` runs every 15 minutes on Celery beat (config/celery_app.py) and when a manager
asks. Who is up to date with their calls comes from the queue's own due rule,
`call_tenants().with_cadence(on)`: every eligible tenant's cohorts, team and days overdue are
written in one INSERT ... SELECT as the snapshot's `TenantStanding` rows, numbered in the tenant
list's order (the lists behind the counts read them), and the cohort figures are grouped from
those rows, so each count is the length of its list. Each other figure table is one set-based
GROUP BY over the live tables (two where a rule lives in its own queryset method, so the rule is
not written twice), returning a handful of rows per team; the rows are folded in Python and
written as a new `DashboardSnapshot`. On
PostgreSQL the refresh runs under a transaction-level advisory lock: a second refresh at the
same time skips, and one that runs later writes a fresh snapshot.

The page reads only the latest snapshot, one query per table, whatever the size of the data
(dashboard/tables.py); the Celery task is in dashboard/tasks.py.
"""

import logging
import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber, Sign
from django.utils import timezone

from arrears.models import ArrearsFlag
from config.locks import advisory_xact_lock
from here_to_help.models import HelpRequest
from services.selectors import public_status
from welfare.cadence import call_tenants
from welfare.models import Call, Cohort, Escalation

from .models import (
    AGE_BAND_ENDS,
    COHORT_BITS,
    AgeBand,
    ArrearsFigure,
    CallDayFigure,
    CohortFigure,
    DashboardSnapshot,
    EscalationFigure,
    HelpFigure,
    ServiceFigure,
    TenantGroupFigure,
    TenantStanding,
)
from .trend import record_up_to_date_day

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: a fixed 64-bit number no other job uses ("welfdash").
LOCK_KEY = 0x77656C6664617368
# Calls per day are shown for this many days, today included.
CALL_DAYS = 90
EVERYONE_ELSE = Cohort.Code.EVERYONE_ELSE.value


# The refresh -------------------------------------------------------------------------------


def _standing_rows(on):
    """Every eligible tenant's team, cohorts (COHORT_BITS), cadence and days overdue by the
    queue's own due rule, numbered in the list's order: most overdue first, then by name."""
    rules = call_tenants().call_cohort_rules(on)
    mask = sum(
        (
            Case(When(rule, then=Value(COHORT_BITS[code])), default=Value(0))
            for code, rule in rules.items()  # a rule without a bit fails here, loudly
        ),
        start=Value(0),
    )
    return (
        call_tenants()
        .eligible_for_calls(on)
        .with_cadence(on)
        .annotate(
            team=F("patch__team_id"),
            mask=mask,
            position=Window(
                RowNumber(),
                order_by=[F("call_days_overdue").desc(nulls_last=True), "last_name", "id"],
            ),
        )
        .values("position", "id", "team", "mask", "call_cadence_days", "call_days_overdue")
        .order_by()
    )


def _write_standings(snapshot, on):
    """The tenants behind the counts, in one INSERT ... SELECT (no tenant passes through
    Python). SQLite (the demo) gets the same rows through the ORM."""
    rows = _standing_rows(on)
    columns = ", ".join(
        f'q."{name}"'
        for name in ("position", "id", "team", "mask", "call_cadence_days", "call_days_overdue")
    )
    if connection.vendor != "postgresql":
        TenantStanding.objects.bulk_create(
            TenantStanding(
                snapshot=snapshot,
                position=r["position"],
                tenant_id=r["id"],
                team_id=r["team"],
                cohorts=r["mask"],
                cadence_days=r["call_cadence_days"],
                days_overdue=r["call_days_overdue"],
            )
            for r in rows.iterator()
        )
        return
    sql, params = rows.query.sql_with_params()
    # The ORM's own SQL and our names; every value is a parameter.
    table = TenantStanding._meta.db_table
    insert = (
        f"INSERT INTO {table} (snapshot_id, position, tenant_id, team_id, cohorts, "  # noqa: S608
        f"cadence_days, days_overdue) SELECT %s, {columns} FROM ({sql}) q"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [snapshot.pk, *params])


def _cohort_figures(snapshot):
    """Eligible tenants per team and cohort: up to date, due today, overdue (the due rule),
    added up from the snapshot's tenants (so each count is its list's length)."""
    # One row per team, combination of cohorts and standing (-1 up to date, 0 due today,
    # 1 overdue, None no cadence: "everyone else" switched off), so the database groups a
    # million rows into a few hundred and Python adds them up per cohort.
    rows = (
        TenantStanding.objects.filter(snapshot=snapshot)
        .values("team", "cohorts", standing=Sign("days_overdue"))
        .annotate(tenants=Count("*"))
        .order_by()
    )
    groups, figures = [], {}
    for row in rows:
        standing = None if row["standing"] is None else int(row["standing"])
        groups.append(
            TenantGroupFigure(
                team_id=row["team"],
                cohorts=row["cohorts"],
                standing=standing,
                tenants=row["tenants"],
            )
        )
        member_of = [code for code, bit in COHORT_BITS.items() if row["cohorts"] & bit]
        for code in member_of or [EVERYONE_ELSE]:
            figure = figures.get((row["team"], code))
            if figure is None:
                figure = figures[row["team"], code] = CohortFigure(team_id=row["team"], cohort=code)
            figure.tenants += row["tenants"]
            if standing is None:
                continue
            if standing < 0:
                figure.up_to_date += row["tenants"]
            elif standing == 0:
                figure.due_today += row["tenants"]
            else:
                figure.overdue += row["tenants"]
    return groups, list(figures.values())


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
        if not advisory_xact_lock(LOCK_KEY):
            logger.info("Dashboard refresh skipped: another is running")
            return None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Room for the hash aggregates over every tenant and call, and for the sort
                # that numbers the tenants in list order, to stay in memory.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        previous = list(DashboardSnapshot.objects.order_by("-id").values_list("id", flat=True)[:1])
        snapshot = DashboardSnapshot.objects.create(
            computed_at=now, as_of=on, cohorts=_cohort_settings()
        )
        _write_standings(snapshot, on)
        groups, cohorts = _cohort_figures(snapshot)
        for model, figures in (
            (TenantGroupFigure, groups),
            (CohortFigure, cohorts),
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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Statistics that know the new snapshot's rows (ANALYZE samples this
                # transaction's own), or the lists' plans guess it holds none.
                cursor.execute(f"ANALYZE {TenantStanding._meta.db_table}")
        record_up_to_date_day(snapshot)  # the day's line of the 90-day trend (trend.py)
        snapshot.seconds = round(time.perf_counter() - started, 3)
        snapshot.save(update_fields=["seconds"])
    logger.info("Dashboard refreshed in %.1f s", snapshot.seconds)
    return snapshot
