"""The support providers' pages as a tester found them: a refused form on a provider's page is
summed up at the top."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import SupportProviderFactory
from welfare.provider_actions import provider_oversight_set
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
