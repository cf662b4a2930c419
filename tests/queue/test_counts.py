"""The queue's counts count what they say (waiting now, being made, not due yet: they add up to
the whole queue), and each opens the list of the calls it counts, on the officer's queue, the
manager's team page and home."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import AccessLog
from tests.factories import CallTaskFactory, OfficerFactory
from tests.queue.helpers import make_tenant
from welfare.models import CallTask

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def queue(patch, team):
    """Three calls waiting, one a colleague is making, a retry for tomorrow and a call-back
    booked a year ahead."""
    colleague = OfficerFactory(username="sam.north", team=team)
    tasks = {
        name: CallTaskFactory(
            tenant=make_tenant(patch, first_name=name, last_name="Tenant"),
            due_on=NOW.date() - timedelta(days=n),
        )
        for n, name in enumerate(["Waiting", "Assigned", "Overdue", "Held", "Retry", "Booked"])
    }
    CallTask.objects.filter(pk=tasks["Assigned"].pk).update(assigned_to=colleague)
    CallTask.objects.filter(pk=tasks["Held"].pk).update(claimed_by=colleague, claimed_at=NOW)
    CallTask.objects.filter(pk=tasks["Retry"].pk).update(
        attempts=1, available_from=NOW + timedelta(hours=14)
    )
    CallTask.objects.filter(pk=tasks["Booked"].pk).update(
        assigned_to=colleague, available_from=NOW + timedelta(days=365)
    )
    return tasks


def listed(page):
    table = page.split('id="queue"', 1)[1].split("</table>", 1)[0]
    return {
        name
        for name in ["Waiting", "Assigned", "Overdue", "Held", "Retry", "Booked"]
        if f"{name} Tenant" in table
    }


def test_the_officers_queue_counts_and_lists_each_state(officer_client, queue):
    page = officer_client.get(reverse("welfare:queue")).content.decode()
    counts = page.split('id="queue-counts"', 1)[1].split("</div>", 1)[0]
    assert (
        '<a class="govuk-link" href="?show=waiting"><strong>3</strong> calls waiting now' in counts
    )
    assert '<a class="govuk-link" href="?show=being_made">1 being made now</a>' in counts
    assert '<a class="govuk-link" href="?show=later">2 not due yet</a>' in counts
    assert '<a class="govuk-link" href="?">6 calls in the queue in all</a>' in counts
    assert '<a class="govuk-link" href="?reason=retried">With failed attempts: 1</a>' in counts

    def shown(query):
        return listed(officer_client.get(reverse("welfare:queue") + query).content.decode())

    assert shown("?show=waiting") == {"Waiting", "Assigned", "Overdue"}
    assert shown("?show=being_made") == {"Held"}
    assert shown("?show=later") == {"Retry", "Booked"}
    assert shown("?reason=retried") == {"Retry"}
    assert len(shown("")) == 6
    page = officer_client.get(reverse("welfare:queue") + "?show=later").content.decode()
    assert "Showing the 2 calls not due yet." in page


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("?reason=overdue", "Showing the 5 overdue calls."),
        ("?reason=lives_alone", "Showing the 2 calls to tenants who live alone outside a scheme."),
        ("?reason=aged_70", "Showing the 1 call to a tenant aged 70 or over."),
        ("?reason=unwell", "Showing the 1 call to a tenant who is unwell or self-isolating."),
        (
            "?reason=struggling",
            "Showing the 1 call to a tenant who was struggling at the last call.",
        ),
        ("?reason=retried", "Showing the 1 call with failed attempts."),
        ("?show=being_made", "Showing the 1 call being made now."),
        ("?show=waiting&assigned=none", "Showing the 2 calls waiting now, assigned to no one."),
        (
            "?reason=lives_alone&show=waiting&assigned=any",
            "Showing the 1 call waiting now to a tenant who lives alone outside a scheme,"
            " assigned to an officer.",
        ),
        # No comma straight after the calls.
        ("?assigned=any", "Showing the 2 calls assigned to an officer."),
        ("?show=waiting&assigned=any", "Showing the 1 call waiting now, assigned to an officer."),
        (
            "?reason=retried&assigned=none",
            "Showing the 1 call with failed attempts, assigned to no one.",
        ),
        (
            "?reason=aged_70&assigned=none",
            "Showing the 1 call to a tenant aged 70 or over, assigned to no one.",
        ),
    ],
)
def test_the_filtered_queue_says_what_it_shows_in_a_sentence(
    officer_client, queue, query, sentence
):
    CallTask.objects.filter(pk__in=[queue["Waiting"].pk, queue["Assigned"].pk]).update(
        lives_alone=True
    )
    CallTask.objects.filter(pk=queue["Held"].pk).update(aged_70=True)
    CallTask.objects.filter(pk=queue["Retry"].pk).update(unwell=True)
    CallTask.objects.filter(pk=queue["Overdue"].pk).update(
        last_wellbeing=CallTask.Wellbeing.STRUGGLING
    )
    page = officer_client.get(reverse("welfare:queue") + query).content.decode()
    assert page.split('id="showing">', 1)[1].split(" <a", 1)[0] == sentence


def test_home_counts_the_calls_waiting_now_and_opens_them(officer_client, queue):
    page = officer_client.get(reverse("home")).content.decode()
    waiting = page.split('id="calls-waiting">', 1)[1].split("</p>", 1)[0]
    assert waiting == (
        f'<a class="govuk-link" href="{reverse("welfare:queue")}?show=waiting">'
        "<strong>3</strong> calls waiting now in North team's queue</a>."
    )


def test_the_managers_team_page_filters_by_state(manager_client, team, queue):
    url = reverse("welfare:team", args=[team.pk])
    page = manager_client.get(url).content.decode()
    assert '<a class="govuk-link" href="?show=later">2 not due yet</a>' in page
    assert listed(manager_client.get(url + "?show=later").content.decode()) == {"Retry", "Booked"}


def test_the_managers_overview_says_what_it_counts_and_opens_it(manager_client, team, queue):
    page = manager_client.get(reverse("welfare:queue")).content.decode()
    assert "Calls in the queue</th>" in page and "Calls waiting</th>" not in page
    url = reverse("welfare:team", args=[team.pk])
    assert f'<a class="govuk-link" href="{url}">6<span' in page
    assert f'<a class="govuk-link" href="{url}?show=being_made">1<span' in page
    # What a screen reader hears, in English for one call and for several.
    assert '1<span class="govuk-visually-hidden"> call being made now in North team</span>' in page
    assert '6<span class="govuk-visually-hidden"> calls in the queue of North team</span>' in page


def test_home_and_the_overview_give_a_manager_the_same_figures_that_add_up(
    manager, manager_client, team, other_team, queue
):
    """Tester: home said 127 calls waiting, the overview's rows added up to 133. Home's figure
    is the overview's "Waiting now" column added up, said beside what it leaves out; a
    manager who belongs to a team still reads every team's figures."""
    from tests.factories import PatchFactory

    manager.team = other_team
    manager.save()
    south = PatchFactory(code="SO-UTH", name="South", team=other_team)
    CallTaskFactory(tenant=make_tenant(south), due_on=NOW.date())
    home = manager_client.get(reverse("home")).content.decode()
    waiting = home.split('id="calls-waiting">', 1)[1].split("</p>", 1)[0]
    assert waiting == (
        f'<a class="govuk-link" href="{reverse("welfare:queue")}">'
        "<strong>4</strong> calls waiting now across all teams</a>, of "
        f'<a class="govuk-link" href="{reverse("welfare:queue")}">7 in the queue</a>: '
        "1 being made now, 2 not due yet."
    )
    page = manager_client.get(reverse("welfare:queue")).content.decode()
    totals = page.split('id="overview-totals">', 1)[1].split("</p>", 1)[0]
    assert totals.startswith(
        "<strong>4</strong> calls waiting now across all teams, of 7 in the queue: "
        "1 being made now, 2 not due yet"
    )
    north = reverse("welfare:team", args=[team.pk])
    south_url = reverse("welfare:team", args=[other_team.pk])
    assert "Waiting now</th>" in page and "Not due yet</th>" in page
    assert f'<a class="govuk-link" href="{north}?show=waiting">3<span' in page
    assert f'<a class="govuk-link" href="{south_url}?show=waiting">1<span' in page
    assert f'<a class="govuk-link" href="{north}?show=later">2<span' in page
    assert '3<span class="govuk-visually-hidden"> calls waiting now in North team</span>' in page
    # Each opens the list it counts.
    listed_waiting = listed(manager_client.get(north + "?show=waiting").content.decode())
    assert listed_waiting == {"Waiting", "Assigned", "Overdue"}


NAMES = ["Waiting", "Assigned", "Overdue", "Held", "Retry", "Booked"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?show=bogus", "Now: Select a valid choice. bogus is not one of the available choices."),
        ("?show=waiting&reason=nope", "Why: Select a valid choice. nope is not one"),
        ("?assigned=12345", "Assigned to: Select a valid choice. 12345 is not one"),
    ],
)
def test_an_invalid_filter_on_the_officers_queue_shows_its_error_and_no_calls(
    officer_client, queue, query, error
):
    """Never the whole queue in place of the count that was clicked: the error, and no rows."""
    response = officer_client.get(reverse("welfare:queue") + query)
    page = response.content.decode()
    assert response.status_code == 400  # as any refused form
    assert 'id="queue-refused"' in page and error in page
    assert not any(f"{name} Tenant" in page for name in NAMES)
    assert "No calls are listed" in page
    # The counts still count the whole queue, and open it.
    assert '<a class="govuk-link" href="?">6 calls in the queue in all</a>' in page


def test_an_invalid_filter_on_a_managers_team_page_lists_and_changes_no_call(
    manager_client, team, queue
):
    url = reverse("welfare:team", args=[team.pk]) + "?show=bogus"
    response = manager_client.get(url)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="queue-refused"' in page and "bogus is not one of the available choices" in page
    assert not any(f"{name} Tenant" in page for name in NAMES)
    assert 'id="queue-csv"' not in page
    # "Select all that match" with the refused filter changes nothing (not the whole queue).
    officer = OfficerFactory(team=team)
    manager_client.post(url, {"all_matching": "on", "action": "assign", "officer": officer.pk})
    assert not CallTask.objects.filter(assigned_to=officer).exists()
    csv_response = manager_client.get(reverse("welfare:team_csv", args=[team.pk]) + "?show=bogus")
    assert csv_response.status_code == 400
    assert "bogus is not one of the available choices" in csv_response.content.decode()


def _cell(page, team_name, label):
    """The overview's cell `label` in `team_name`'s row: (the link it opens, the text shown)."""
    row = page.split(f'<th scope="row" class="govuk-table__header">{team_name}</th>', 1)[1]
    cell = row.split("</tr>", 1)[0].split(f'data-label="{label}">', 1)[1].split("</td>", 1)[0]
    match = re.fullmatch(r'<a class="govuk-link" href="([^"]+)">([^<]+)<span.*</a>', cell)
    assert match, f"{label} is not a link: {cell}"
    return html.unescape(match[1]), match[2]


def _rows(page):
    table = page.split('id="queue"', 1)[1].split("</table>", 1)[0].split("<tbody", 1)[1]
    tenant = r'app-queue-table__tenant"><a class="govuk-link" href="[^"]+">([^<]+)<'
    return re.findall(tenant, table)


def test_the_overviews_not_assigned_figure_opens_the_calls_assigned_to_no_one(
    manager_client, team, queue
):
    """Tester: "Not assigned" was plain text while the other columns opened their lists."""
    page = manager_client.get(reverse("welfare:queue")).content.decode()
    url, figure = _cell(page, "North team", "Not assigned")
    assert url == reverse("welfare:team", args=[team.pk]) + "?assigned=none"
    listed = _rows(manager_client.get(url).content.decode())
    assert int(figure) == len(listed) == 4
    assert {name.split()[0] for name in listed} == {"Waiting", "Overdue", "Held", "Retry"}


def test_the_overviews_oldest_call_opens_the_queue_with_that_call_first(
    manager_client, team, queue
):
    page = manager_client.get(reverse("welfare:queue")).content.decode()
    url, text = _cell(page, "North team", "Oldest call")
    assert (url, text) == (reverse("welfare:team", args=[team.pk]), "Overdue 5 days")
    assert _rows(manager_client.get(url).content.decode())[0] == "Booked Tenant"


def test_the_overviews_no_team_row_opens_its_own_lists(manager_client, team, queue):
    CallTaskFactory(tenant=make_tenant(None, first_name="Nopatch", last_name="Tenant"))
    page = manager_client.get(reverse("welfare:queue")).content.decode()
    url, figure = _cell(page, "No team (tenants with no patch)", "Not assigned")
    assert url == reverse("welfare:no_team") + "?assigned=none"
    assert int(figure) == len(_rows(manager_client.get(url).content.decode())) == 1
    url, _ = _cell(page, "No team (tenants with no patch)", "Oldest call")
    assert _rows(manager_client.get(url).content.decode()) == ["Nopatch Tenant"]


def _your_calls(page):
    return page.split('id="your-calls">', 1)[1].split("</p>", 1)[0]


def test_home_names_the_one_call_an_officer_holds_and_returns_to_it(officer_client, officer, queue):
    """Tester: home said "You have 1 call claimed or assigned to you" without saying whose or
    leading back to it."""
    CallTask.objects.filter(pk=queue["Waiting"].pk).update(claimed_by=officer, claimed_at=NOW)
    before = AccessLog.objects.count()
    page = officer_client.get(reverse("home")).content.decode()
    url = reverse("welfare:task", args=[queue["Waiting"].pk])
    assert _your_calls(page) == (
        "You have a call claimed or assigned to you: Waiting Tenant. "
        f'<a class="govuk-link" href="{url}">Return to your call'
        '<span class="govuk-visually-hidden"> to Waiting Tenant</span></a>.'
    )
    # The tenant named is logged as read, as any listed on home.
    logged = AccessLog.objects.order_by("id")[before:]
    assert queue["Waiting"].tenant_id in {pk for entry in logged for pk in entry.tenant_ids}
    assert "Waiting Tenant" in officer_client.get(url).content.decode()


def test_homes_figure_of_an_officers_calls_opens_as_many(officer_client, officer, queue):
    CallTask.objects.filter(pk=queue["Waiting"].pk).update(claimed_by=officer, claimed_at=NOW)
    CallTask.objects.filter(pk__in=[queue["Overdue"].pk, queue["Retry"].pk]).update(
        assigned_to=officer
    )
    page = officer_client.get(reverse("home")).content.decode()
    link = re.fullmatch(
        r'You have <a class="govuk-link" href="([^"]+)"><strong>(\d+)</strong> calls claimed or '
        r"assigned to you</a>\.",
        _your_calls(page),
    )
    assert link[1] == reverse("welfare:queue") + "#mine-heading"
    mine = officer_client.get(link[1]).content.decode().split('id="mine"', 1)[1]
    listed = mine.split("</table>", 1)[0].count("app-queue-table__tenant")
    assert int(link[2]) == listed == 3


def test_home_names_the_one_call_in_a_fixed_number_of_queries(officer_client, officer, patch):
    held = CallTaskFactory(tenant=make_tenant(patch), claimed_by=officer, claimed_at=NOW)

    def queries(others):
        for _ in range(others):
            CallTaskFactory(tenant=make_tenant(patch))
        with CaptureQueriesContext(connection) as context:
            page = officer_client.get(reverse("home")).content.decode()
        assert held.tenant.full_name in _your_calls(page)
        return len(context.captured_queries)

    assert queries(2) == queries(20)
