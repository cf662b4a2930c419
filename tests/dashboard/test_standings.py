"""The tenants behind the cohort counts (issue 20): each refresh writes them beside its figures
(dashboard.models.TenantStanding), and the tenant list reads them, so every count on the
dashboard is the length of the list it opens, and the list holds the tenants the queue's own due
rule found when the count was worked out, most overdue first."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from dashboard.lists import STANDINGS, tenants_list
from dashboard.models import TenantStanding
from dashboard.refresh import dashboard_refresh
from dashboard.tables import ALL_TEAMS, NO_TEAM, cohort_lines, team_scope
from tests.dashboard.helpers import NOW, TODAY, more_of_everything
from tests.factories import TenantFactory
from welfare.cadence import call_tenants
from welfare.models import Cohort

pytestmark = pytest.mark.django_db

SIGN = {"overdue": 1, "due_today": 0, "up_to_date": -1}


@pytest.fixture
def snapshot(world):
    return dashboard_refresh(now=NOW)


def scopes(world):
    teams = [world.north, world.south]
    return [
        ALL_TEAMS,
        NO_TEAM,
        team_scope(str(world.north.pk), teams),
        team_scope(str(world.south.pk), teams),
    ]


def by_the_due_rule(code, standing, scope):
    """The tenants the live due rule finds at NOW, in the list's order (its old query)."""
    tenants = call_tenants().eligible_for_calls(TODAY).with_cadence(TODAY)
    if code == Cohort.Code.EVERYONE_ELSE:
        for other in call_tenants().call_cohort_rules(TODAY):
            tenants = tenants.filter(**{f"in_{other}": False})
    else:
        tenants = tenants.filter(**{f"in_{code}": True})
    tenants = tenants.filter(call_cadence_days__isnull=False)
    if scope is NO_TEAM:
        tenants = tenants.filter(patch__team__isnull=True)
    elif not scope.is_all:
        tenants = tenants.filter(patch__team=scope.team_id)
    ordered = tenants.order_by("-call_days_overdue", "last_name", "id")
    return [t.pk for t in ordered if standing == "" or _sign(t.call_days_overdue) == SIGN[standing]]


def _sign(days):
    return (days > 0) - (days < 0)


def test_every_cohort_count_is_its_list_and_the_due_rules_tenants(world, snapshot):
    checked = 0
    for scope in scopes(world):
        for line in cohort_lines(snapshot, scope):
            if not line.cadence_days:
                continue
            for standing, figure in [
                ("", line.tenants),
                ("up_to_date", line.up_to_date),
                ("due_today", line.due_today),
                ("overdue", line.overdue),
            ]:
                values = {"cohort": line.code, "standing": standing, "team": scope.value}
                listed = tenants_list(values, snapshot)
                shown = [row.tenant_id for row in listed.rows]
                assert listed.count() == figure == len(shown), (scope.label, line.code, standing)
                assert shown == by_the_due_rule(line.code, standing, scope)
                checked += figure
    assert checked > 20  # the world's tenants, counted in several cohorts, teams and standings


def test_any_cohort_lists_each_tenant_once_most_overdue_first(world, snapshot):
    listed = tenants_list({"standing": "overdue"}, snapshot)
    t = world.tenants
    # Fisher 10 days over 90, Khan 16 and Clarke 6 over 14, Davies 3 over 7: each once although
    # Davies is in two cohorts.
    assert [row.tenant_id for row in listed.rows] == [t.k.pk, t.f.pk, t.c.pk, t.d.pk]
    assert [row.days_overdue for row in listed.rows] == [16, 10, 6, 3]
    assert listed.count() == 4
    every = tenants_list({}, snapshot)
    assert every.count() == len(list(every.rows)) == 12  # the eligible tenants, each once
    assert [row.position for row in every.rows] == list(range(1, 13))


def test_the_list_page_shows_the_count_and_says_when_it_was_worked_out(
    world, snapshot, manager_client
):
    north = world.north.pk
    query = {"cohort": "aged_70", "standing": "overdue", "team": north}
    late = TenantFactory(  # overdue since before the refresh, but added after it
        patch=world.tenants.a.patch, date_of_birth=world.tenants.a.date_of_birth
    )
    page = manager_client.get(reverse("dashboard:list", args=["tenants"]), query)
    text = page.content.decode()
    assert "<strong>2</strong> tenants." in text  # Clarke and Davies, as on the dashboard
    assert "As worked out at 12:00 on 18 November 2026" in text
    assert escape(late.full_name) not in text  # as the page would write it
    dashboard = manager_client.get("/dashboard/", {"team": north}).content.decode()
    link = reverse("dashboard:list", args=["tenants"]) + "?" + urlencode(query)
    assert re.search(rf'href="{re.escape(link.replace("&", "&amp;"))}">2<', dashboard)


def test_before_the_first_refresh_the_list_says_so(manager_client):
    page = manager_client.get(reverse("dashboard:list", args=["tenants"])).content.decode()
    assert "The figures have not been worked out yet." in page
    assert "<strong>0</strong> tenants." in page


def test_a_refresh_keeps_the_rows_of_the_snapshot_before_and_deletes_older(world):
    first = dashboard_refresh(now=NOW)
    second = dashboard_refresh(now=NOW)
    third = dashboard_refresh(now=NOW)
    kept = set(TenantStanding.objects.values_list("snapshot_id", flat=True))
    assert kept == {second.pk, third.pk} and first.pk not in kept
    assert TenantStanding.objects.filter(snapshot=third).count() == 12


def test_the_refresh_queries_do_not_grow_with_the_tenants(world):
    dashboard_refresh(now=NOW)  # two, so each refresh below deletes the one before the last
    dashboard_refresh(now=NOW)
    with CaptureQueriesContext(connection) as small:
        dashboard_refresh(now=NOW)
    more_of_everything(team_count=4, tenants_per_team=12)
    with CaptureQueriesContext(connection) as large:
        snapshot = dashboard_refresh(now=NOW)
    assert TenantStanding.objects.filter(snapshot=snapshot).count() == 12 + 48
    assert len(large) == len(small)
    inserts = [q["sql"] for q in large if "INSERT INTO dashboard_tenantstanding" in q["sql"]]
    assert len(inserts) == 1  # one INSERT ... SELECT, whatever the number of tenants


@pytest.mark.parametrize("standing", ["", *STANDINGS])
def test_the_csv_has_the_lists_tenants(world, snapshot, manager_client, standing):
    query = {"standing": standing} if standing else {}
    response = manager_client.get(reverse("dashboard:list_csv", args=["tenants"]), query)
    lines = b"".join(response.streaming_content).decode().splitlines()[1:]
    listed = tenants_list(query, snapshot)
    assert [line.split(",")[0] for line in lines] == [r.tenant.tenancy_ref for r in listed.rows]
    assert len(lines) == listed.count()
