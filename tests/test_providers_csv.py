"""The support providers list can be downloaded as CSV: the providers its filter lists, in its
order, within the user's team scope; a refused filter a 400; the same queries however many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import sign_in
from tenants.models import AccessLog
from tests.csv_support import rows
from tests.factories import SupportProviderFactory
from welfare.provider_actions import provider_check_in_record, provider_oversight_set

pytestmark = pytest.mark.django_db


def owned(name, team, staffing=None, by=None):
    provider = SupportProviderFactory(name=name, phone="+441772123456", email="care@example.org")
    provider_oversight_set(provider=provider, team=team, cadence_days=7)
    if staffing:
        provider_check_in_record(provider=provider, by=by, staffing=staffing)
    return provider


@pytest.fixture
def providers(team, other_team, manager):
    return {
        "critical": owned("Caring Hands", team, "critical", manager),
        "adequate": owned("Bay Care", team, "adequate", manager),
        "south": owned("Southern Care", other_team, "critical", manager),
        "unowned": SupportProviderFactory(name="Far Care"),
    }


def names(listed):
    return [row["provider"] for row in listed]


def test_a_manager_downloads_every_provider_in_the_pages_order(manager_client, providers):
    page = manager_client.get("/providers/").content.decode()
    assert 'id="providers-csv" href="/providers/providers.csv"' in page
    listed = rows(manager_client.get("/providers/providers.csv"))
    assert names(listed) == ["Far Care", "Caring Hands", "Southern Care", "Bay Care"]
    hands = listed[1]
    assert hands["staffing"] == "Critical"
    assert hands["staffing_since"] == timezone.localdate().isoformat()
    assert hands["team"] == "North team"
    assert hands["phone"] == "01772 123456"
    assert hands["email"] == "care@example.org"
    assert listed[0]["team"] == "No team yet"
    assert listed[0]["staffing"] == "Not checked in"


def test_an_officer_downloads_only_their_teams_providers(officer_client, providers):
    assert names(rows(officer_client.get("/providers/providers.csv"))) == [
        "Caring Hands",
        "Bay Care",
    ]
    # "No team yet" is never an officer's: nothing, as on their page
    assert rows(officer_client.get("/providers/providers.csv", {"team": "none"})) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"staffing": "critical"}, ["Caring Hands", "Southern Care"]),
        ({"staffing": "not_checked_in"}, []),
        ({"team": "none"}, ["Far Care"]),
    ],
)
def test_the_download_keeps_the_pages_filter(manager_client, providers, query, expected):
    page = manager_client.get("/providers/", query).content.decode()
    key, value = next(iter(query.items()))
    assert f'href="/providers/providers.csv?{key}={value}"' in page
    assert names(rows(manager_client.get("/providers/providers.csv", query))) == expected


def test_a_refused_filter_downloads_nothing(manager_client, providers):
    page = manager_client.get("/providers/", {"staffing": "fine"}).content.decode()
    assert "providers-csv" not in page
    response = manager_client.get("/providers/providers.csv", {"staffing": "fine"})
    assert response.status_code == 400
    assert response.content.decode().startswith("No CSV: the filter has a value")


def test_income_officers_may_not_download(client, income_officer, providers):
    assert sign_in(client, income_officer).get("/providers/providers.csv").status_code == 403


def test_no_tenant_is_logged_and_the_queries_stay_the_same(manager_client, team, manager):
    def queries(count):
        for n in range(count):
            owned(f"Provider {count}-{n}", team, "stretched", manager)
        with CaptureQueriesContext(connection) as context:
            rows(manager_client.get("/providers/providers.csv"))
        return len(context.captured_queries)

    before = AccessLog.objects.count()
    assert queries(2) == queries(20)
    assert AccessLog.objects.count() == before  # organisations, no tenant's data
