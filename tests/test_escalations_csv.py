"""The Escalations work list can be downloaded as CSV: every escalation its filters list (not
only the page shown), managers only, each tenant logged as listed, a refused filter a 400."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import sign_in
from tenants.models import AccessLog
from tests.csv_support import rows
from tests.factories import TenantFactory
from welfare.call_models import Escalation

pytestmark = pytest.mark.django_db


def escalate(patch, days_ago=1, **fields):
    tenant = TenantFactory(patch=patch, **fields.pop("tenant", {}))
    return Escalation.objects.create(
        tenant=tenant,
        team=patch.team if patch else None,
        reason=fields.pop("reason", Escalation.Reason.WRONG_NUMBER),
        opened_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def test_the_open_list_downloads_every_open_escalation_oldest_first(
    manager_client, patch, other_patch
):
    newer = escalate(patch, 1, tenant={"first_name": "Ada", "last_name": "Ash"})
    older = escalate(other_patch, 4)
    escalate(
        patch, 9, status=Escalation.Status.CLOSED, result="Spoke to her", closed_at=timezone.now()
    )
    page = manager_client.get("/queue/escalations/").content.decode()
    assert 'id="escalations-csv" href="/queue/escalations.csv"' in page
    listed = rows(manager_client.get("/queue/escalations.csv"))
    assert [row["escalation"] for row in listed] == [str(older.pk), str(newer.pk)]
    ada = listed[1]
    assert ada["tenant"] == "Ada Ash"
    assert ada["tenancy_ref"] == newer.tenant.tenancy_ref
    assert ada["why"] == "Wrong or dead number"
    assert ada["team"] == "North team"
    assert ada["status"] == "Open"
    assert ada["days_open"] == "1"
    assert ada["actions_recorded"] == "0"


def test_the_download_keeps_the_pages_team_and_status(manager_client, patch, other_patch):
    escalate(patch, 2)
    south = escalate(other_patch, 3)
    nobody = escalate(None, 5)
    closed = escalate(
        other_patch, 9, status=Escalation.Status.CLOSED, result="Moved", closed_at=timezone.now()
    )
    team = other_patch.team_id
    page = manager_client.get("/queue/escalations/", {"team": team, "page": 1}).content.decode()
    assert f'href="/queue/escalations.csv?team={team}"' in page
    listed = rows(manager_client.get("/queue/escalations.csv", {"team": team}))
    assert [row["escalation"] for row in listed] == [str(south.pk)]
    listed = rows(manager_client.get("/queue/escalations.csv", {"team": "none"}))
    assert [row["escalation"] for row in listed] == [str(nobody.pk)]
    assert listed[0]["team"] == "No team"
    page = manager_client.get("/queue/escalations/", {"status": "closed", "team": team})
    assert f'href="/queue/escalations.csv?status=closed&amp;team={team}"' in page.content.decode()
    listed = rows(manager_client.get("/queue/escalations.csv", {"status": "closed", "team": team}))
    assert [(row["escalation"], row["result"]) for row in listed] == [(str(closed.pk), "Moved")]


def test_the_download_is_every_page_and_logs_every_tenant(manager, client, patch):
    escalations = [escalate(patch, days) for days in range(30)]  # the page shows 25
    sign_in(client, manager)
    before = AccessLog.objects.count()
    listed = rows(client.get("/queue/escalations.csv"))
    assert len(listed) == 30
    logged = AccessLog.objects.order_by("id")[before:]
    assert {entry.user_id for entry in logged} == {manager.pk}
    assert {pk for entry in logged for pk in entry.tenant_ids} == {e.tenant_id for e in escalations}


@pytest.mark.parametrize("query", [{"team": "zzz"}, {"team": "999999"}, {"status": "shut"}])
def test_a_refused_filter_downloads_nothing(manager_client, patch, query):
    escalate(patch)
    before = AccessLog.objects.count()
    response = manager_client.get("/queue/escalations.csv", query)
    assert response.status_code == 400
    assert response.content.decode().startswith("No CSV: the filter has a value")
    assert AccessLog.objects.count() == before


def test_officers_and_income_officers_may_not_download(client, officer, income_officer, patch):
    escalate(patch)
    for user in (officer, income_officer):
        assert sign_in(client, user).get("/queue/escalations.csv").status_code == 403
    client.logout()
    assert client.get("/queue/escalations.csv").status_code == 302


def test_the_download_reads_a_fixed_number_of_queries(manager_client, patch, other_patch):
    def queries(count):
        for n in range(count):
            escalate(patch if n % 2 else other_patch, n)
        with CaptureQueriesContext(connection) as context:
            rows(manager_client.get("/queue/escalations.csv"))
        return len(context.captured_queries)

    assert queries(2) == queries(20)


@pytest.mark.parametrize("query", [{"team": "zzz"}, {"team": "999999"}, {"status": "shut"}])
def test_the_page_refuses_the_filters_its_download_refuses(manager_client, patch, query):
    """The page lists what its download holds: a filter that is not one of the choices lists no
    escalation, with its error, rather than every one as if unfiltered."""
    escalation = escalate(patch)
    before = AccessLog.objects.count()
    response = manager_client.get("/queue/escalations/", query)
    page = response.content.decode()
    assert response.status_code == 400  # as any refused form
    assert "There is a problem with the filter, so no escalations are listed" in page
    assert escalation.tenant.full_name not in page.split('id="escalation-list"')[1]
    assert 'id="escalations-csv"' not in page
    assert AccessLog.objects.count() == before


def test_the_pages_link_downloads_what_the_page_lists(manager_client, patch, other_patch):
    ours, theirs = escalate(patch), escalate(other_patch)
    page = manager_client.get(f"/queue/escalations/?team={patch.team_id}&page=1").content.decode()
    link = page.split('id="escalations-csv" href="')[1].split('"')[0].replace("&amp;", "&")
    assert link == f"/queue/escalations.csv?team={patch.team_id}"
    assert [row["escalation"] for row in rows(manager_client.get(link))] == [str(ours.pk)]
    assert theirs.tenant.full_name not in page.split('id="escalation-list"')[1]


def test_a_team_filtered_list_names_its_team(manager_client, patch):
    escalate(patch)
    page = manager_client.get(f"/queue/escalations/?status=closed&team={patch.team_id}")
    assert f"Closed, newest first: {patch.team.name}</caption>" in page.content.decode()
    none = manager_client.get("/queue/escalations/?team=none").content.decode()
    assert "Open, oldest first: No team</caption>" in none


def _open_figures(page):
    """Each "Open" figure of the by-team table: (the link it opens, the number shown)."""
    table = page.split('id="escalations-by-team"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'numeric"><a class="govuk-link" href="([^"]+)">(\d+)<span', table)
    return [(html.unescape(href), int(figure)) for href, figure in cells]


def test_each_teams_open_figure_opens_that_teams_open_escalations(
    manager_client, patch, other_patch
):
    """Tester: the "Open" counts per team were plain text. Each opens its team's open ones, as
    many as it says, on the page and in the page's download."""
    for days in (1, 2, 3):
        escalate(patch, days)
    escalate(other_patch, 4)
    escalate(None, 5)
    closed = {"status": Escalation.Status.CLOSED, "result": "Moved", "closed_at": timezone.now()}
    escalate(patch, 6, **closed)
    page = manager_client.get("/queue/escalations/").content.decode()
    figures = _open_figures(page)
    assert figures == [
        (f"?status=open&team={patch.team_id}", 3),
        (f"?status=open&team={other_patch.team_id}", 1),
        ("?status=open&team=none", 1),
    ]
    for query, figure in figures:
        listed = manager_client.get("/queue/escalations/" + query).content.decode()
        table = listed.split('id="escalation-list"', 1)[1].split("</table>", 1)[0]
        assert table.count('href="/queue/escalations/') == figure
        link = listed.split('id="escalations-csv" href="')[1].split('"')[0]
        assert len(rows(manager_client.get(html.unescape(link)))) == figure


def test_the_page_reads_a_fixed_number_of_queries(
    manager_client, patch, other_patch, django_assert_num_queries
):
    for n in range(3):
        escalate(patch if n % 2 else other_patch, n)
    # 3 (session, user, device) + the teams for the filter + the count and the page of
    # escalations + the access log (insert) + the figures by team + 3 (save)
    with django_assert_num_queries(11):
        manager_client.get("/queue/escalations/")
    for n in range(30):
        escalate(patch if n % 2 else other_patch, n)
    with django_assert_num_queries(11):
        manager_client.get("/queue/escalations/")
