"""Every figure on a campaign's page opens the list of its tenants (name, reference, team,
state, last attempt), with a CSV of that list: the lists hold exactly the tenants their
figures count, by team and in all, within the user's team scope, in a flat number of queries.
PostgreSQL."""

import re
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from tenants.models import AccessLog, Tenant
from tests import csv_support
from tests.factories import TenantFactory
from welfare.call_actions import call_log
from welfare.call_models import Escalation
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign
from welfare.campaign_selectors import FIGURE_FILTERS, campaign_progress, figure_tenants
from welfare.models import CallTask
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 12, 1)
FIGURES = list(FIGURE_FILTERS)


def at(hour, minute=0):
    return datetime.combine(ON, time(hour, minute), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(9), tick=True):
        yield


def cold_snap(manager):
    """A cohort campaign from ON for ten days: each tenant aged 70 or more who lives alone,
    once."""
    return campaign_create(
        by=manager,
        name="Cold snap",
        kind=Campaign.Kind.COHORT,
        starts_on=ON,
        ends_on=ON + timedelta(days=10),
        schedule=Campaign.Schedule.ONCE,
        min_age=70,
        lives_alone_only=True,
        questions=[{"text": "Warm enough?", "kind": "yes_no"}],
    )


def over_70(patch, name):
    """In the campaign (75, lives alone), spoken to yesterday: not due in the COVID calls."""
    tenant = TenantFactory(
        patch=patch,
        first_name=name,
        last_name="Figure",
        date_of_birth=date(1951, 6, 1),
        lives_alone=True,
        last_contact_at=at(10) - timedelta(days=1),
    )
    Tenant.objects.filter(pk=tenant.pk).update(created_at=at(9) - timedelta(days=365))
    return tenant


def call(tenant, officer, outcome, hour):
    task = CallTask.objects.open().get(tenant=tenant)
    CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=at(hour))
    task.refresh_from_db()
    call_log(
        task=task,
        officer=officer,
        outcome=outcome,
        wellbeing="good" if outcome == "spoke" else "",
        idempotency_key=uuid.uuid4(),
        campaigns=[Campaign.objects.get(name="Cold snap")],
        now=at(hour),
    )


@pytest.fixture
def campaign(manager, patch, other_patch, officer, other_officer):
    return cold_snap_called(manager, patch, other_patch, officer, other_officer)


def cold_snap_called(manager, patch, other_patch, officer, other_officer):
    """North: one reached, one tried, one not tried, one not tried and escalated. South: one
    reached, two not tried. No patch: one not tried."""
    campaign = cold_snap(manager)
    north = {name: over_70(patch, name) for name in ("Ada", "Bea", "Cy", "Dot")}
    south = {name: over_70(other_patch, name) for name in ("Eve", "Fay", "Gus")}
    over_70(None, "Hal")
    build_call_queue(on=ON)
    call(north["Ada"], officer, "spoke", 10)
    call(north["Bea"], officer, "no_answer", 11)
    call(south["Eve"], other_officer, "spoke", 12)
    Escalation.objects.create(
        tenant=north["Dot"], team=patch.team, reason=Escalation.Reason.WRONG_NUMBER
    )
    return campaign


def listed(client, campaign, **query):
    response = client.get(reverse("campaigns:tenants", args=[campaign.pk]), query)
    assert response.status_code == 200
    page = response.content.decode()
    count = int(re.search(r'id="figure-count"><strong>(\d+)</strong>', page)[1])
    names = set(re.findall(r">([A-Z][a-z]+ Figure)</a>", page))
    return count, names, page


def downloaded(client, campaign, **query):
    response = client.get(reverse("campaigns:tenants_csv", args=[campaign.pk]), query)
    rows = csv_support.lines(response)
    assert rows[0] == ["name", "tenancy_ref", "team", "state", "last_attempt", "last_outcome"]
    return rows[1:]


def test_every_figure_on_the_page_links_to_its_list(manager_client, campaign, team):
    page = manager_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    base = reverse("campaigns:tenants", args=[campaign.pk])
    for figure in FIGURES:
        assert f'href="{base}?show={figure}&amp;team={team.pk}"' in page  # North's row
        assert f'href="{base}?show={figure}&amp;team=none"' in page  # tenants with no patch
        assert f'href="{base}?show={figure}"' in page  # all teams
    assert reverse("campaigns:tenants_csv", args=[campaign.pk]) in page


def test_each_list_holds_exactly_the_tenants_its_figure_counts(manager_client, manager, campaign):
    progress = campaign_progress(campaign, ON)
    rows = [(row["patch__team_id"] or "none", row) for row in progress["by_team"]]
    rows.append(("", progress["totals"]))
    assert progress["totals"]["tenants"] == 8
    for team, figures in rows:
        query = {"team": team} if team else {}
        names = {}
        for figure in FIGURES:
            count, names[figure], _ = listed(manager_client, campaign, show=figure, **query)
            assert count == len(names[figure]) == figures[figure], (team, figure)
            csv_names = {
                row[0] for row in downloaded(manager_client, campaign, show=figure, **query)
            }
            assert csv_names == names[figure], (team, figure)
        # The figures add up, and so do their lists: each tenant is in one of the three.
        assert (
            figures["reached"] + figures["attempted"] + figures["not_tried"] == figures["tenants"]
        )
        assert names["reached"] | names["attempted"] | names["not_tried"] == names["tenants"]
        assert not names["reached"] & names["attempted"]
        assert not (names["reached"] | names["attempted"]) & names["not_tried"]
        assert names["escalated"] <= names["tenants"]


def test_the_list_says_each_tenants_state_and_last_attempt(
    manager_client, manager, campaign, team, patch
):
    _, names, page = listed(manager_client, campaign, show="tenants", team=team.pk)
    assert names == {"Ada Figure", "Bea Figure", "Cy Figure", "Dot Figure"}
    bea = Tenant.objects.get(first_name="Bea")
    assert bea.tenancy_ref in page and escape("North team") in page
    assert "Attempted" in page and "1 Dec 2026, 11:00: No answer" in page
    assert "Not yet tried, escalated" in page and "None yet" in page
    rows = {row[0]: row for row in downloaded(manager_client, campaign, team=team.pk)}
    assert rows["Bea Figure"] == [
        "Bea Figure",
        bea.tenancy_ref,
        "North team",
        "Attempted",
        "2026-12-01 11:00",
        "No answer",
    ]
    assert rows["Ada Figure"][3:] == ["Reached", "2026-12-01 10:00", "Spoke to tenant"]
    # Names on a list page and in a download are reads of those tenants: logged.
    logged = AccessLog.objects.filter(user=manager, tenant_ids__contains=[bea.pk])
    assert logged.filter(page=reverse("campaigns:tenants", args=[campaign.pk])).exists()
    assert logged.filter(page=reverse("campaigns:tenants_csv", args=[campaign.pk])).exists()


def test_the_lists_are_scoped_by_the_access_layer(campaign, officer, team):
    """An officer's scope (were the lists opened to them) is their team's tenants, and the
    figures counted for them are those same tenants."""
    scoped = figure_tenants(campaign, ON, user=officer, figure="tenants")
    assert {tenant.patch.team_id for tenant in scoped} == {team.pk}
    assert campaign_progress(campaign, ON, user=officer)["totals"]["tenants"] == scoped.count() == 4


def test_officers_may_not_open_the_lists(officer_client, campaign):
    for name in ("campaigns:tenants", "campaigns:tenants_csv"):
        assert officer_client.get(reverse(name, args=[campaign.pk])).status_code == 403


def test_a_figure_not_on_the_page_lists_no_one(manager_client, campaign):
    response = manager_client.get(
        reverse("campaigns:tenants", args=[campaign.pk]), {"show": "everyone"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Figure: Select a valid choice" in page
    assert "Figure</a>" not in page and 'id="figure-tenants"' not in page
    download = manager_client.get(
        reverse("campaigns:tenants_csv", args=[campaign.pk]), {"team": "999999"}
    )
    assert download.status_code == 400 and b"Figure" not in download.content


def test_list_queries_do_not_grow_with_tenants_or_calls(manager_client, campaign, patch, officer):
    url = reverse("campaigns:tenants", args=[campaign.pk])
    manager_client.get(url)  # sessions and the like settle
    with CaptureQueriesContext(connection) as few:
        manager_client.get(url)
    for name in ("Ivy", "Jo", "Kit", "Lu", "Mo"):
        over_70(patch, name)
    build_call_queue(on=ON)
    call(Tenant.objects.get(first_name="Ivy"), officer, "no_answer", 13)
    with CaptureQueriesContext(connection) as more:
        count, names, _ = listed(manager_client, campaign)
    assert count == len(names) == 13
    assert len(more.captured_queries) == len(few.captured_queries)
