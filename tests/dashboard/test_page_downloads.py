"""Teams side by side, the workload by officer and the 90-day trend can be downloaded as CSV:
the page's figures for the page's filters, managers only, a refused filter a 400, and the same
queries however many rows."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from dashboard.refresh import dashboard_refresh
from tests.dashboard.helpers import read_csv
from tests.factories import (
    CallTaskFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
)
from welfare.call_models import Call

pytestmark = pytest.mark.django_db


def aged(patch, days_since_contact):
    return TenantFactory(
        patch=patch,
        date_of_birth=date(1940, 3, 1),
        last_contact_at=timezone.now() - timedelta(days=days_since_contact),
    )


def called(officer, times, outcome=Call.Outcome.SPOKE):
    task = CallTaskFactory(tenant=TenantFactory(patch=officer.team.patches.first()))
    for _ in range(times):
        Call.objects.create(
            task=task,
            tenant=task.tenant,
            officer=officer,
            made_on=timezone.localdate(),
            outcome=outcome,
            wellbeing="good" if outcome == Call.Outcome.SPOKE else "",
        )


def test_teams_side_by_side_downloads_the_figures_shown(manager_client, patch, other_patch):
    aged(patch, 20), aged(patch, 2), aged(other_patch, 2)
    dashboard_refresh()
    page = manager_client.get(reverse("dashboard:teams")).content.decode()
    assert 'id="teams-csv" href="/dashboard/teams.csv"' in page
    response = manager_client.get("/dashboard/teams.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = read_csv(response)
    assert lines[0] == ["Figure", "North team", "South team", "No team"]
    assert ["Aged 70+: up to date (%)", "50", "100", ""] in lines
    assert lines[-2][0] == "Open escalations"


def test_teams_download_before_any_figures_is_not_found(manager_client):
    assert manager_client.get("/dashboard/teams.csv").status_code == 404


def test_workload_download_keeps_the_period_and_team(manager_client, team, other_team, patch):
    PatchFactory(team=other_team)
    north = OfficerFactory(first_name="Nora", last_name="Nield", team=team)
    south = OfficerFactory(first_name="Sid", last_name="Sands", team=other_team)
    called(north, 3)
    called(south, 1, Call.Outcome.NO_ANSWER)
    query = {"days": "7", "team": str(team.pk)}
    page = manager_client.get(reverse("dashboard:workload"), query).content.decode()
    assert f'id="workload-csv" href="/dashboard/officers.csv?days=7&amp;team={team.pk}"' in page
    lines = read_csv(manager_client.get("/dashboard/officers.csv", query))
    assert lines[0][:4] == ["officer", "team", "calls", "contact_rate_percent"]
    assert lines[1:] == [["Nora Nield", "North team", "3", "100", "0", "0", "0"]]
    every = read_csv(manager_client.get("/dashboard/officers.csv"))
    assert ["Sid Sands", "South team", "1", "0", "0", "0", "0"] in every


@pytest.mark.parametrize("query", [{"days": "365"}, {"team": "999999"}, {"team": "none"}])
def test_a_refused_workload_filter_lists_and_downloads_nothing(manager_client, team, query):
    OfficerFactory(first_name="Nora", last_name="Nield", team=team)
    page = manager_client.get(reverse("dashboard:workload"), query).content.decode()
    assert 'id="workload-refused"' in page
    assert "Nora Nield" not in page and "workload-csv" not in page
    response = manager_client.get("/dashboard/officers.csv", query)
    assert response.status_code == 400
    assert response.content.decode().startswith("No CSV: the filter has a value")


def test_trend_download_is_the_table_for_the_pages_team(manager_client, patch, other_patch):
    aged(patch, 20), aged(patch, 2), aged(other_patch, 20)
    dashboard_refresh()
    query = {"team": str(patch.team_id), "cohort": "aged_70"}
    page = manager_client.get(reverse("dashboard:trend"), query).content.decode()
    csv_url = f"/dashboard/trend.csv?team={patch.team_id}&amp;cohort=aged_70"
    assert f'id="trend-csv" href="{csv_url}"' in page
    lines = read_csv(manager_client.get("/dashboard/trend.csv", query))
    assert lines[0][0] == "day" and "Aged 70+ up to date (%)" in lines[0]
    assert len(lines) == 1 + 90  # every day, newest first, as the page's table
    column = lines[0].index("Aged 70+ up to date (%)")
    assert lines[1][0] == timezone.localdate().isoformat()
    assert lines[1][column] == "50"  # the North team's, not every team's 33
    assert lines[2][column] == ""  # no figure recorded that day
    every = read_csv(manager_client.get("/dashboard/trend.csv"))
    assert every[1][column] == "33"


@pytest.mark.parametrize("query", [{"team": "999999"}, {"cohort": "zzz"}])
def test_a_refused_trend_filter_downloads_nothing(manager_client, patch, query):
    aged(patch, 20)
    dashboard_refresh()
    assert "trend-csv" not in manager_client.get(reverse("dashboard:trend"), query).content.decode()
    response = manager_client.get("/dashboard/trend.csv", query)
    assert response.status_code == 400
    assert b"No CSV" in response.content


@pytest.mark.parametrize("url", ["/dashboard/teams.csv", "/dashboard/officers.csv"])
def test_officers_and_income_officers_may_not_download(client, officer, income_officer, url):
    dashboard_refresh()
    for user in (officer, income_officer):
        assert sign_in(client, user).get(url).status_code == 403
    assert sign_in(client, officer).get("/dashboard/trend.csv").status_code == 403


def test_the_downloads_take_the_same_queries_however_many_rows(
    manager_client, patch, django_assert_num_queries
):
    def counts():
        dashboard_refresh()
        found = []
        for url in ["/dashboard/teams.csv", "/dashboard/officers.csv", "/dashboard/trend.csv"]:
            with CaptureQueriesContext(connection) as context:
                assert manager_client.get(url).status_code == 200
            found.append(len(context.captured_queries))
        return found

    officer = OfficerFactory(team=patch.team)
    called(officer, 1)
    aged(patch, 3)
    few = counts()
    for n in range(3):
        team = TeamFactory(name=f"Extra {n}")
        PatchFactory(team=team)
        for _ in range(2):
            called(OfficerFactory(team=team), 2)
        aged(team.patches.first(), 30)
    assert counts() == few
    # teams: session, user, device; the snapshot; the teams; the cohorts, escalations and
    # requests by team (3); the session saved (savepoint, update, release)
    with django_assert_num_queries(11):
        manager_client.get("/dashboard/teams.csv")
