"""The manager dashboard: every figure on a small world worked out by hand, who may see it, a page
whose query count does not grow with the data, CSV downloads, and the refresh (locked, repeatable,
on the beat schedule, on a real worker)."""

import csv
import io
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.test import Client
from django.utils import timezone

from arrears.models import ArrearsFlag
from conftest import sign_in
from dashboard import refresh, tables
from dashboard.models import CohortFigure, DashboardSnapshot
from dashboard.refresh import dashboard_refresh
from dashboard.tables import ALL_TEAMS, NO_TEAM, team_scope
from here_to_help.models import HelpRequest, Need
from services.models import Service, Status
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    HelpRequestFactory,
    PatchFactory,
    SchemeFactory,
    ServiceFactory,
    StatusChangeFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.call_models import Call, Escalation
from welfare.models import CallTask, Cohort

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A Wednesday at noon: every date below counts from it.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()


def days_ago(days, hours=0):
    return NOW - timedelta(days=days, hours=hours)


def born(years_old):
    """A birthday in January `years_old` years ago: that age on TODAY (18 November)."""
    return date(TODAY.year - years_old, 1, 15)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


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


@pytest.fixture
def world(frozen, team, other_team, patch, other_patch, officer, income_officer):
    """Tenants in two teams and with no patch, their calls, escalations, requests, arrears flags,
    and four services. Who each is, and where they count, is written beside them."""
    load_default_cohorts()  # a transactional test run before may have emptied them
    north, south = team, other_team
    scheme = SchemeFactory(name="Ribble Court", type="independent_living")

    def tenant(name, team_patch, years_old=40, contact_days=None, dob=None, **fields):
        return TenantFactory(
            last_name=name,
            patch=team_patch,
            date_of_birth=dob or born(years_old),
            last_contact_at=days_ago(contact_days) if contact_days is not None else None,
            **fields,
        )

    t = SimpleNamespace(
        # North team (patch Ribble). Cohort cadences: 70+ 14 days, unwell 7, independent
        # living 7, Lifeline 28, everyone else 90. Due when days since contact >= cadence.
        a=tenant("Ashworth", patch, 80, contact_days=3),  # 70+: up to date
        b=tenant("Brown", patch, 75, contact_days=14),  # 70+: due today (14 days)
        c=tenant("Clarke", patch, 72, contact_days=20),  # 70+: overdue
        # 70+ and unwell: called at 7 days, so 10 days is overdue in both cohorts
        d=tenant(
            "Davies",
            patch,
            75,
            contact_days=10,
            self_isolating_from=TODAY - timedelta(days=2),
            self_isolating_until=TODAY + timedelta(days=5),
        ),
        e=tenant("Evans", patch, 40, contact_days=10, lifeline=True),  # Lifeline: up to date
        f=tenant("Fisher", patch, 40, contact_days=100),  # everyone else: overdue
        g=tenant("Green", patch, 40, contact_days=200, declined_calls_on=TODAY),  # not eligible
        h=tenant("Hall", patch, 40, contact_days=2, scheme=scheme),  # independent: up to date
        p=tenant(  # in hospital until tomorrow: not eligible today
            "Price", patch, 80, contact_days=30, in_hospital_until=TODAY + timedelta(days=1)
        ),
        # South team (patch Lytham)
        i=tenant("Iqbal", other_patch, 71, contact_days=1),  # 70+: up to date
        j=tenant("Jones", other_patch, 30),  # never contacted, joined today: due today
        n=tenant("Nowak", other_patch, contact_days=5, dob=date(1956, 11, 18)),  # 70 today
        m=tenant("Moss", other_patch, contact_days=30, dob=date(1956, 11, 19)),  # 69: else
        # No team (no patch)
        k=tenant("Khan", None, 85, contact_days=30),  # 70+: overdue
        lee=tenant("Lee", None, 50, contact_days=1, tenancy_end_date=TODAY - timedelta(days=1)),
    )

    # Calls: each counts for the team of the task it was made on.
    north_task = CallTaskFactory(tenant=t.a, team=north, status=CallTask.Status.DONE)
    south_task = CallTaskFactory(tenant=t.i, team=south, status=CallTask.Status.DONE)
    none_task = CallTaskFactory(tenant=t.k, team=None)
    spoke, no_answer = Call.Outcome.SPOKE, Call.Outcome.NO_ANSWER
    for task, when, outcome in [
        (north_task, days_ago(0, 2), spoke),
        (north_task, days_ago(0, 1), no_answer),
        (north_task, days_ago(0, 0), Call.Outcome.VOICEMAIL),
        (north_task, days_ago(1), spoke),
        (north_task, days_ago(1, 1), spoke),
        (north_task, days_ago(89), no_answer),  # the first of the 90 days
        (north_task, days_ago(90), spoke),  # before them: not counted
        (south_task, days_ago(0, 3), spoke),
        (south_task, days_ago(5), Call.Outcome.WRONG_NUMBER),
        (none_task, days_ago(1, 2), Call.Outcome.CALL_BACK),
    ]:
        log_call(task, officer, when, outcome)

    # Escalations, open unless closed with a result.
    reason = Escalation.Reason
    for who, esc_team, why, opened in [
        (t.b, north, reason.FAILED_ATTEMPTS, days_ago(0, 2)),  # under 1 day
        (t.c, north, reason.WRONG_NUMBER, days_ago(2)),  # 1 to 3 days
        (t.e, north, reason.WRONG_NUMBER, days_ago(1)),  # exactly 1 day: 1 to 3 days
        (t.d, north, reason.FAILED_ATTEMPTS, days_ago(5)),  # 3 to 7 days
        (t.j, south, reason.FAILED_ATTEMPTS, days_ago(10)),  # 7 days or more
        (t.k, None, reason.DECEASED, days_ago(3, 1)),  # 3 to 7 days
    ]:
        Escalation.objects.create(tenant=who, team=esc_team, reason=why, opened_at=opened)
    Escalation.objects.create(  # closed: not counted
        tenant=t.a,
        team=north,
        reason=reason.WRONG_NUMBER,
        opened_at=days_ago(20),
        status=Escalation.Status.CLOSED,
        result="New number from the daughter",
        closed_at=days_ago(19),
    )

    # Here to Help requests; past target means open and due before now.
    status = HelpRequest.Status
    late, in_time = NOW - timedelta(hours=1), NOW + timedelta(days=1)
    for who, req_team, need, state, due in [
        (t.a, north, Need.FOOD, status.NEW, late),  # past target
        (t.b, north, Need.FOOD, status.IN_PROGRESS, in_time),
        (t.c, north, Need.MEDICATION, status.REFERRED, NOW - timedelta(days=2)),  # past target
        (t.d, north, Need.FOOD, status.RESOLVED, NOW - timedelta(days=5)),  # finished: not late
        (t.e, north, Need.BENEFITS, status.CLOSED, late),  # finished: not late
        (t.i, south, Need.FOOD, status.NEW, late),  # past target
        (t.k, None, Need.OTHER, status.NEW, in_time),
    ]:
        finished = state in HelpRequest.FINISHED_STATUSES
        HelpRequestFactory(
            tenant=who,
            team=req_team,
            need=need,
            status=state,
            due_at=due,
            raised_by=officer,
            resolved_at=NOW if finished else None,
            outcome="Done" if finished else "",
        )

    # Arrears flags count for the team of the tenant's patch; review due: not closed and the
    # review date has come.
    flag = ArrearsFlag
    for who, why, state, review in [
        (t.a, flag.Reason.FURLOUGH, flag.Status.OPEN, TODAY),  # review due today
        (t.b, flag.Reason.FURLOUGH, flag.Status.OPEN, TODAY + timedelta(days=3)),
        (t.c, flag.Reason.REDUNDANCY, flag.Status.REVIEW_DUE, TODAY - timedelta(days=2)),
        (t.d, flag.Reason.ILLNESS, flag.Status.CLOSED, TODAY - timedelta(days=2)),  # closed
        (t.i, flag.Reason.FURLOUGH, flag.Status.OPEN, None),
        (t.k, flag.Reason.OTHER, flag.Status.OPEN, TODAY - timedelta(days=1)),  # due
    ]:
        ArrearsFlagFactory(
            tenant=who,
            reason=why,
            status=state,
            review_date=review,
            raised_by=income_officer,
            closed_on=TODAY if state == flag.Status.CLOSED else None,
        )

    # Services: the seeded register replaced by four, one not started yet; a change scheduled
    # for tomorrow does not count today.
    Service.objects.all().delete()
    for status_now in (Status.OPERATING, Status.OPERATING, Status.REDUCED, Status.UNAVAILABLE):
        StatusChangeFactory(service=ServiceFactory(), status=status_now, effective_at=days_ago(3))
    StatusChangeFactory(
        service=Service.objects.first(), status=Status.UNAVAILABLE, effective_at=NOW + timedelta(1)
    )
    StatusChangeFactory(service=ServiceFactory(), effective_at=NOW + timedelta(days=1))

    return SimpleNamespace(north=north, south=south, tenants=t)


def rows(table):
    return [[row.label, *row.cells] for row in table.rows]


def north_scope(world):
    return team_scope(str(world.north.pk), [world.north, world.south])


# Figures ----------------------------------------------------------------------------------


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
        assert table.headers == [*header, "Reported deceased: confirm", "All reasons"]
        # Brown 2 hours; Clarke 2 days and Evans exactly 1 day (wrong numbers); Davies 5 days
        # and Khan 3 days 1 hour (deceased); Jones 10 days. Ashworth's is closed.
        assert rows(table) == [
            ["Under 1 day", 1, 0, 0, 1],
            ["1 to 3 days", 0, 2, 0, 2],
            ["3 to 7 days", 1, 0, 1, 2],
            ["7 days or more", 1, 0, 0, 1],
            ["All open escalations", 3, 2, 1, 6],
        ]
        assert rows(tables.escalations_table(snapshot, north_scope(world))) == [
            ["Under 1 day", 1, 0, 0, 1],
            ["1 to 3 days", 0, 2, 0, 2],
            ["3 to 7 days", 1, 0, 0, 1],
            ["7 days or more", 0, 0, 0, 0],
            ["All open escalations", 2, 2, 0, 4],
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
            ["Operating (within government guidance)", 2],
            ["Reduced services", 1],
            ["Currently unavailable", 1],
        ]
        assert rows(tables.services_table(snapshot, ALL_TEAMS)) == expected
        assert rows(tables.services_table(snapshot, north_scope(world))) == expected

    def test_the_page_shows_the_headline_and_every_table(self, world, snapshot, manager_client):
        page = manager_client.get("/dashboard/").content.decode()
        assert "Figures as of <strong>12:00 on Wednesday 18 November 2026</strong>" in page
        assert "Aged 70+: 42% called within 14 days" in page
        for slug in ("cohorts", "calls", "escalations", "requests", "arrears", "services"):
            assert f'id="table-{slug}"' in page
            assert f'href="/dashboard/{slug}.csv"' in page
        assert "9 calls, 4 of which reached the tenant: a contact rate of 44%" in page
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

    def test_an_unknown_team_is_not_found(self, snapshot, manager_client):
        assert manager_client.get("/dashboard/", {"team": "99999"}).status_code == 404
        assert manager_client.get("/dashboard/", {"team": "north"}).status_code == 404


def test_before_the_first_refresh_the_page_says_so(manager_client):
    response = manager_client.get("/dashboard/")
    assert "The figures have not been worked out yet" in response.content.decode()
    assert manager_client.get("/dashboard/cohorts.csv").status_code == 404


# CSV downloads -----------------------------------------------------------------------------


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


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


# Who may see it ---------------------------------------------------------------------------

URLS = ["/dashboard/", "/dashboard/cohorts.csv"]


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


# The page's cost does not grow with the data ----------------------------------------------


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


def test_page_queries_do_not_grow_with_the_data(world, manager_client, django_assert_num_queries):
    # session, user, two-factor device, teams, latest snapshot, one query per table (cohorts,
    # calls, escalations, requests, arrears, services), session renewal (savepoint, update,
    # release)
    dashboard_refresh()
    with django_assert_num_queries(14):
        assert manager_client.get("/dashboard/").status_code == 200
    with django_assert_num_queries(14):
        manager_client.get("/dashboard/", {"team": world.north.pk})
    # session, user, device, teams, snapshot, the one table, session renewal (3)
    with django_assert_num_queries(9):
        manager_client.get("/dashboard/calls.csv")

    more_of_everything()
    dashboard_refresh()
    assert CohortFigure.objects.filter(snapshot=tables.latest_snapshot()).count() > 12
    with django_assert_num_queries(14):
        assert manager_client.get("/dashboard/").status_code == 200
    with django_assert_num_queries(14):
        manager_client.get("/dashboard/", {"team": world.north.pk})
    with django_assert_num_queries(9):
        manager_client.get("/dashboard/calls.csv")


# The refresh -------------------------------------------------------------------------------


class TestRefresh:
    def test_a_second_refresh_replaces_the_figures_and_keeps_one_snapshot_before(self, world):
        first = dashboard_refresh(now=NOW)
        second = dashboard_refresh(now=NOW)
        third = dashboard_refresh(now=NOW)
        # The latest and the one before it (a page may be reading it this moment).
        assert list(DashboardSnapshot.objects.values_list("pk", flat=True)) == [
            third.pk,
            second.pk,
        ]
        assert not CohortFigure.objects.filter(snapshot_id=first.pk).exists()
        assert rows(tables.cohort_table(third, ALL_TEAMS)) == rows(
            tables.cohort_table(second, ALL_TEAMS)
        )
        assert tables.latest_snapshot() == third

    def test_a_refresh_while_another_holds_the_lock_skips(self, world):
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK_KEY])
            assert dashboard_refresh() is None
        assert not DashboardSnapshot.objects.exists()

    def test_the_figures_follow_the_data_after_a_refresh(self, world):
        dashboard_refresh(now=NOW)
        world.tenants.c.last_contact_at = NOW
        world.tenants.c.save()
        snapshot = dashboard_refresh(now=NOW)
        # Clarke spoken to now: 70+ has 4 of 7 up to date.
        assert rows(tables.cohort_table(snapshot, ALL_TEAMS))[0] == [
            "Aged 70+",
            14,
            7,
            4,
            1,
            2,
            57,
        ]

    def test_refresh_now_button(self, world, manager_client):
        response = manager_client.post("/dashboard/refresh/", {"team": world.north.pk})
        assert response.status_code == 302
        assert response.url == f"/dashboard/?team={world.north.pk}"
        assert DashboardSnapshot.objects.count() == 1
        page = manager_client.get(response.url).content.decode()
        assert "Figures refreshed: as of 12:00:00." in page
        assert "Aged 70+: 25% called within 14 days" in page
        assert manager_client.post("/dashboard/refresh/").url == "/dashboard/"
        assert manager_client.get("/dashboard/refresh/").status_code == 405

    def test_refresh_now_while_a_refresh_runs(self, manager_client):
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK_KEY])
            response = manager_client.post("/dashboard/refresh/", follow=True)
        assert "The figures are being worked out already" in response.content.decode()


def test_the_refresh_runs_every_15_minutes_on_beat():
    from config.celery_app import app

    entry = app.conf.beat_schedule["welfare-refresh-dashboard"]
    assert entry["task"] == "welfare.refresh_dashboard"
    assert entry["schedule"] == crontab(minute="*/15")
    assert entry["options"]["expires"] < 15 * 60  # a late one is dropped: the next is coming
    assert "welfare.refresh_dashboard" in app.tasks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_refresh_runs_on_a_real_worker(celery_worker_process):
    from dashboard.tasks import refresh_dashboard_task

    load_default_cohorts()  # a transactional test before this one may have emptied them
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", team=team)
    TenantFactory(patch=patch, date_of_birth=born(80), last_contact_at=timezone.now())
    TenantFactory(patch=patch, date_of_birth=born(80), last_contact_at=None)

    result = refresh_dashboard_task.delay().get(timeout=60)

    assert result["skipped"] is False
    snapshot = DashboardSnapshot.objects.get(pk=result["snapshot"])
    aged_70 = tables.cohort_lines(snapshot, ALL_TEAMS)[0]
    # One spoken to now (up to date), one never contacted who joined today (due today).
    assert (aged_70.tenants, aged_70.up_to_date, aged_70.due_today) == (2, 1, 1)
    again = refresh_dashboard_task.delay().get(timeout=60)
    assert again["snapshot"] > snapshot.pk
    assert DashboardSnapshot.objects.count() == 2


def test_refresh_command_writes_a_snapshot_for_make_run():
    from django.core.management import call_command

    from dashboard.models import DashboardSnapshot

    call_command("refresh_dashboard")
    assert DashboardSnapshot.objects.count() == 1
