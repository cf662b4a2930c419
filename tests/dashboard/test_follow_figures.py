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
    if path == reverse("providers:list"):  # the providers no team checks in with
        return page.count('#team-heading">Choose the team'), None
    assert 'id="list-refused"' not in page, link
    share = SHARE.search(page)
    return number(COUNT.search(page)[1]), share and int(share[1])


def check_figures(client, page):
    """Follow every linked figure on `page` (but only the first few of the days with no
    calls: the other 80 are the same link for another day); return the links followed."""
    followed, quiet_days = set(), 0
    for href, figure, what in FIGURE.findall(page):
        link = unescape(href)
        if urlparse(link).path == reverse("welfare:cohorts"):
            continue  # "Call every (days)" is a setting: it opens the settings, not a list
        if "day=" in link and figure == "0":
            quiet_days += 1
            if quiet_days > 4:
                continue
        count, share = listed(client, link)
        if "(%)" in what:
            assert share == number(figure), (what, link)
        else:
            assert count == number(figure), (what, link)
        followed.add(link)
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
    assert len(check_figures(manager_client, page)) > 10


def test_a_list_s_heading_names_its_filter(world, snapshot, manager_client):
    page = manager_client.get(
        reverse("dashboard:list", args=["requests"]),
        {"need": "food", "past_target": "on", "team": "none"},
    ).content.decode()
    heading = re.search(r'id="list-showing">(.*?)</span>', page)[1]
    assert heading == "Team: No team, Need: Food and shopping, Only those open past their target"


def main_links(page):
    main = re.search(r'<main class="govuk-main-wrapper" id="main-content">(.*?)</main>', page, re.S)
    return {unescape(href) for href in HREF.findall(main[1])}


HREF = re.compile(r'href="([^"#][^"]*)"')


def follow_every_link(client, page, followed=()):
    """Every link in the page's main content opens (a list with a filter it accepts)."""
    for link in sorted(main_links(page) - set(followed)):
        if "day=" in link and "/lists/calls/" in link:
            continue  # a day with no calls (check_figures followed the first few)
        response = client.get(link)
        assert response.status_code == 200, link
        if not link.endswith(".csv") and ".csv?" not in link:
            assert 'id="list-refused"' not in response.content.decode(), link


@pytest.mark.parametrize("which", SCOPES)
def test_every_figure_on_the_dashboard_matches_its_list(world, snapshot, manager_client, which):
    query = scope_query(world, which)
    page = manager_client.get(reverse("dashboard:index"), query).content.decode()
    # Every table's counts: cohorts, escalations, requests, arrears, services, calls per day,
    # support providers.
    followed = check_figures(manager_client, page)
    assert len(followed) > 40
    # Each cohort's headline percentage: its up-to-date tenants, a share of the cohort.
    headlines = re.search(r'id="headlines">(.*?)</ul>', page, re.S)[1]
    linked = re.findall(r'href="([^"]+)">[^<:]+: (\d+)% called', headlines)
    assert linked or which == "none"
    for href, figure in linked:
        assert listed(manager_client, unescape(href))[1] == int(figure), href
    # The calls summary: all calls, and those that reached the tenant.
    summary = re.search(r'id="calls-summary">(.*?)</p>', page, re.S)[1]
    calls = re.findall(r'href="([^"]+)">([\d,]+) (?:calls?|of which)', summary)
    assert len(calls) == 2
    for href, figure in calls:
        assert listed(manager_client, unescape(href))[0] == number(figure), href
    # Escalations past their age target (live, like its list).
    href, figure = re.search(
        r'href="([^"]+)" id="escalations-past-target">[^<]*: (\d+)</a>', page
    ).groups()
    assert listed(manager_client, unescape(href))[0] == int(figure)
    follow_every_link(manager_client, page, followed)


def test_every_link_on_teams_side_by_side_opens(world, snapshot, manager_client):
    follow_every_link(
        manager_client, manager_client.get(reverse("dashboard:teams")).content.decode()
    )


@pytest.mark.parametrize("which", SCOPES)
def test_the_trend_names_no_list_and_its_links_open(world, snapshot, manager_client, which):
    """The trend's percentages are past days' figures: no list keeps the tenants behind them
    (only the latest refresh's are kept), so they link nowhere; its other links open."""
    page = manager_client.get(reverse("dashboard:trend"), scope_query(world, which))
    page = page.content.decode()
    table = re.search(r'<table class="govuk-table" id="trend-table">(.*?)</table>', page, re.S)[1]
    assert "href" not in table and not FIGURE.findall(page)
    follow_every_link(manager_client, page)
