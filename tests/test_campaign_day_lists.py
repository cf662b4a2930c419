"""The campaign page's other numbers open their lists too, each with a CSV: a day's calls and
those that reached the tenant ("Calls by day"), and the tenants behind "N calls are in today's
queue" (and those with a manager or joining at the next build). PostgreSQL."""

import csv
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import AccessLog, Tenant
from tests.test_campaign_figures import ON, at, call, cold_snap_called, over_70
from welfare.call_models import Escalation
from welfare.campaign_selectors import in_todays_queue
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
DAY = ON.isoformat()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(13), tick=True):
        yield


@pytest.fixture
def campaign(manager, patch, other_patch, officer, other_officer):
    """Cold snap on ON: Ada (North, spoke at 10:00), Bea (North, no answer at 11:00) and Eve
    (South, spoke at 12:00) called; the rest not yet (tests/test_campaign_figures)."""
    return cold_snap_called(manager, patch, other_patch, officer, other_officer)


def refs(*names):
    return {Tenant.objects.get(first_name=name).tenancy_ref for name in names}


def listed_refs(page, table):
    body = page.split(f'id="{table}"')[1].split("</table>")[0]
    return set(re.findall(r'data-label="Tenancy">([^<]+)</td>', body))


def csv_rows(response):
    """The download's rows as lists, after the byte-order mark every download starts with."""
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def detail(client, campaign):
    return client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()


def test_each_days_calls_and_reached_open_their_lists(manager_client, manager, campaign):
    """On ON: Ada (spoke), Bea (no answer) and Eve (spoke) were called."""
    page = detail(manager_client, campaign)
    url = reverse("campaigns:day_calls", args=[campaign.pk])
    assert f'href="{url}?day={DAY}" aria-label="3 calls on 1 Dec 2026">3</a>' in page
    assert (
        f'href="{url}?day={DAY}&amp;show=reached" aria-label="2 reached on 1 Dec 2026">2</a>'
        in (page)
    )

    calls = manager_client.get(url, {"day": DAY}).content.decode()
    assert "<strong>3</strong> calls" in calls
    assert listed_refs(calls, "day-calls") == refs("Ada", "Bea", "Eve")
    assert "No answer" in calls and "Calls on 1 December 2026" in calls
    reached = manager_client.get(url, {"day": DAY, "show": "reached"}).content.decode()
    assert listed_refs(reached, "day-calls") == refs("Ada", "Eve")

    download = reverse("campaigns:day_calls_csv", args=[campaign.pk])
    assert f'href="{download}?day={DAY}&amp;show=reached"' in reached
    rows = csv_rows(manager_client.get(download, {"day": DAY, "show": "reached"}))
    assert rows[0] == ["made_at", "name", "tenancy_ref", "team", "officer", "outcome"]
    assert {row[2] for row in rows[1:]} == refs("Ada", "Eve")
    assert rows[1][0] == "2026-12-01 10:00" and rows[1][5] == "Spoke to tenant"
    # The names shown and downloaded are reads of those tenants: logged.
    bea = Tenant.objects.get(first_name="Bea")
    logged = AccessLog.objects.filter(user=manager, tenant_ids__contains=[bea.pk])
    assert logged.filter(page=url).exists()
    ada = Tenant.objects.get(first_name="Ada")
    assert AccessLog.objects.filter(page=download, tenant_ids__contains=[ada.pk]).exists()
    assert not AccessLog.objects.filter(page=download, tenant_ids__contains=[bea.pk]).exists()


def test_a_day_that_is_missing_or_not_a_date_lists_no_calls(manager_client, campaign):
    url = reverse("campaigns:day_calls", args=[campaign.pk])
    for query in ({}, {"day": "yesterday"}, {"day": DAY, "show": "everyone"}):
        response = manager_client.get(url, query)
        assert response.status_code == 400
        assert 'id="day-calls"' not in response.content.decode()
        download = manager_client.get(reverse("campaigns:day_calls_csv", args=[campaign.pk]), query)
        assert download.status_code == 400


def test_officers_may_not_open_the_new_lists(officer_client, campaign):
    for name in ("day_calls", "day_calls_csv", "queue_today", "queue_today_csv"):
        url = reverse(f"campaigns:{name}", args=[campaign.pk])
        assert officer_client.get(url, {"day": DAY}).status_code == 403


def test_the_todays_queue_sentence_opens_its_lists(manager_client, campaign, patch):
    """Dot has an open escalation and, like the others not reached, her call is in the queue.
    Two more tenants join after the build: Ivy with an open escalation (with a manager, no
    call), Jo with neither (joins at the next build)."""
    ivy, jo = over_70(patch, "Ivy"), over_70(patch, "Jo")
    Escalation.objects.create(tenant=ivy, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER)
    counts = in_todays_queue(campaign, ON)
    assert (counts["with_manager"], counts["waiting"]) == (1, 1)
    page = detail(manager_client, campaign)
    url = reverse("campaigns:queue_today", args=[campaign.pk])
    queued = counts["queued"]
    assert f'<a class="govuk-link" href="{url}"><strong>{queued} calls</strong></a>' in page
    assert f'href="{url}?show=with_manager">1 of its tenants due today</a>' in page
    assert f'href="{url}?show=waiting">1 more</a>' in page

    listing = manager_client.get(url).content.decode()
    assert f"<strong>{queued}</strong> tenants" in listing
    in_queue = listed_refs(listing, "queue-tenants")
    assert refs("Bea", "Dot") <= in_queue and not refs("Ada", "Eve", "Ivy", "Jo") & in_queue
    with_manager = manager_client.get(url, {"show": "with_manager"}).content.decode()
    assert listed_refs(with_manager, "queue-tenants") == {ivy.tenancy_ref}
    waiting = manager_client.get(url, {"show": "waiting"}).content.decode()
    assert listed_refs(waiting, "queue-tenants") == {jo.tenancy_ref}

    rows = csv_rows(
        manager_client.get(
            reverse("campaigns:queue_today_csv", args=[campaign.pk]), {"show": "waiting"}
        )
    )
    assert rows == [["name", "tenancy_ref", "team"], [jo.full_name, jo.tenancy_ref, "North team"]]
    assert manager_client.get(url, {"show": "everyone"}).status_code == 400


def test_the_lists_queries_do_not_grow_with_rows(manager_client, campaign, patch, officer):
    calls = reverse("campaigns:day_calls", args=[campaign.pk])
    queue = reverse("campaigns:queue_today", args=[campaign.pk])

    def queries(url, query):
        with CaptureQueriesContext(connection) as context:
            assert manager_client.get(url, query).status_code == 200
        return len(context)

    queries(calls, {"day": DAY})  # sessions and the like settle
    few = queries(calls, {"day": DAY}), queries(queue, {})
    for name in ("Kit", "Lu", "Mo"):
        over_70(patch, name)
    build_call_queue(on=ON)
    for hour, name in enumerate(("Kit", "Lu", "Mo"), start=14):
        call(Tenant.objects.get(first_name=name), officer, "no_answer", hour)
    assert (queries(calls, {"day": DAY}), queries(queue, {})) == few
