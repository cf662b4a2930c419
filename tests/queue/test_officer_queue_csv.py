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
    header = [
        *["rank", "tenancy_ref", "name", "due_on", "why", "assigned_to", "being_made_by"],
        *["status", "available_from", "numbers_to_dial"],
    ]
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


def test_the_download_says_when_each_call_can_be_made_and_which_numbers_to_dial(
    officer_client, officer, team, patch, django_assert_num_queries
):
    """Tester: rank 1 said "Next attempt tomorrow" on the page and nothing in the file, so
    someone working from the file would ring a tenant not due. The file says what the page
    says, with its date, and the numbers the call page offers, in its order (an app-added
    number first; a number marked dead never)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from tenants.models import PhoneNumber
    from tests.factories import OfficerFactory
    from welfare.models import CallTask

    now = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(now, tick=False):
        retry = CallTaskFactory(
            tenant=make_tenant(patch, tenancy_ref="RETRY", phone="+442079460624"),
            due_on=now.date() - timedelta(days=9),
        )
        held = CallTaskFactory(
            tenant=make_tenant(patch, tenancy_ref="HELD"), due_on=now.date() - timedelta(days=8)
        )
        waiting = CallTaskFactory(
            tenant=make_tenant(patch, tenancy_ref="WAITING", phone="+442079460625"),
            due_on=now.date() - timedelta(days=7),
        )
        colleague = OfficerFactory(team=team, first_name="Jo", last_name="Smith")
        CallTask.objects.filter(pk=retry.pk).update(
            attempts=1, available_from=datetime(2026, 12, 2, 9, 0, tzinfo=now.tzinfo)
        )
        CallTask.objects.filter(pk=held.pk).update(claimed_by=colleague, claimed_at=now)
        PhoneNumber.objects.create(
            tenant=retry.tenant,
            number="+447911123456",
            source=PhoneNumber.Source.APP,
            file_numbers=retry.tenant.file_numbers_key(),
            by=officer,
        )
        PhoneNumber.objects.create(
            tenant=waiting.tenant,
            number="+442079460625",
            source=PhoneNumber.Source.FILE,
            status=PhoneNumber.Status.DEAD,
            by=officer,
        )
        rows = {
            row["tenancy_ref"]: row
            for row in csv_rows(officer_client.get(f"/queue/team/{team.pk}.csv"))
        }
        assert rows["RETRY"]["status"] == "Next attempt 2 Dec 2026 09:00"
        assert rows["RETRY"]["available_from"] == "2026-12-02 09:00"
        assert rows["RETRY"]["numbers_to_dial"] == "07911 123456; 020 7946 0624"
        assert rows["HELD"]["status"] == f"Being made by {colleague}"
        assert rows["WAITING"]["status"] == "Waiting"
        assert rows["WAITING"]["available_from"] == ""
        assert rows["WAITING"]["numbers_to_dial"] == ""
        # The numbers for every row come in one query, however many rows there are.
        for n in range(5):
            CallTaskFactory(tenant=make_tenant(patch, tenancy_ref=f"MORE-{n}"), due_on=now.date())
        with django_assert_num_queries(12) as captured:
            csv_rows(officer_client.get(f"/queue/team/{team.pk}.csv"))
        assert (
            sum(
                "phone_numbers" in q["sql"] or "tenants_phonenumber" in q["sql"]
                for q in captured.captured_queries
            )
            == 1
        )
