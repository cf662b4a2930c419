"""Every figure on the dashboard, the teams side by side and the trend opens the list it counts:
each link is followed and the list's count (or, for a percentage, the list's share of its
tenants) compared with the figure clicked, for all teams, one team and "No team"."""

import re
from html import unescape
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from dashboard.refresh import dashboard_refresh
from tests.dashboard.helpers import NOW

pytestmark = pytest.mark.django_db

# A linked figure in a table: its list, the figure, and what it is (row and column).
FIGURE = re.compile(
    r'<a class="govuk-link"(?: id="[^"]*")? href="([^"]+)">([\d,]+)'
    r'<span class="govuk-visually-hidden"> \((.*?)\)</span></a>'
)
COUNT = re.compile(r'id="list-count">(?:More than )?<strong>([\d,]+)</strong>')
SHARE = re.compile(r'id="list-share">(\d+)%')


@pytest.fixture
def snapshot(world):
    return dashboard_refresh(now=NOW)


def number(text):
    return int(text.replace(",", ""))


def listed(client, link):
    """(count, share or None) of the list a figure links to."""
    response = client.get(link)
    assert response.status_code == 200, link
    page = response.content.decode()
    path = urlparse(link).path
    if path == reverse("arrears:flags"):
        return number(re.search(r'id="results-heading">([\d,]+) flag', page)[1]), None
    if path == reverse("services:register"):
        return page.count('<tr class="govuk-table__row" id="service-'), None
    assert 'id="list-refused"' not in page, link
    share = SHARE.search(page)
    return number(COUNT.search(page)[1]), share and int(share[1])


def check_figures(client, page):
    """Follow every linked figure on `page`; return how many were followed."""
    followed = 0
    for href, figure, what in FIGURE.findall(page):
        link = unescape(href)
        if urlparse(link).path == reverse("welfare:cohorts"):
            continue  # "Call every (days)" is a setting: it opens the settings, not a list
        count, share = listed(client, link)
        if "(%)" in what:
            assert share == number(figure), (what, link)
        else:
            assert count == number(figure), (what, link)
        followed += 1
    return followed


SCOPES = ["", "north", "none"]


def scope_query(world, which):
    return {"": {}, "north": {"team": world.north.pk}, "none": {"team": "none"}}[which]


def test_each_percentage_on_teams_side_by_side_opens_the_tenants_it_counts(
    world, snapshot, manager_client
):
    page = manager_client.get(reverse("dashboard:teams")).content.decode()
    percentages = [f for f in FIGURE.findall(page) if "up to date (%)" in f[2]]
    assert percentages
    for href, figure, what in percentages:
        assert "standing=up_to_date" in href, what
        listed_page = manager_client.get(unescape(href)).content.decode()
        assert "Calls: Up to date" in listed_page  # the heading says which list this is
        assert int(SHARE.search(listed_page)[1]) == int(figure), what
    # North's "Aged 70+" is 25%: 1 of its 4 tenants (Ashworth) is up to date.
    north = next(
        f for f in percentages if f[2] == f"Aged 70+: up to date (%), {world.north.name.lower()}"
    )
    aged = manager_client.get(unescape(north[0])).content.decode()
    assert "<strong>1</strong> tenant." in aged and "<strong>4</strong> tenants listed" in aged
    assert "Ashworth" in aged and "Clarke" not in aged
    assert "/dashboard/lists/tenants.csv?" in aged


def test_every_figure_on_teams_side_by_side_matches_its_list(world, snapshot, manager_client):
    page = manager_client.get(reverse("dashboard:teams")).content.decode()
    assert check_figures(manager_client, page) > 10


def test_a_list_s_heading_names_its_filter(world, snapshot, manager_client):
    page = manager_client.get(
        reverse("dashboard:list", args=["requests"]),
        {"need": "food", "past_target": "on", "team": "none"},
    ).content.decode()
    heading = re.search(r'id="list-showing">(.*?)</span>', page)[1]
    assert heading == "Team: No team, Need: Food and shopping, Only those open past their target"
