"""The service register can be downloaded as CSV, as its filter shows it (?status=, which the
dashboard's "Services by status" figures open, and ?scheduled=yes); managers only; a filter
value that is not one of the choices lists nothing and downloads nothing."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import sign_in
from services import actions
from services.models import Status
from tests.csv_support import rows
from tests.factories import ServiceFactory, StatusChangeFactory
from tests.services.conftest import local

pytestmark = pytest.mark.django_db


def test_the_whole_register_downloads_one_line_a_service(manager_client, repairs, boss):
    when = local(days=1, hour=14, minute=30)
    actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Some.", effective_at=when, user=boss
    )
    page = manager_client.get("/services/").content.decode()
    assert 'id="register-csv" href="/services/register.csv"' in page
    listed = rows(manager_client.get("/services/register.csv"))
    assert len(listed) == 29  # the seeded register, as the page lists it
    line = next(row for row in listed if row["service"] == "Routine repairs and maintenance")
    assert line["status_now"] == "Currently unavailable"
    assert line["public_message"] == repairs.status_at(timezone.now()).message
    stamp = timezone.localtime(when).isoformat(timespec="minutes")
    assert line["scheduled"] == f"Reduced service from {stamp} (by Zenobia Brightwell)"


@pytest.mark.parametrize(
    ("query", "count"),
    [({"status": "reduced"}, 3), ({"status": "unavailable"}, 8), ({"scheduled": "yes"}, 1)],
)
def test_the_download_keeps_the_registers_filter(manager_client, repairs, boss, query, count):
    actions.status_change_create(
        service=repairs, status=Status.OPERATING, message="Back.", effective_at=local(1), user=boss
    )
    page = manager_client.get("/services/", query).content.decode()
    key, value = next(iter(query.items()))
    assert f'href="/services/register.csv?{key}={value}"' in page
    listed = rows(manager_client.get("/services/register.csv", query))
    assert len(listed) == count == page.count('<tr class="govuk-table__row" id="service-')
    if key == "status":
        assert {row["status_now"] for row in listed} == {Status(value).label}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({}, "service-register-"),
        ({"status": "reduced"}, "service-register-reduced-"),
        ({"status": "unavailable"}, "service-register-unavailable-"),
        ({"scheduled": "yes"}, "service-register-scheduled-"),
    ],
)
def test_a_filtered_download_says_so_in_its_file_name(manager_client, query, named):
    response = manager_client.get("/services/register.csv", query)
    filename = re.fullmatch(
        r'attachment; filename="(.*)-\d{4}-\d{2}-\d{2}-\d{4}\.csv"',
        response["Content-Disposition"],
    )
    assert filename is not None
    assert f"{filename.group(1)}-" == named


@pytest.mark.parametrize("query", [{"status": "closed"}, {"scheduled": "maybe"}])
def test_a_refused_filter_lists_nothing_and_downloads_nothing(manager_client, query):
    page = manager_client.get("/services/", query).content.decode()
    assert 'id="register-refused"' in page and "<title>Error: " in page
    assert page.count('<tr class="govuk-table__row" id="service-') == 0
    assert "register-csv" not in page
    response = manager_client.get("/services/register.csv", query)
    assert response.status_code == 400
    assert response.content.decode().startswith("No CSV: the filter has a value")


def test_officers_and_income_officers_may_not_download(client, officer, income_officer):
    for user in (officer, income_officer):
        assert sign_in(client, user).get("/services/register.csv").status_code == 403


def test_the_download_takes_the_same_queries_however_many_services(manager_client):
    def queries():
        with CaptureQueriesContext(connection) as context:
            rows(manager_client.get("/services/register.csv"))
        return len(context.captured_queries)

    few = queries()
    for _ in range(10):
        StatusChangeFactory(service=ServiceFactory(), status=Status.REDUCED)
        StatusChangeFactory(service=ServiceFactory(), effective_at=local(days=2))
    assert queries() == few
