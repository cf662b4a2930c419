""" "Your calls today" (/queue/today/): the calls the signed-in officer recorded today, newest
first, paginated and as CSV, their own only; each tenant listed is written to the access log."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from conftest import sign_in
from tenants.models import AccessLog
from tests.csv_support import rows as csv_rows
from tests.factories import CallTaskFactory, OfficerFactory
from tests.queue.helpers import ON, at, make_tenant
from welfare.call_models import Call
from welfare.models import CallTask
from welfare.selectors import calls_recorded_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel():
    with time_machine.travel(at(ON, 16), tick=False):
        yield


def call(officer, tenant, when, outcome=Call.Outcome.NO_ANSWER, **fields):
    task = CallTaskFactory(tenant=tenant, status=CallTask.Status.DONE)
    return Call.objects.create(
        task=task,
        tenant=tenant,
        officer=officer,
        made_at=when,
        made_on=when.date(),
        outcome=outcome,
        **fields,
    )


@pytest.fixture
def day(officer, patch, travel):
    """The officer's calls: three today (one just after midnight, British Summer Time: still
    yesterday in UTC) and one late yesterday; and a colleague's call today."""
    tenants = [make_tenant(patch, tenancy_ref=f"TODAY-{n}") for n in range(5)]
    call(officer, tenants[0], at(ON, 0, 10))
    call(officer, tenants[1], at(ON, 9), Call.Outcome.SPOKE, wellbeing="struggling")
    call(officer, tenants[2], at(ON, 14, 30), Call.Outcome.VOICEMAIL)
    call(officer, tenants[3], at(ON - timedelta(days=1), 23, 50))
    call(OfficerFactory(team=patch.team), tenants[4], at(ON, 11))
    return tenants


def refs(body):
    return re.findall(r"TODAY-\d", body)


def test_an_officer_sees_the_calls_they_recorded_today_newest_first(officer_client, day):
    response = officer_client.get("/queue/today/")
    body = response.content.decode()
    assert response.status_code == 200
    assert refs(body) == ["TODAY-2", "TODAY-1", "TODAY-0"]
    assert "14:30" in body and "Spoke to tenant, struggling" in body
    assert f'href="/tenants/{day[2].pk}/"' in body  # the tenant, one click away
    assert 'href="/queue/today.csv"' in body


def test_the_queue_page_links_to_them(officer_client, officer, day):
    body = officer_client.get("/queue/").content.decode()
    assert 'href="/queue/today/"' in body


def test_each_tenant_listed_is_in_the_access_log(officer_client, officer, day):
    officer_client.get("/queue/today/")
    logged = AccessLog.objects.get(user=officer, page="/queue/today/")
    assert sorted(logged.tenant_ids) == sorted(t.pk for t in day[:3])


def test_no_calls_today_says_so(officer_client, officer, travel):
    body = officer_client.get("/queue/today/").content.decode()
    assert "You have not recorded a call today" in body


def test_the_csv_lists_the_same_calls_and_logs_them(officer_client, officer, day):
    response = officer_client.get("/queue/today.csv")
    rows = csv_rows(response)
    assert list(rows[0]) == ["made_at", "tenancy_ref", "name", "outcome", "wellbeing", "call_url"]
    assert [row["tenancy_ref"] for row in rows] == ["TODAY-2", "TODAY-1", "TODAY-0"]
    assert rows[1]["made_at"] == "2026-06-01T09:00+01:00"
    named = [pk for row in AccessLog.objects.filter(user=officer) for pk in row.tenant_ids]
    assert sorted(named) == sorted(t.pk for t in day[:3])


def test_pages_of_25(officer_client, officer, patch, travel):
    tenant = make_tenant(patch, tenancy_ref="TODAY-X")
    for minute in range(30):
        call(officer, tenant, at(ON, 8, minute))
    first = officer_client.get("/queue/today/").content.decode()
    second = officer_client.get("/queue/today/?page=2").content.decode()
    assert (first.count("TODAY-X"), second.count("TODAY-X")) == (25, 5)
    assert "08:29" in first and "08:04" in second


@pytest.mark.parametrize("url", ["/queue/today/", "/queue/today.csv"])
def test_only_officers_and_managers_and_each_sees_only_their_own(
    client, income_officer, manager, day, url
):
    sign_in(client, income_officer)
    assert client.get(url).status_code == 403
    sign_in(client, manager)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert refs(body.decode()) == []  # the officer's calls are not the manager's


def test_signed_out_goes_to_sign_in(client):
    assert client.get("/queue/today/").status_code == 302


@pytest.mark.parametrize("size", [3, 40])
def test_query_count_does_not_grow_with_calls(
    officer_client, officer, patch, travel, size, django_assert_num_queries
):
    for n in range(size):
        call(officer, make_tenant(patch), at(ON, 8) + timedelta(minutes=n))
    # 2 (session, user with devices) + the paginator's count + the page of calls (tenant
    # joined) + the access-log insert + 3 (session save)
    with django_assert_num_queries(8):
        assert officer_client.get("/queue/today/").status_code == 200


def test_the_list_is_read_through_the_officer_and_time_index(officer, patch, travel):
    """With the day's calls of twenty colleagues in the table (and its statistics up to date),
    the plan reads this officer's calls through the officer-and-time index."""
    tenant = make_tenant(patch)
    task = CallTaskFactory(tenant=tenant, status=CallTask.Status.DONE)
    colleagues = [OfficerFactory(team=patch.team) for _ in range(20)]
    Call.objects.bulk_create(
        Call(
            task=task,
            tenant=tenant,
            officer=colleague,
            made_at=at(ON, 8) + timedelta(minutes=n),
            made_on=ON,
            outcome=Call.Outcome.NO_ANSWER,
        )
        for colleague in colleagues
        for n in range(100)
    )
    call(officer, tenant, at(ON, 9))
    sql, params = calls_recorded_today(officer)[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE welfare_call")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "call_officer_made_idx" in plan, plan
