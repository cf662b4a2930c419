"""A call queued by a campaign says so in the queue's "Why": the campaign's name and, for a
"once by" campaign, its deadline; not the cohort's "due every 14 days - due today" when the
tenant is there only because of the campaign. PostgreSQL."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from tests import csv_support
from tests.queue.helpers import at, born_aged, make_tenant
from tests.queue.test_why_now import why
from welfare import call_config
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign
from welfare.models import CallTask
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
ON = date(2026, 12, 1)
COLD_SNAP = "Cold snap check: over-70s living alone"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(ON, 8), tick=True):
        yield


@pytest.fixture
def cold_snap(manager):
    return campaign_create(
        by=manager,
        name=COLD_SNAP,
        kind=Campaign.Kind.COHORT,
        starts_on=ON,
        ends_on=date(2026, 12, 19),
        schedule=Campaign.Schedule.ONCE,
        min_age=70,
        lives_alone_only=True,
        questions=[{"text": "Is your heating working?", "kind": "yes_no"}],
    )


def over_70_alone(patch, spoken_days_ago):
    return make_tenant(
        patch,
        date_of_birth=born_aged(75, ON),
        lives_alone=True,
        last_contact_at=at(ON - timedelta(days=spoken_days_ago)),
    )


@pytest.fixture
def pages(officer, manager, team):
    """The officer's queue and the manager's page of the same team's queue."""
    officer_client, manager_client = sign_in(Client(), officer), sign_in(Client(), manager)
    return lambda: [
        officer_client.get(reverse("welfare:queue")).content.decode(),
        manager_client.get(reverse("welfare:team", args=[team.pk])).content.decode(),
    ]


def test_a_tenant_there_only_for_the_campaign_is_said_to_be(patch, cold_snap, pages):
    # Spoken to 10 days ago: at 14 days (aged 70+) not due; due in the campaign by 19 Dec.
    tenant = over_70_alone(patch, 10)
    build_call_queue(on=ON)
    task = CallTask.objects.open().get(tenant=tenant)
    for page in pages():
        text = why(page, task)
        assert text == f"Aged 70+ - {COLD_SNAP} - once by 19 Dec - lives alone outside a scheme"
        assert "due today" not in text and "due every" not in text


def test_a_tenant_also_due_by_the_cadence_says_both(patch, cold_snap, pages):
    # Spoken to 17 days ago: 3 days overdue at 14 days, and in the campaign too.
    tenant = over_70_alone(patch, 17)
    build_call_queue(on=ON)
    task = CallTask.objects.open().get(tenant=tenant)
    for page in pages():
        assert why(page, task) == (
            f"Aged 70+ - {COLD_SNAP} - once by 19 Dec - due every 14 days - overdue 3 days"
            " - lives alone outside a scheme"
        )


def test_the_queue_download_says_why_as_the_page_does(patch, cold_snap, manager, team):

    tenant = over_70_alone(patch, 10)
    build_call_queue(on=ON)
    client = sign_in(Client(), manager)
    response = client.get(reverse("welfare:team_csv", args=[team.pk]))
    listed = csv_support.rows(response)
    assert [row["why"] for row in listed if row["tenancy_ref"] == tenant.tenancy_ref] == [
        f"Aged 70+ - {COLD_SNAP} - once by 19 Dec - lives alone outside a scheme"
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_naming_the_campaigns_takes_one_query_for_the_page(
    officer_client, patch, cold_snap, size, django_assert_num_queries
):
    for _ in range(size):
        over_70_alone(patch, 10)
    build_call_queue(on=ON)
    # As test_why_now counts the page, and one query: which campaigns the page's tenants are
    # due in, however many rows. (The campaign was saved as the test began: the process keeps
    # its copies once GRACE_SECONDS have passed, welfare.call_config.)
    later = timezone.now() + timedelta(seconds=call_config.GRACE_SECONDS + 1)
    with time_machine.travel(later), django_assert_num_queries(20):
        page = officer_client.get(reverse("welfare:queue")).content.decode()
    assert page.count(f"{COLD_SNAP} - once by 19 Dec") == min(size, 25)
