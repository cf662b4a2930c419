"""The dashboard's support providers (issue 18): counts by staffing status and overdue
check-ins, each a link to its list (paginated, CSV, no tenant named so nothing logged)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenants.models import AccessLog
from tests import csv_support
from tests.factories import SchemeFactory, SupportProviderFactory, TenantFactory
from welfare.provider_actions import provider_check_in_record, provider_oversight_set
from welfare.provider_models import ProviderOversight

pytestmark = pytest.mark.django_db


def provider(name, team, officer=None, staffing=None, overdue_days=0):
    item = SupportProviderFactory(name=name)
    provider_oversight_set(provider=item, team=team, cadence_days=7)
    if staffing:
        provider_check_in_record(provider=item, by=officer, staffing=staffing)
    if overdue_days:
        ProviderOversight.objects.filter(provider=item).update(
            next_check_in_on=timezone.localdate() - timedelta(days=overdue_days)
        )
    return item


@pytest.fixture
def providers(team, other_team, officer, patch):
    critical = provider("Caring Hands", team, officer, "critical")
    scheme = SchemeFactory(support_provider=critical)
    TenantFactory.create_batch(2, patch=patch, scheme=scheme)
    provider("Steady Care", team, officer, "adequate", overdue_days=3)
    provider("New Ltd", other_team)
    provider("Far Care", other_team, officer, "critical", overdue_days=1)


def figure(page, key):
    start = page.index(f'id="providers-{key}"')
    return page[page.index(">", start) + 1 : page.index("<", start)]


def test_the_dashboard_counts_providers_by_staffing_and_overdue(manager_client, providers):
    page = manager_client.get(reverse("dashboard:index")).content.decode()
    assert [figure(page, key) for key in ("critical", "adequate", "not_checked_in", "overdue")] == [
        "2",
        "1",
        "1",
        "2",
    ]


def test_one_teams_figures(manager_client, providers, team):
    page = manager_client.get(reverse("dashboard:index") + f"?team={team.pk}").content.decode()
    assert (figure(page, "critical"), figure(page, "overdue")) == ("1", "1")
    assert f"staffing=critical&amp;team={team.pk}" in page


def test_each_count_opens_its_list(manager_client, providers):
    critical = manager_client.get(
        reverse("dashboard:list", args=["providers"]) + "?staffing=critical"
    )
    page = critical.content.decode()
    assert "Caring Hands" in page and "Far Care" in page and "Steady Care" not in page
    assert "<strong>2</strong> providers" in page
    overdue = manager_client.get(reverse("dashboard:list", args=["providers"]) + "?overdue=on")
    page = overdue.content.decode()
    assert "Steady Care" in page and "Far Care" in page and "New Ltd" not in page
    assert page.index("Far Care") < page.index("Steady Care")  # critical first


def test_not_checked_in_yet(manager_client, providers):
    url = reverse("dashboard:list", args=["providers"]) + "?staffing=not_checked_in"
    page = manager_client.get(url).content.decode()
    assert "New Ltd" in page and "Caring Hands" not in page


def test_the_csv_has_every_provider_with_its_tenants(manager_client, providers):
    response = manager_client.get(reverse("dashboard:list_csv", args=["providers"]))
    rows = csv_support.rows(response)
    by_name = {row["provider"]: row for row in rows}
    assert set(by_name) == {"Caring Hands", "Steady Care", "New Ltd", "Far Care"}
    assert (by_name["Caring Hands"]["staffing"], by_name["Caring Hands"]["tenants_supported"]) == (
        "Critical",
        "2",
    )
    assert by_name["Steady Care"]["days_overdue"] == "3"


def test_the_list_names_no_tenant_so_logs_nothing(manager_client, providers):
    manager_client.get(reverse("dashboard:list", args=["providers"]))
    assert not AccessLog.objects.exists()


def test_officers_are_refused(officer_client):
    assert officer_client.get(reverse("dashboard:list", args=["providers"])).status_code == 403


def test_the_list_and_dashboard_queries_do_not_grow(
    manager_client, team, officer, patch, django_assert_max_num_queries
):
    provider("P0", team, officer, "stretched")
    url = reverse("dashboard:list", args=["providers"])
    manager_client.get(url)
    manager_client.get(reverse("dashboard:index"))
    with django_assert_max_num_queries(30) as list_queries:
        manager_client.get(url)
    with django_assert_max_num_queries(40) as page_queries:
        manager_client.get(reverse("dashboard:index"))
    for n in range(1, 6):
        item = provider(f"P{n}", team, officer, "critical")
        TenantFactory(patch=patch, scheme=SchemeFactory(support_provider=item))
    with django_assert_max_num_queries(len(list_queries.captured_queries)):
        manager_client.get(url)
    with django_assert_max_num_queries(len(page_queries.captured_queries)):
        manager_client.get(reverse("dashboard:index"))


def test_no_team_counts_open_their_list_empty(manager_client, providers):
    """Every provider has a team, so "No team" counts none and each count's list is empty: the
    list takes the dashboard's "No team" choice, no error, and no provider of any team."""
    page = manager_client.get(reverse("dashboard:index") + "?team=none").content.decode()
    assert figure(page, "critical") == "0"
    link = "/dashboard/lists/providers/?staffing=critical&team=none"
    assert f'href="{link.replace("&", "&amp;")}"' in page
    listed = manager_client.get(link).content.decode()
    assert "not one of the available choices" not in listed
    assert "<strong>0</strong> providers" in listed
    assert "Caring Hands" not in listed and "Far Care" not in listed
    response = manager_client.get(
        reverse("dashboard:list_csv", args=["providers"]), {"team": "none"}
    )
    rows = csv_support.lines(response)
    assert len(rows) == 1  # the header alone


def test_an_invalid_filter_shows_the_error_and_no_rows(manager_client, providers):
    url = reverse("dashboard:list", args=["providers"])
    page = manager_client.get(url, {"staffing": "critical", "team": "9999"}).content.decode()
    assert "govuk-error-summary" in page and "9999 is not one of the available choices" in page
    assert "<strong>0</strong> providers" in page
    assert "Caring Hands" not in page and "New Ltd" not in page
    response = manager_client.get(
        reverse("dashboard:list_csv", args=["providers"]), {"staffing": "bogus"}
    )
    assert response.status_code == 400
    assert "bogus is not one of the available choices" in response.content.decode()
