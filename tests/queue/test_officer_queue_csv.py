"""An officer downloads their own team's queue as their "Call queue" shows it (the same filter,
every page), as managers download a team's; another team's, or no team's, is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import sign_in
from tenants.models import AccessLog
from tests.csv_support import rows as csv_rows
from tests.factories import CallTaskFactory
from tests.queue.helpers import make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(patch):
    today = timezone.localdate()
    overdue = [
        CallTaskFactory(
            tenant=make_tenant(patch, tenancy_ref=f"OVER-{n}"), due_on=today - timedelta(days=5 - n)
        )
        for n in range(3)
    ]
    CallTaskFactory(tenant=make_tenant(patch, tenancy_ref="TODAY-0"), due_on=today)
    return overdue


def test_an_officer_downloads_their_teams_queue_as_filtered(officer_client, officer, team, tasks):
    response = officer_client.get(f"/queue/team/{team.pk}.csv?reason=overdue")
    assert response.status_code == 200
    rows = csv_rows(response)
    header = ["rank", "tenancy_ref", "name", "due_on", "why", "assigned_to", "being_made_by"]
    assert list(rows[0]) == header
    assert [row["tenancy_ref"] for row in rows] == ["OVER-0", "OVER-1", "OVER-2"]
    named = [pk for row in AccessLog.objects.filter(user=officer) for pk in row.tenant_ids]
    assert sorted(named) == sorted(task.tenant_id for task in tasks)


def test_the_queue_page_links_to_the_download_with_its_filter(officer_client, team, tasks):
    body = officer_client.get("/queue/?reason=overdue&page=1").content.decode()
    assert f'href="/queue/team/{team.pk}.csv?reason=overdue"' in body
    whole = officer_client.get("/queue/").content.decode()
    assert f'href="/queue/team/{team.pk}.csv"' in whole


def test_another_teams_officer_and_an_income_officer_are_refused(
    client, other_officer, income_officer, team, tasks
):
    for user in (other_officer, income_officer):
        sign_in(client, user)
        assert client.get(f"/queue/team/{team.pk}.csv").status_code == 403
    assert not AccessLog.objects.exists()


def test_an_officer_cannot_download_the_calls_with_no_team(officer_client, tasks):
    assert officer_client.get("/queue/team/none.csv").status_code == 403


def test_an_officers_filter_names_no_officer(officer_client, officer, team, tasks):
    """The officer's page offers no officer to filter by: a download asking for one is refused,
    never the whole queue passing for it."""
    response = officer_client.get(f"/queue/team/{team.pk}.csv?assigned={officer.pk}")
    assert response.status_code == 400
