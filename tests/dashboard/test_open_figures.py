"""Every count on the dashboard opens the list behind it (issue 20, "Figures you can open"): the
cohort headlines, every count in every table (calls per day and services included), the calls
summary, the workload's calls. Percentages are not counts and stay plain."""

import re
from copy import copy
from datetime import timedelta
from html import unescape
from urllib.parse import urlparse
from uuid import uuid4

import pytest
from django.utils.html import escape

from dashboard.refresh import dashboard_refresh
from tenants.models import AccessLog
from tests import csv_support
from tests.dashboard.helpers import NOW, TODAY

pytestmark = pytest.mark.django_db

TABLE = re.compile(r'<table class="govuk-table" id="table-([\w-]+)">(.*?)</table>', re.S)
HEADER = re.compile(r'<th scope="col"[^>]*>(.*?)</th>', re.S)
ROW = re.compile(r'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>.*?</th>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="govuk-table__cell govuk-table__cell--numeric">(.*?)</td>', re.S)
HREF = re.compile(r'href="([^"]+)"')
HEADLINES = re.compile(r'<ul class="govuk-list govuk-list--spaced" id="headlines">(.*?)</ul>', re.S)


def unlinked_counts(page):
    """(table, column, cell) for every count on the page that does not open a list."""
    found = []
    for slug, body in TABLE.findall(page):
        headers = HEADER.findall(body)[1:]
        for cells in ROW.findall(body):
            for header, cell in zip(headers, CELL.findall(cells), strict=True):
                if "%" in header or cell == "–" or "<a " in cell:
                    continue
                if cell.replace(",", "").isdigit():
                    found.append((slug, header, cell))
    return found


@pytest.fixture
def snapshot(world):
    return dashboard_refresh(now=NOW)


@pytest.mark.parametrize("which", ["", "north", "none"])
def test_every_count_on_the_dashboard_is_a_link(world, snapshot, manager_client, which):
    scope = {"": "", "north": world.north.pk, "none": "none"}[which]
    page = manager_client.get("/dashboard/", {"team": scope} if scope else {}).content.decode()
    assert unlinked_counts(page) == []
    headlines = HEADLINES.search(page)
    for line in re.findall(r"<li[^>]*>(.*?)</li>", headlines[1], re.S):
        assert "<a " in line or "switched off" in line or "no tenants" in line, line
    summary = re.search(r'<p class="govuk-body" id="calls-summary">(.*?)</p>', page, re.S)[1]
    assert len(HREF.findall(summary)) == 2


def test_every_link_behind_a_count_opens_its_list(world, snapshot, manager_client):
    page = manager_client.get("/dashboard/", {"team": world.north.pk}).content.decode()
    links = {unescape(href) for _slug, body in TABLE.findall(page) for href in HREF.findall(body)}
    links = {link for link in links if ".csv" not in link}
    assert any("/dashboard/lists/calls/" in link for link in links)
    assert any(link.startswith("/arrears/?") for link in links)
    assert any(link.startswith("/services/?status=") for link in links)
    for link in sorted(links):
        response = manager_client.get(link)
        assert response.status_code == 200, link
        assert urlparse(link).path in response.wsgi_request.path


def test_a_days_calls_open_as_a_list_filtered_logged_and_downloadable(
    world, snapshot, manager_client, manager
):
    day = TODAY.isoformat()
    page = manager_client.get(
        "/dashboard/lists/calls/", {"day": day, "team": world.north.pk}
    ).content.decode()
    shown = AccessLog.objects.filter(user=manager, page="/dashboard/lists/calls/").get()
    from welfare.call_models import Call

    expected = Call.objects.filter(made_on=TODAY, task__team=world.north)
    assert f"<strong>{expected.count()}</strong> call" in page
    assert set(shown.tenant_ids) == set(expected.values_list("tenant_id", flat=True))
    reached = manager_client.get(
        "/dashboard/lists/calls/", {"day": day, "team": world.north.pk, "reached": "on"}
    ).content.decode()
    spoke = expected.filter(outcome="spoke").count()
    assert f"<strong>{spoke}</strong> call" in reached
    response = manager_client.get("/dashboard/lists/calls.csv", {"day": day})
    rows = csv_support.lines(response)
    assert rows[0] == ["tenancy_ref", "name", "made_at", "outcome", "officer", "team"]
    assert len(rows) - 1 == Call.objects.filter(made_on=TODAY).count()


def test_a_list_writes_its_count_as_the_dashboard_does_with_a_thousands_comma(
    world, snapshot, manager_client
):
    from welfare.call_models import Call

    call = Call.objects.filter(made_on=TODAY).first()
    day = TODAY - timedelta(days=40)  # a day the world made no calls on
    copies = []
    for _ in range(1016):
        call.pk, call.made_on, call.idempotency_key = None, day, uuid4()
        copies.append(copy(call))
    Call.objects.bulk_create(copies)
    page = manager_client.get("/dashboard/lists/calls/", {"day": day.isoformat()})
    assert "<strong>1,016</strong> calls." in page.content.decode()


def test_the_dashboard_s_day_counts_match_their_lists(world, snapshot, manager_client):
    page = manager_client.get("/dashboard/").content.decode()
    body = dict(TABLE.findall(page))["calls"]
    for cells in ROW.findall(body)[:5]:
        calls_cell = CELL.findall(cells)[0]
        figure = re.sub(r"<.*", "", re.sub(r"^<a [^>]*>", "", calls_cell))
        link = unescape(HREF.findall(calls_cell)[0])
        listed = manager_client.get(link).content.decode()
        assert f"<strong>{figure}</strong> call" in listed, link


def test_the_arrears_list_filters_by_the_team_of_the_tenant_s_patch(world, manager_client):
    north = manager_client.get("/arrears/", {"team": world.north.pk}).content.decode()
    nobody = manager_client.get("/arrears/", {"team": "none"}).content.decode()
    t = world.tenants
    assert t.a.tenancy_ref in north and t.i.tenancy_ref not in north
    assert t.k.tenancy_ref in nobody and t.a.tenancy_ref not in nobody


def test_the_services_register_shows_one_status(world, manager_client):
    page = manager_client.get("/services/", {"status": "reduced"}).content.decode()
    assert 'id="register-filter"' in page
    assert page.count('<tr class="govuk-table__row" id="service-') == 1


@pytest.mark.parametrize("size", [2, 30])
def test_the_calls_list_queries_do_not_grow(
    world, manager_client, officer, size, django_assert_num_queries
):
    from tests.dashboard.helpers import log_call
    from welfare.models import CallTask

    task = CallTask.objects.filter(team=world.north).first()
    for n in range(size):
        log_call(task, officer, NOW.replace(minute=n), "no_answer")
    # 3 (session, user, device) + teams + officers (the filter) + count + the page of calls
    # (tenant, officer, task and team joined) + the access log (one insert) + 3 (session save)
    with django_assert_num_queries(11):
        assert manager_client.get("/dashboard/lists/calls/").status_code == 200


def test_each_officer_s_workload_opens_its_lists(world, manager_client, officer):
    # A name the page escapes, every time (the factory's names are drawn at random).
    officer.first_name, officer.last_name = "Conor", "O'Connor"
    officer.save(update_fields=["first_name", "last_name"])
    page = manager_client.get("/dashboard/officers/", {"days": "30"}).content.decode()
    row = page.split(f"{escape(officer.get_full_name())}</th>")[1].split("</tr>")[0]
    links = [unescape(link) for link in HREF.findall(row)]
    assert len(links) == 4  # calls, requests raised, requests owned, escalations raised
    cells = re.findall(r'numeric"><a [^>]*>(\d+)<span', row)
    for link, figure in zip(links, cells, strict=True):
        noun = next(n for n in ("escalation", "request", "call") if f"/{n}s/" in link)
        listed = manager_client.get(link).content.decode()
        assert f"<strong>{figure}</strong> {noun}" in listed, link
