"""CSV downloads; Who may see it; The page's cost does not grow with the data.

Part of the dashboard tests, split from test_dashboard.py along its sections."""

import pytest
from django.test import Client

from conftest import sign_in
from dashboard import tables
from dashboard.models import CohortFigure, DashboardSnapshot
from dashboard.refresh import dashboard_refresh
from dashboard.tables import ALL_TEAMS
from tests.dashboard.helpers import (
    NOW,
    URLS,
    more_of_everything,
    read_csv,
)

pytestmark = pytest.mark.django_db


class TestCsv:
    @pytest.fixture
    def snapshot(self, world):
        return dashboard_refresh(now=NOW)

    def test_each_table_downloads_with_the_same_figures(self, world, snapshot, manager_client):
        for slug, build in tables.TABLES.items():
            response = manager_client.get(f"/dashboard/{slug}.csv")
            assert response.status_code == 200
            assert response["Content-Type"] == "text/csv; charset=utf-8"
            assert response["Content-Disposition"] == (
                f'attachment; filename="dashboard-{slug}-all-teams-2026-11-18-1200.csv"'
            )
            table = build(snapshot, ALL_TEAMS)
            assert read_csv(response) == [
                [str(cell) for cell in row] for row in table.csv_rows()
            ], slug

    def test_cohorts_csv_for_a_team(self, world, snapshot, manager_client):
        response = manager_client.get("/dashboard/cohorts.csv", {"team": world.north.pk})
        assert f"dashboard-cohorts-team-{world.north.pk}-" in response["Content-Disposition"]
        assert read_csv(response) == [
            [
                "Cohort",
                "Call every (days)",
                "Tenants",
                "Up to date",
                "Due today",
                "Overdue",
                "Up to date (%)",
            ],
            ["Aged 70+", "14", "4", "1", "1", "2", "25"],
            ["Unwell or self-isolating", "7", "1", "0", "0", "1", "0"],
            ["Independent living", "7", "1", "1", "0", "0", "100"],
            ["Supported living", "14", "0", "0", "0", "0", ""],
            ["Lifeline customer", "28", "1", "1", "0", "0", "100"],
            ["Everyone else", "90", "1", "0", "0", "1", "0"],
        ]

    def test_a_team_not_among_the_choices_downloads_nothing(self, world, snapshot, manager_client):
        for team in ("zzz", "999999"):
            response = manager_client.get("/dashboard/cohorts.csv", {"team": team})
            assert response.status_code == 400
            assert "No CSV: the filter has a value that is not one of its choices (Team:" in (
                response.content.decode()
            )

    def test_calls_csv_has_iso_dates_and_no_personal_data(self, world, snapshot, manager_client):
        response = manager_client.get("/dashboard/calls.csv", {"team": "none"})
        lines = read_csv(response)
        assert lines[0] == ["Date", "Calls", "Spoke to tenant", "Contact rate (%)"]
        assert lines[1] == ["2026-11-18", "0", "0", ""]
        assert lines[2] == ["2026-11-17", "1", "0", "0"]
        assert len(lines) == 91
        body = response.content.decode()
        for tenant in vars(world.tenants).values():
            assert tenant.last_name not in body

    def test_an_unknown_table_is_not_found(self, snapshot, manager_client):
        assert manager_client.get("/dashboard/tenants.csv").status_code == 404


@pytest.mark.parametrize("url", URLS)
def test_managers_only(url, manager_client, officer, income_officer):
    dashboard_refresh()
    assert manager_client.get(url).status_code == 200
    assert sign_in(Client(), officer).get(url).status_code == 403
    assert sign_in(Client(), income_officer).get(url).status_code == 403
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/sign-in/")


def test_only_managers_may_refresh(officer, income_officer):
    assert sign_in(Client(), officer).post("/dashboard/refresh/").status_code == 403
    assert sign_in(Client(), income_officer).post("/dashboard/refresh/").status_code == 403
    response = Client().post("/dashboard/refresh/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/sign-in/")
    assert not DashboardSnapshot.objects.exists()


def test_the_navigation_offers_the_dashboard_to_managers_only(manager_client, officer):
    assert 'href="/dashboard/"' in manager_client.get("/").content.decode()
    assert 'href="/dashboard/"' not in sign_in(Client(), officer).get("/").content.decode()


def test_page_queries_do_not_grow_with_the_data(world, manager_client, django_assert_num_queries):
    # session, user, two-factor device, teams, latest snapshot, one query per table (cohorts,
    # calls, escalations, requests, arrears), services by status (live, as the register: 3),
    # escalations past their age target
    # (live), support providers by staffing (live, one aggregate), session renewal (savepoint,
    # update, release); for all teams, the providers no team checks in with (one count)
    dashboard_refresh()
    with django_assert_num_queries(19):
        assert manager_client.get("/dashboard/").status_code == 200
    with django_assert_num_queries(18):
        manager_client.get("/dashboard/", {"team": world.north.pk})
    # session, user, device, teams, snapshot, the one table, session renewal (3)
    with django_assert_num_queries(9):
        manager_client.get("/dashboard/calls.csv")

    more_of_everything()
    dashboard_refresh()
    assert CohortFigure.objects.filter(snapshot=tables.latest_snapshot()).count() > 12
    with django_assert_num_queries(19):
        assert manager_client.get("/dashboard/").status_code == 200
    with django_assert_num_queries(18):
        manager_client.get("/dashboard/", {"team": world.north.pk})
    with django_assert_num_queries(9):
        manager_client.get("/dashboard/calls.csv")
