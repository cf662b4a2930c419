"""Fixtures shared by the dashboard tests."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from arrears.models import ArrearsFlag
from here_to_help.models import HelpRequest, Need
from services.models import Service, Status
from tests.dashboard.helpers import (
    NOW,
    TODAY,
    born,
    days_ago,
    log_call,
)
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    HelpRequestFactory,
    SchemeFactory,
    ServiceFactory,
    StatusChangeFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.call_models import Call, Escalation
from welfare.models import CallTask


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


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
