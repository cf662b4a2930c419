"""Helpers shared by the dashboard tests (split from test_dashboard.py along its sections)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dashboard.tables import team_scope
from tests import csv_support
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    HelpRequestFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
)
from welfare.call_models import Call, Escalation

LONDON = ZoneInfo("Europe/London")


# A Wednesday at noon: every date below counts from it.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()


def days_ago(days, hours=0):
    return NOW - timedelta(days=days, hours=hours)


def born(years_old):
    """A birthday in January `years_old` years ago: that age on TODAY (18 November)."""
    return date(TODAY.year - years_old, 1, 15)


def log_call(task, officer, when, outcome):
    extra = {"wellbeing": "good"} if outcome == Call.Outcome.SPOKE else {}
    if outcome == Call.Outcome.CALL_BACK:
        extra["call_back_at"] = when + timedelta(hours=2)
    return Call.objects.create(
        task=task,
        tenant=task.tenant,
        officer=officer,
        made_at=when,
        made_on=timezone.localdate(when),
        outcome=outcome,
        **extra,
    )


def rows(table):
    return [[row.label, *row.cells] for row in table.rows]


def north_scope(world):
    return team_scope(str(world.north.pk), [world.north, world.south])


def read_csv(response):
    return csv_support.lines(response)


URLS = ["/dashboard/", "/dashboard/cohorts.csv"]


def more_of_everything(team_count=3, tenants_per_team=10):
    """A bigger world: more teams, tenants, calls, escalations, requests and flags."""
    for n in range(team_count):
        team = TeamFactory(name=f"Extra team {n}")
        patch = PatchFactory(code=f"EX-{n}", team=team)
        for k in range(tenants_per_team):
            tenant = TenantFactory(
                patch=patch, date_of_birth=born(60 + 3 * k), last_contact_at=days_ago(k * 4)
            )
            task = CallTaskFactory(tenant=tenant, team=team)
            for day in range(k % 4):
                log_call(task, tenant_officer(team), days_ago(day), Call.Outcome.SPOKE)
            if k % 3 == 0:
                Escalation.objects.create(
                    tenant=tenant, team=team, reason="failed_attempts", opened_at=days_ago(k)
                )
            HelpRequestFactory(tenant=tenant, team=team, raised_by=tenant_officer(team))
            ArrearsFlagFactory(tenant=tenant, review_date=TODAY, raised_by=tenant_officer(team))


def tenant_officer(team):
    from tests.factories import OfficerFactory

    return team.members.first() or OfficerFactory(team=team)
