"""Figures.

Part of the dashboard tests, split from test_dashboard.py along its sections."""

import re
from datetime import timedelta

import pytest

from dashboard import tables
from dashboard.refresh import dashboard_refresh
from dashboard.tables import ALL_TEAMS, NO_TEAM, team_scope
from services.actions import status_change_create
from services.models import Service, Status
from tests.dashboard.helpers import (
    NOW,
    TODAY,
    north_scope,
    rows,
)
from welfare.models import Cohort

pytestmark = pytest.mark.django_db


class TestFigures:
    @pytest.fixture
    def snapshot(self, world):
        return dashboard_refresh(now=NOW)

    def test_snapshot_says_when_it_was_worked_out(self, snapshot):
        assert snapshot.computed_at == NOW
        assert snapshot.as_of == TODAY
        assert [c["code"] for c in snapshot.cohorts] == [c.value for c in Cohort.Code]

    def test_cohorts_for_all_teams(self, snapshot):
        table = tables.cohort_table(snapshot, ALL_TEAMS)
        # 70+: Ashworth, Iqbal, Nowak (70 today) up to date; Brown due today; Clarke, Davies,
        # Khan overdue. 3 of 7 = 42.8%, rounded down. Unwell: Davies, overdue. Independent
        # living: Hall. Lifeline: Evans. Everyone else: Moss (69) up to date, Jones (never
        # called, joined today) due today, Fisher overdue. Green (declined), Price (in hospital)
        # and Lee (tenancy ended) are not eligible and count nowhere.
        assert rows(table) == [
            ["Aged 70+", 14, 7, 3, 1, 3, 42],
            ["Unwell or self-isolating", 7, 1, 0, 0, 1, 0],
            ["Independent living", 7, 1, 1, 0, 0, 100],
            ["Supported living", 14, 0, 0, 0, 0, None],
            ["Lifeline customer", 28, 1, 1, 0, 0, 100],
            ["Everyone else", 90, 3, 1, 1, 1, 33],
        ]
        headlines = [line.headline for line in tables.cohort_lines(snapshot, ALL_TEAMS)]
        assert headlines == [
            "Aged 70+: 42% called within 14 days",
            "Unwell or self-isolating: 0% called within 7 days",
            "Independent living: 100% called within 7 days",
            "Supported living: no tenants",
            "Lifeline customer: 100% called within 28 days",
            "Everyone else: 33% called within 90 days",
        ]

    def test_cohorts_by_team(self, world, snapshot):
        north = rows(tables.cohort_table(snapshot, north_scope(world)))
        # North: Ashworth up to date, Brown due, Clarke and Davies overdue: 1 of 4 = 25%.
        assert north[0] == ["Aged 70+", 14, 4, 1, 1, 2, 25]
        assert north[5] == ["Everyone else", 90, 1, 0, 0, 1, 0]  # Fisher
        south = team_scope(str(world.south.pk), [world.north, world.south])
        south_rows = rows(tables.cohort_table(snapshot, south))
        assert south_rows[0] == ["Aged 70+", 14, 2, 2, 0, 0, 100]  # Iqbal, Nowak
        assert south_rows[5] == ["Everyone else", 90, 2, 1, 1, 0, 50]  # Moss, Jones
        # No team: Khan only, overdue.
        assert rows(tables.cohort_table(snapshot, NO_TEAM)) == [
            ["Aged 70+", 14, 1, 0, 0, 1, 0],
            ["Unwell or self-isolating", 7, 0, 0, 0, 0, None],
            ["Independent living", 7, 0, 0, 0, 0, None],
            ["Supported living", 14, 0, 0, 0, 0, None],
            ["Lifeline customer", 28, 0, 0, 0, 0, None],
            ["Everyone else", 90, 0, 0, 0, 0, None],
        ]

    def test_a_switched_off_cohort_counts_tenants_but_none_as_due(self, world):
        Cohort.objects.filter(code="everyone_else").update(active=False)
        snapshot = dashboard_refresh(now=NOW)
        lines = tables.cohort_lines(snapshot, ALL_TEAMS)
        assert lines[-1].headline == "Everyone else: calls switched off"
        assert rows(tables.cohort_table(snapshot, ALL_TEAMS))[-1] == [
            "Everyone else",
            "Switched off",
            3,
            0,
            0,
            0,
            None,
        ]

    def test_calls_per_day_and_contact_rate(self, world, snapshot):
        days = tables.call_days(snapshot, ALL_TEAMS)
        assert len(days) == 90
        assert (days[0].day, days[-1].day) == (TODAY - timedelta(days=89), TODAY)
        # Today: North spoke, no answer, voicemail; South spoke: 2 of 4 = 50%. Yesterday:
        # North spoke twice, no team call back: 2 of 3 = 66%. 5 days ago South's wrong number,
        # 89 days ago North's no answer; the call 90 days ago is before the window.
        figures = {d.day: (d.calls, d.spoke, d.contact_rate) for d in days if d.calls}
        assert figures == {
            TODAY: (4, 2, 50),
            TODAY - timedelta(days=1): (3, 2, 66),
            TODAY - timedelta(days=5): (1, 0, 0),
            TODAY - timedelta(days=89): (1, 0, 0),
        }
        assert days[1].contact_rate is None  # no calls that day: no rate
        table = tables.calls_table(snapshot, ALL_TEAMS)
        assert rows(table)[:2] == [["Wed 18 Nov 2026", 4, 2, 50], ["Tue 17 Nov 2026", 3, 2, 66]]
        assert rows(table)[-1] == ["Fri 21 Aug 2026", 1, 0, 0]
        north = {d.day: (d.calls, d.spoke) for d in tables.call_days(snapshot, north_scope(world))}
        assert north[TODAY] == (3, 1)
        assert north[TODAY - timedelta(days=1)] == (2, 2)
        no_team = [d for d in tables.call_days(snapshot, NO_TEAM) if d.calls]
        assert [(d.day, d.calls, d.spoke) for d in no_team] == [(TODAY - timedelta(days=1), 1, 0)]

    def test_open_escalations_by_age(self, world, snapshot):
        header = ["Open for", "3 failed attempts on different days", "Wrong or dead number"]
        table = tables.escalations_table(snapshot, ALL_TEAMS)
        assert table.headers == [
            *header,
            "No number to dial",
            "Reported deceased: confirm",
            "All reasons",
        ]
        # Brown 2 hours; Clarke 2 days and Evans exactly 1 day (wrong numbers); Davies 5 days
        # and Khan 3 days 1 hour (deceased); Jones 10 days. Ashworth's is closed.
        assert rows(table) == [
            ["Under 1 day", 1, 0, 0, 0, 1],
            ["1 to 3 days", 0, 2, 0, 0, 2],
            ["3 to 7 days", 1, 0, 0, 1, 2],
            ["7 days or more", 1, 0, 0, 0, 1],
            ["All open escalations", 3, 2, 0, 1, 6],
        ]
        assert rows(tables.escalations_table(snapshot, north_scope(world))) == [
            ["Under 1 day", 1, 0, 0, 0, 1],
            ["1 to 3 days", 0, 2, 0, 0, 2],
            ["3 to 7 days", 1, 0, 0, 0, 1],
            ["7 days or more", 0, 0, 0, 0, 0],
            ["All open escalations", 2, 2, 0, 0, 4],
        ]

    def test_requests_by_need_and_status_with_those_past_target(self, world, snapshot):
        table = tables.help_table(snapshot, ALL_TEAMS)
        assert table.headers == [
            "Need",
            "New",
            "In progress",
            "Referred",
            "Resolved",
            "Closed: no longer needed",
            "Open and past target time",
        ]
        zero = [0, 0, 0, 0, 0, 0]
        # Food: North new (late) and in progress, South new (late), North resolved. Medication:
        # North referred (late). Benefits: North closed (late, but finished). Other: no team.
        assert rows(table) == [
            ["Food and shopping", 2, 1, 0, 1, 0, 2],
            ["Medication", 0, 0, 1, 0, 0, 1],
            ["Benefits advice", 0, 0, 0, 0, 1, 0],
            ["Mental health and wellbeing", *zero],
            ["Financial difficulty", *zero],
            ["Technology and staying connected", *zero],
            ["Utility meter credit", *zero],
            ["Befriending", *zero],
            ["Other", 1, 0, 0, 0, 0, 0],
            ["All needs", 3, 1, 1, 1, 1, 3],
        ]
        north = rows(tables.help_table(snapshot, north_scope(world)))
        assert north[0] == ["Food and shopping", 1, 1, 0, 1, 0, 1]
        assert north[-1] == ["All needs", 1, 1, 1, 1, 1, 2]
        assert rows(tables.help_table(snapshot, NO_TEAM))[-1] == ["All needs", 1, 0, 0, 0, 0, 0]

    def test_arrears_flags_by_reason_and_reviews_due(self, world, snapshot):
        table = tables.arrears_table(snapshot, ALL_TEAMS)
        # Furlough: Ashworth (review today: due), Brown (in 3 days), Iqbal (no date).
        # Redundancy: Clarke (due 2 days ago). Illness: Davies, closed. Other: Khan (due).
        assert rows(table) == [
            ["Furlough", 3, 1, 0],
            ["Redundancy", 1, 1, 0],
            ["Reduced hours", 0, 0, 0],
            ["Self-employment income lost", 0, 0, 0],
            ["Illness", 0, 0, 1],
            ["Other", 1, 1, 0],
            ["All reasons", 5, 3, 1],
        ]
        assert rows(tables.arrears_table(snapshot, north_scope(world)))[-1] == [
            "All reasons",
            3,
            2,
            1,
        ]
        assert rows(tables.arrears_table(snapshot, NO_TEAM))[-1] == ["All reasons", 1, 1, 0]

    def test_services_by_status_are_the_same_for_every_team(self, world, snapshot):
        # Two operating, one reduced, one unavailable; the change due tomorrow and the service
        # whose first change is tomorrow do not count yet.
        expected = [
            # The register's labels, and the public pages': not a wording of the dashboard's own.
            ["Operating", 2],
            ["Reduced service", 1],
            ["Currently unavailable", 1],
        ]
        assert rows(tables.services_table(snapshot, ALL_TEAMS)) == expected
        assert rows(tables.services_table(snapshot, north_scope(world))) == expected

    def test_services_are_live_not_as_of_the_snapshot(self, world, snapshot, manager):
        # A manager changes a service and opens the dashboard: it agrees with the register at
        # once, not at the next refresh (up to 15 minutes later).
        unavailable = Service.objects.get(
            changes__status=Status.UNAVAILABLE, changes__effective_at__lte=NOW
        )
        status_change_create(
            service=unavailable, status=Status.OPERATING, message="Back.", user=manager
        )
        assert rows(tables.services_table(snapshot, ALL_TEAMS)) == [
            ["Operating", 3],
            ["Reduced service", 1],
            ["Currently unavailable", 0],
        ]

    def test_the_page_shows_the_headline_and_every_table(self, world, snapshot, manager_client):
        page = manager_client.get("/dashboard/").content.decode()
        assert "Figures as of <strong>12:00 on Wednesday 18 November 2026</strong>" in page
        assert "Aged 70+: 42% called within 14 days" in page
        for slug in ("cohorts", "calls", "escalations", "requests", "arrears", "services"):
            assert f'id="table-{slug}"' in page
            assert f'href="/dashboard/{slug}.csv"' in page
        summary = page.split('id="calls-summary">')[1].split("</p>")[0]
        assert re.sub(r"<[^>]+>", "", summary).startswith(
            "9 calls, 4 of which reached the tenant: a contact rate of 44%"
        )
        assert summary.count('<a class="govuk-link" href="/dashboard/lists/calls/?') == 2
        # Charts: SVG for those who would rather look, described for those who cannot.
        assert page.count('role="img"') == 2
        assert (
            "From 21 August to 18 November 2026: 9 calls. The busiest day was Wednesday"
            " 18 November with 4." in page
        )
        assert "From 21 August to 18 November 2026: 44% of calls reached the tenant." in page
        assert "style=" not in page  # the CSP allows no inline styles
        assert "Ashworth" not in page  # no tenant is named

    def test_the_page_filtered_by_team(self, world, snapshot, manager_client):
        response = manager_client.get("/dashboard/", {"team": world.north.pk})
        page = response.content.decode()
        assert "Showing: <strong>North team</strong>" in page
        assert "Aged 70+: 25% called within 14 days" in page
        assert f'href="/dashboard/cohorts.csv?team={world.north.pk}"' in page
        no_team = manager_client.get("/dashboard/", {"team": "none"}).content.decode()
        assert "Showing: <strong>No team</strong>" in no_team
        assert "Aged 70+: 0% called within 14 days" in no_team

    @pytest.mark.parametrize("asked", ["99999", "zzz", "all"])
    def test_an_unknown_team_shows_its_error_and_no_figures(
        self, world, snapshot, manager_client, asked, django_assert_num_queries
    ):
        """As the trend and the lists answer: never every team's figures passing for the team
        asked for, nor a 404 saying the records are outside the manager's team."""
        # session, user, two-factor device, the teams; no snapshot, no figure; session renewal
        # (savepoint, update, release)
        with django_assert_num_queries(7):
            response = manager_client.get("/dashboard/", {"team": asked})
        page = response.content.decode()
        assert response.status_code == 400  # as every refused list (FilterForm.status_code)
        assert 'id="dashboard-refused"' in page and "<title>Error: " in page
        assert "There is a problem with the filter, so no figures are shown" in page
        assert f'<a href="#team">Team: Select a valid choice. {asked} is not one' in page
        assert 'id="team-error"' in page and 'aria-describedby="team-error"' in page
        assert 'id="dashboard-none"' in page
        for figures in ('id="as-of"', 'id="showing"', 'id="headlines"', "<table", "csv"):
            assert figures not in page, figures
        assert "outside your team" not in page


def test_before_the_first_refresh_the_page_says_so(manager_client):
    response = manager_client.get("/dashboard/")
    assert "The figures have not been worked out yet" in response.content.decode()
    assert manager_client.get("/dashboard/cohorts.csv").status_code == 404
