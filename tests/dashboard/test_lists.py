"""The lists behind the dashboard's counts (issue 20): tenants overdue in a cohort, escalations
past their target, requests past target. Paginated, filtered, CSV, logged, flat query counts."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dashboard.refresh import dashboard_refresh
from tenants.models import AccessLog
from tests import csv_support
from tests.factories import HelpRequestFactory, TenantFactory
from welfare.call_models import Escalation

pytestmark = pytest.mark.django_db


def aged(patch, days_since_contact, **fields):
    """A tenant aged 70+ (called every 14 days) last spoken to `days_since_contact` days ago."""
    return TenantFactory(
        patch=patch,
        date_of_birth=date(1940, 3, 1),
        last_contact_at=timezone.now() - timedelta(days=days_since_contact),
        **fields,
    )


def url(name, **query):
    from urllib.parse import urlencode

    return reverse("dashboard:list", args=[name]) + ("?" + urlencode(query) if query else "")


def test_overdue_in_a_cohort_lists_those_tenants_and_logs_each(
    manager_client, manager, patch, other_patch
):
    late = aged(patch, 20)
    aged(patch, 3)  # up to date
    elsewhere = aged(other_patch, 30)
    dashboard_refresh()  # the list shows the tenants the dashboard's count counted
    response = manager_client.get(
        url("tenants", cohort="aged_70", standing="overdue", team=patch.team_id)
    )
    page = response.content.decode()
    assert escape(late.full_name) in page and "Overdue 6 days" in page
    assert escape(elsewhere.full_name) not in page
    assert "<strong>1</strong> tenant." in page
    logged = AccessLog.objects.get(user=manager)
    assert logged.tenant_ids == [late.pk] and "standing=overdue" in logged.query


def test_the_csv_has_every_matching_tenant_across_pages(manager_client, manager, patch):
    tenants = [aged(patch, 15 + i) for i in range(55)]  # more than a page of 50
    dashboard_refresh()
    response = manager_client.get(
        reverse("dashboard:list_csv", args=["tenants"]) + "?cohort=aged_70&standing=overdue"
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_support.lines(response)
    assert rows[0][:2] == ["tenancy_ref", "name"]
    assert {row[0] for row in rows[1:]} == {t.tenancy_ref for t in tenants}
    named = [pk for row in AccessLog.objects.filter(user=manager) for pk in row.tenant_ids]
    assert len(set(named)) == 55


def test_the_list_is_paginated(manager_client, patch):
    for i in range(55):
        aged(patch, 15 + i)
    dashboard_refresh()
    first = manager_client.get(url("tenants", standing="overdue")).content.decode()
    assert "Page 1 of 2" in first
    assert "page=2" in first and "standing=overdue" in first


def test_escalations_past_their_target(manager_client, patch):
    now = timezone.now()
    old = Escalation.objects.create(
        tenant=TenantFactory(patch=patch),
        team=patch.team,
        reason="wrong_number",
        opened_at=now - timedelta(days=10),
    )
    new = Escalation.objects.create(
        tenant=TenantFactory(patch=patch), team=patch.team, reason="wrong_number", opened_at=now
    )
    page = manager_client.get(url("escalations", past_target="on")).content.decode()
    assert escape(old.tenant.full_name) in page
    assert escape(new.tenant.full_name) not in page


def test_requests_past_target(manager_client, patch):
    tenant = TenantFactory(patch=patch)
    late = HelpRequestFactory(tenant=tenant, team=patch.team)
    type(late).objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    on_time = HelpRequestFactory(tenant=TenantFactory(patch=patch), team=patch.team)
    page = manager_client.get(url("requests", past_target="on")).content.decode()
    assert escape(late.tenant.full_name) in page
    assert escape(on_time.tenant.full_name) not in page


def test_officers_are_refused(officer_client):
    assert officer_client.get(url("tenants")).status_code == 403
    assert officer_client.get(reverse("dashboard:list_csv", args=["tenants"])).status_code == 403


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("tenants", {"cohort": "aged_70", "standing": "late"}),
        ("escalations", {"reason": "nope"}),
        ("requests", {"need": "food", "team": "9999"}),
        ("calls", {"day": "yesterday"}),
    ],
)
def test_an_invalid_filter_value_shows_its_error_and_no_rows(
    manager_client, manager, patch, name, query
):
    """Never the unfiltered list in place of the figure clicked: the error, and no rows."""
    from tests.factories import CallTaskFactory, OfficerFactory

    tenant = aged(patch, 20)
    Escalation.objects.create(
        tenant=tenant, team=patch.team, reason="wrong_number", opened_at=timezone.now()
    )
    HelpRequestFactory(tenant=tenant, team=patch.team, need="food")
    call(CallTaskFactory(tenant=tenant), OfficerFactory(team=patch.team), "spoke")
    dashboard_refresh()
    page = manager_client.get(url(name, **query)).content.decode()
    assert 'id="list-refused"' in page and "<strong>0</strong>" in page
    assert escape(tenant.full_name) not in page
    assert not AccessLog.objects.filter(user=manager).exists()
    csv_response = manager_client.get(reverse("dashboard:list_csv", args=[name]), query)
    assert csv_response.status_code == 400


def test_an_unknown_list_is_not_found(manager_client):
    assert manager_client.get(url("nothing")).status_code == 404


@pytest.mark.parametrize("size", [3, 40])
def test_the_tenant_list_queries_do_not_grow(
    manager_client, patch, size, django_assert_num_queries
):
    for i in range(size):
        aged(patch, 15 + i)
    dashboard_refresh()
    # 3 (session, user, device) + teams + cohorts (the filter) + the latest snapshot + the
    # count and the standing's run of positions (one aggregate of the group figures) + the
    # page of tenants (patch and team joined) + the access log (one insert) + 3 (session save)
    with django_assert_num_queries(12):
        assert manager_client.get(url("tenants", standing="overdue")).status_code == 200
    with django_assert_num_queries(12):
        response = manager_client.get(url("tenants", cohort="aged_70", team=patch.team_id))
        assert f"<strong>{size}</strong> tenants." in response.content.decode()


# Workload by officer ------------------------------------------------------------------------


def call(task, officer, outcome, days_ago=0):
    from welfare.call_models import Call

    made_at = timezone.now() - timedelta(days=days_ago)
    return Call.objects.create(
        task=task,
        tenant=task.tenant,
        officer=officer,
        made_at=made_at,
        made_on=timezone.localtime(made_at).date(),
        outcome=outcome,
        wellbeing="good" if outcome == "spoke" else "",
    )


def test_workload_counts_calls_contact_rate_requests_and_escalations(manager_client, patch, team):
    from tests.factories import CallTaskFactory, OfficerFactory

    amy = OfficerFactory(team=team, first_name="Amy", last_name="Shaw")
    OfficerFactory(team=team, first_name="Ben", last_name="Cole")  # idle: a line of zeros
    task = CallTaskFactory(tenant=TenantFactory(patch=patch))
    call(task, amy, "spoke")
    call(task, amy, "no_answer", days_ago=1)
    call(task, amy, "wrong_number", days_ago=2)
    call(task, amy, "spoke", days_ago=40)  # outside the 30 days
    Escalation.objects.create(
        tenant=task.tenant,
        task=task,
        team=team,
        reason="wrong_number",
        opened_at=timezone.now() - timedelta(days=2, seconds=-1),
    )
    HelpRequestFactory(tenant=task.tenant, team=team, raised_by=amy, owner=amy)
    response = manager_client.get(reverse("dashboard:workload") + f"?days=30&team={team.pk}")
    page = response.content.decode()
    row = page.split("Amy Shaw</th>")[1].split("</tr>")[0]
    row = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", row)
    cells = [re.sub(r"<[^>]+>", "", c.split(">", 1)[-1]) for c in row.split("</td>")[:-1]]
    assert cells[1:] == ["3", "33", "1", "1", "1"]
    assert "Ben Cole" in page


@pytest.mark.parametrize("size", [2, 12])
def test_workload_queries_do_not_grow(manager_client, team, size, django_assert_num_queries):
    from tests.factories import OfficerFactory

    for _ in range(size):
        OfficerFactory(team=team)
    # 3 (session, user, device) + teams + officers + calls + requests raised + requests
    # owned + escalations raised + 3 (session save)
    with django_assert_num_queries(12):
        assert manager_client.get(reverse("dashboard:workload")).status_code == 200


def test_a_long_calls_list_counts_up_to_its_cap_and_says_there_are_more(
    manager_client, patch, monkeypatch
):
    from dataclasses import replace

    from dashboard import lists
    from tests.factories import CallTaskFactory, OfficerFactory

    officer = OfficerFactory(team=patch.team)
    task = CallTaskFactory(tenant=TenantFactory(patch=patch))
    for hours in range(3):
        call(task, officer, "spoke", days_ago=hours / 24)
    page = manager_client.get(url("calls")).content.decode()
    assert "<strong>3</strong> calls." in page
    monkeypatch.setitem(lists.LISTS, "calls", replace(lists.LISTS["calls"], count_cap=2))
    page = manager_client.get(url("calls")).content.decode()
    assert "More than <strong>2</strong> calls: the first 2 are shown" in page
    assert page.count(escape(task.tenant.full_name)) == 2


def test_the_calls_list_offers_each_period_once(manager_client, patch):
    from tests.factories import CallTaskFactory, OfficerFactory

    task = CallTaskFactory(tenant=TenantFactory(patch=patch))
    call(task, OfficerFactory(team=patch.team), "spoke", days_ago=60)
    page = manager_client.get(url("calls")).content.decode()
    assert page.count("Last 90 days") == 1
    assert page.count("Last 7 days") == 1
    # The workload page's links ask for 90 days by name: the same list, with nothing refused.
    response = manager_client.get(url("calls", period="90"))
    assert response.status_code == 200
    assert "<strong>1</strong> call." in response.content.decode()
    assert (
        "<strong>0</strong> calls."
        in manager_client.get(url("calls", period="30")).content.decode()
    )
