"""The support providers' pages as a tester found them: a refused form on a provider's page is
summed up at the top, and the list's figures add up to its providers, each opening its list."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import SupportProviderFactory
from welfare.provider_actions import provider_check_in_record, provider_oversight_set
from welfare.provider_models import ProviderCheckIn, ProviderContact, ProviderOversight

pytestmark = pytest.mark.django_db
ON = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.combine(ON, time(10), ZoneInfo("Europe/London")), tick=True):
        yield


@pytest.fixture
def provider(team):
    provider = SupportProviderFactory(name="Caring Hands")
    provider_oversight_set(provider=provider, team=team, cadence_days=7)
    return provider


@pytest.fixture
def unowned():
    return SupportProviderFactory(name="Far Care")


def _summary_before_heading(page):
    """The "There is a problem" summary's links, when it comes before the page's heading."""
    start = page.index('class="govuk-error-summary"')
    assert start < page.index("<h1"), "the error summary is not at the top"
    summary = page[start : page.index("</div>", page.index("govuk-error-summary__list", start))]
    assert "There is a problem" in summary
    return re.findall(r'href="#([^"]+)"', summary)


def _title(page):
    return page[page.index("<title>") + 7 : page.index("</title>")].strip()


# A refused form on a provider's page --------------------------------------------------------


def test_choosing_no_team_is_summed_up_at_the_top(manager_client, unowned):
    response = manager_client.post(
        reverse("providers:set_oversight", args=[unowned.pk]), {"team": "", "cadence_days": "14"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and not ProviderOversight.objects.exists()
    assert _title(page).startswith("Error: ")
    assert _summary_before_heading(page) == ["id_team"] and 'id="id_team"' in page
    assert re.search(r'<input[^>]*name="cadence_days"[^>]*value="14"', page)


def test_a_refused_contact_is_summed_up_at_the_top_and_kept(officer_client, provider):
    response = officer_client.post(
        reverse("providers:add_contact", args=[provider.pk]),
        {"name": "Sam Lee", "role": "Rota manager", "phone": "123"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and not ProviderContact.objects.exists()
    assert _title(page).startswith("Error: ")
    assert _summary_before_heading(page) == ["id_phone"] and 'id="id_phone"' in page
    assert 'value="Sam Lee"' in page and 'value="Rota manager"' in page and 'value="123"' in page


def test_a_refused_check_in_is_summed_up_at_the_top_and_kept(officer_client, provider):
    response = officer_client.post(
        reverse("providers:check_in", args=[provider.pk]),
        {"staffing": "", "notes": "Manager on leave"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and not ProviderCheckIn.objects.exists()
    assert _title(page).startswith("Error: ")
    [link] = _summary_before_heading(page)
    assert f'id="{link}"' in page and "Manager on leave" in page


def test_a_check_in_with_a_provider_no_team_checks_in_with_says_why(manager_client, unowned):
    response = manager_client.post(
        reverse("providers:check_in", args=[unowned.pk]),
        {"staffing": "critical", "notes": "Two carers off"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and not ProviderCheckIn.objects.exists()
    assert _summary_before_heading(page)
    assert "Choose the team that checks in with this provider first" in page
    assert "Two carers off" in page


def test_the_contact_phone_box_is_a_gov_uk_input(officer_client, provider):
    page = officer_client.get(reverse("providers:detail", args=[provider.pk])).content.decode()
    phone = re.search(r'<input[^>]*id="id_phone"[^>]*>', page)[0]
    assert 'class="govuk-input' in phone and 'type="tel"' in phone


# The list's figures -------------------------------------------------------------------------

FIGURES = ["critical", "stretched", "adequate", "not-checked-in", "needs-team", "overdue", "total"]
PARTS = ["critical", "stretched", "adequate", "not-checked-in", "needs-team"]


@pytest.fixture
def six(officer, team, other_team, unowned):
    """One provider at each staffing status, two not checked in (one overdue), one no team."""
    for name, staffing in [("Alpha", "critical"), ("Bravo", "stretched"), ("Charlie", "adequate")]:
        provider = SupportProviderFactory(name=name)
        provider_oversight_set(provider=provider, team=team, cadence_days=7)
        provider_check_in_record(provider=provider, by=officer, staffing=staffing)
    for name in ["Delta", "Echo"]:
        provider_oversight_set(
            provider=SupportProviderFactory(name=name), team=other_team, cadence_days=7
        )
    ProviderOversight.objects.filter(provider__name="Echo").update(
        next_check_in_on=ON - timedelta(1)
    )
    return unowned


def _figures(page):
    found = re.findall(r'id="count-([a-z-]+)" href="([^"]*)">(\d+)<', page)
    return {key: (href.replace("&amp;", "&"), int(n)) for key, href, n in found}


def _names(page):
    table = page[
        page.index('id="providers"') : page.index("</table>", page.index('id="providers"'))
    ]
    return re.findall(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', table)


def test_the_figures_add_up_to_every_provider_each_in_the_table(manager_client, six):
    page = manager_client.get(reverse("providers:list")).content.decode()
    figures = _figures(page)
    assert {key: n for key, (_, n) in figures.items()} == {
        "critical": 1,
        "stretched": 1,
        "adequate": 1,
        "not-checked-in": 2,
        "needs-team": 1,
        "overdue": 1,
        "total": 6,
    }
    assert sum(figures[key][1] for key in PARTS) == figures["total"][1]
    # Every provider is in the table, the one no team checks in with first.
    assert _names(page) == ["Far Care", "Alpha", "Bravo", "Echo", "Delta", "Charlie"]
    assert "No team yet" in page
    assert 'id="needs-team"' in page  # the dashboard's "Needs an owning team" link lands here


@pytest.mark.parametrize("figure", FIGURES)
def test_each_figure_opens_the_providers_it_counts(manager_client, six, figure):
    href, count = _figures(manager_client.get(reverse("providers:list")).content.decode())[figure]
    response = manager_client.get(href)
    assert response.status_code == 200
    page = response.content.decode()
    assert len(_names(page)) == count and "There is a problem" not in page


@pytest.mark.parametrize("query", ["staffing=bogus", "overdue=yes", "team=5", "staffing=Critical"])
def test_a_filter_value_not_offered_is_refused_and_lists_none(manager_client, six, query):
    page = manager_client.get(reverse("providers:list") + "?" + query).content.decode()
    assert _title(page).startswith("Error: ")
    assert 'id="providers-refused"' in page and "no providers are listed" in page
    assert _names(page) == []


def test_an_officer_s_figures_are_their_team_s_providers(officer_client, six):
    page = officer_client.get(reverse("providers:list")).content.decode()
    figures = {key: n for key, (_, n) in _figures(page).items()}
    assert figures == {
        "critical": 1,
        "stretched": 1,
        "adequate": 1,
        "not-checked-in": 0,
        "overdue": 0,
        "total": 3,
    }
    assert _names(page) == ["Alpha", "Bravo", "Charlie"] and "needs-team" not in page


def test_a_filtered_list_s_queries_do_not_grow_with_providers(
    manager_client, six, team, django_assert_max_num_queries
):
    url = reverse("providers:list") + "?staffing=critical"
    manager_client.get(url)
    with django_assert_max_num_queries(10) as few:
        manager_client.get(url)
    for n in range(4):
        provider = SupportProviderFactory(name=f"P{n}")
        provider_oversight_set(provider=provider, team=team, cadence_days=7)
        ProviderOversight.objects.filter(provider=provider).update(staffing="critical")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = manager_client.get(url).content.decode()
    assert len(_names(page)) == 5
