"""A call-back falls due (issue 14): the officer who booked it is told on their home and queue
pages, with a link straight to the call; it comes first for them in "Take next call", and first
for the rest of the team once it is 15 minutes late."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import CallTaskFactory, OfficerFactory, TenantFactory, load_default_cohorts
from welfare.call_actions import call_log, call_take_next, work_take_next

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
BOOKED = datetime(2026, 6, 1, 10, 0, tzinfo=LONDON)  # a Monday
CALL_BACK = datetime(2026, 6, 1, 14, 30, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def call_back(patch, officer):
    """Margaret asked to be called back at 14:30; a more overdue call waits in the queue."""
    tenant = TenantFactory(patch=patch, first_name="Margaret", last_name="Hill")
    with time_machine.travel(BOOKED, tick=False):
        task = CallTaskFactory(
            tenant=tenant, due_on=BOOKED.date(), claimed_by=officer, claimed_at=BOOKED
        )
        call_log(
            task=task,
            officer=officer,
            outcome="call_back",
            call_back_at=CALL_BACK,
            idempotency_key=uuid.uuid4(),
        )
    return task


@pytest.fixture
def waiting(patch):
    tenant = TenantFactory(patch=patch, first_name="Peter", last_name="Long")
    return CallTaskFactory(tenant=tenant, due_on=BOOKED.date() - timedelta(days=30))


def banner(client, name):
    page = client.get(reverse(name)).content.decode()
    if 'id="call-backs-due-alert"' not in page:
        return None
    return page.split('id="call-backs-due-alert"', 1)[1].split("</div>\n</div>", 1)[0]


@pytest.mark.parametrize("page", ["home", "welfare:queue"])
def test_the_booking_officer_is_told_when_it_falls_due(officer_client, call_back, page):
    with time_machine.travel(CALL_BACK - timedelta(minutes=1), tick=False):
        assert banner(officer_client, page) is None
    with time_machine.travel(CALL_BACK, tick=False):
        text = banner(officer_client, page)
    assert "Call-back due now: Margaret Hill at 14:30" in text
    assert f'href="{reverse("welfare:task", args=[call_back.pk])}"' in text
    assert "Take this call" in text


def test_a_colleague_is_not_told(client, call_back, team):
    from conftest import sign_in

    sign_in(client, OfficerFactory(team=team))
    with time_machine.travel(CALL_BACK + timedelta(minutes=20), tick=False):
        assert banner(client, "home") is None


def test_the_banner_goes_once_the_officer_is_on_the_call(officer_client, officer, call_back):
    with time_machine.travel(CALL_BACK + timedelta(minutes=1), tick=False):
        assert call_take_next(user=officer).pk == call_back.pk
        assert banner(officer_client, "home") is None


# The button runs `work_take_next` (on PostgreSQL one prepared statement); `call_take_next` is
# its long way.
TAKES = [call_take_next, work_take_next]


@pytest.mark.parametrize("take", TAKES)
def test_it_comes_first_for_its_officer_at_its_time(officer, call_back, waiting, take):
    with time_machine.travel(CALL_BACK - timedelta(minutes=1), tick=False):
        assert take(user=officer).pk == waiting.pk
    with time_machine.travel(CALL_BACK, tick=False):
        assert take(user=officer).pk == call_back.pk


@pytest.mark.parametrize("take", TAKES)
def test_it_comes_first_for_the_team_15_minutes_late(team, call_back, waiting, take):
    colleague, another = OfficerFactory(team=team), OfficerFactory(team=team)
    with time_machine.travel(CALL_BACK + timedelta(minutes=14), tick=False):
        assert take(user=colleague).pk == waiting.pk
    with time_machine.travel(CALL_BACK + timedelta(minutes=16), tick=False):
        assert take(user=another).pk == call_back.pk
