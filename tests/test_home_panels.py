"""The home page's panels: the doorstep visits' "And N more." counts the visits not shown
(never a negative number), and each Here to Help figure opens the list it counts."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CallTaskFactory, HelpRequestFactory, TenantFactory
from welfare.call_models import Escalation
from welfare.models import CallTask
from welfare.panels import PANEL_VISITS
from welfare.visit_actions import visit_raise

pytestmark = pytest.mark.django_db


def raise_visits(count, *, patch, team, officer, manager):
    for n in range(count):
        tenant = TenantFactory(patch=patch, address_line_1=f"{n + 1} Brook Road")
        task = CallTaskFactory(tenant=tenant, status=CallTask.Status.CLOSED, cadence_days=14)
        escalation = Escalation.objects.create(
            tenant=tenant, task=task, team=team, reason=Escalation.Reason.FAILED_ATTEMPTS
        )
        visit_raise(
            escalation=escalation,
            team=team,
            officer=officer,
            target_on=timezone.localdate() + timedelta(days=2),
            what_to_ask="",
            by=manager,
        )


def visits_panel(client):
    page = client.get("/").content.decode()
    panel = page[page.index('id="panel-visits"') :]
    return panel[: panel.index("Printable visit list")]


def test_one_visit_is_listed_with_no_more_line(officer_client, officer, manager, patch, team):
    raise_visits(1, patch=patch, team=team, officer=officer, manager=manager)
    panel = visits_panel(officer_client)
    assert "1 Brook Road" in panel
    assert "more." not in panel  # it said "And -9 more."


def test_a_full_panel_says_how_many_more_there_are(officer_client, officer, manager, patch, team):
    raise_visits(PANEL_VISITS + 3, patch=patch, team=team, officer=officer, manager=manager)
    panel = visits_panel(officer_client)
    assert panel.count("<li>") == PANEL_VISITS
    assert "And 3 more." in panel


def test_exactly_a_panel_of_visits_has_no_more_line(officer_client, officer, manager, patch, team):
    raise_visits(PANEL_VISITS, patch=patch, team=team, officer=officer, manager=manager)
    panel = visits_panel(officer_client)
    assert panel.count("<li>") == PANEL_VISITS and "more." not in panel


def listed_count(client, href):
    page = client.get(html.unescape(href)).content.decode()
    return int(re.search(r'id="requests-heading">(\d+) request', page)[1])


def figure_link(page, link_id):
    match = re.search(rf'id="{link_id}" href="([^"]+)"[^>]*>(?:<strong[^>]*>)(\d+)', page)
    assert match, link_id
    return match[1], int(match[2])


@pytest.fixture
def requests(patch, officer):
    """Unowned: 3, one past target. The officer's own: 2, one past target."""
    past = timezone.now() - timedelta(days=1)
    for due_at in (None, None, past):
        HelpRequestFactory(
            tenant=TenantFactory(patch=patch), **({"due_at": due_at} if due_at else {})
        )
    HelpRequestFactory(tenant=TenantFactory(patch=patch), owner=officer)
    HelpRequestFactory(tenant=TenantFactory(patch=patch), owner=officer, due_at=past)


def test_a_managers_here_to_help_figures_open_their_lists(manager_client, requests):
    page = manager_client.get("/").content.decode()
    for link_id, figure in (("help-unowned", 3), ("help-unowned-late", 1)):
        href, shown = figure_link(page, link_id)
        assert shown == figure
        assert listed_count(manager_client, href) == figure, link_id


def test_an_officers_here_to_help_figures_open_their_lists(officer_client, requests):
    page = officer_client.get("/").content.decode()
    expected = {"help-mine": 2, "help-mine-late": 1, "help-unowned": 3, "help-unowned-late": 1}
    for link_id, figure in expected.items():
        href, shown = figure_link(page, link_id)
        assert shown == figure
        assert listed_count(officer_client, href) == figure, link_id


@pytest.mark.parametrize("role_client", ["officer_client", "manager_client"])
def test_the_here_to_help_panel_says_requests_no_one_owns_once(role_client, request, requests):
    page = request.getfixturevalue(role_client).get("/").content.decode()
    panel = page.split('id="panel-help-requests"')[1].split("</div>")[0]
    visible = re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>|<[^>]+>', "", panel)
    assert visible.lower().count("no one owns") == 1
    # Each list is linked once: the lines below the figures open the lists they do not.
    hrefs = re.findall(r'href="([^"]+)"', panel)
    assert len(hrefs) == len(set(hrefs))
    assert "/help/team/" in hrefs
