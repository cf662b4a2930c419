"""The Here to Help lists can be downloaded as CSV: the whole filtered list, as the page lists
it, every tenant in it logged as listed; a refused filter downloads nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from here_to_help.models import HelpRequest, Need
from tenants.models import AccessLog
from tests.csv_support import rows
from tests.factories import HelpRequestFactory, TenantFactory

pytestmark = pytest.mark.django_db


def test_team_list_downloads_every_request_of_the_team_only(officer_client, food, outsider_request):
    page = officer_client.get("/help/team/")
    assert b'id="requests-csv" href="/help/team/requests.csv"' in page.content
    listed = rows(officer_client.get("/help/team/requests.csv"))
    assert [row["request"] for row in listed] == [str(food.pk)]
    assert listed[0]["tenant"] == "Margaret Holt"
    assert listed[0]["need"] == "Food and shopping"
    assert listed[0]["owner"] == "The team"


def test_download_keeps_the_pages_filters_but_not_its_page_number(
    officer_client, food, tenant, patch
):
    medicine = HelpRequestFactory(tenant=tenant, need=Need.MEDICATION)
    page = officer_client.get("/help/team/", {"need": Need.MEDICATION, "page": "1"})
    assert f'href="/help/team/requests.csv?need={Need.MEDICATION}"'.encode() in page.content
    listed = rows(officer_client.get("/help/team/requests.csv", {"need": Need.MEDICATION}))
    assert [row["request"] for row in listed] == [str(medicine.pk)]


def test_download_is_every_page_and_logs_every_tenant_listed(officer_client, patch):
    tenants = TenantFactory.create_batch(30, patch=patch)
    for tenant in tenants:
        HelpRequestFactory(tenant=tenant, need=Need.FOOD)
    before = AccessLog.objects.count()
    listed = rows(officer_client.get("/help/team/requests.csv"))
    assert len(listed) == 30  # the page shows 25
    logged = AccessLog.objects.order_by("id")[before:]
    assert {pk for entry in logged for pk in entry.tenant_ids} == {t.pk for t in tenants}


def test_download_reads_a_fixed_number_of_queries(officer_client, patch):
    def queries(count):
        for tenant in TenantFactory.create_batch(count, patch=patch):
            HelpRequestFactory(tenant=tenant, need=Need.FOOD, owner=None)
        with CaptureQueriesContext(connection) as context:
            rows(officer_client.get("/help/team/requests.csv"))
        return len(context.captured_queries)

    assert queries(2) == queries(20)


def test_your_requests_downloads_only_your_own(officer_client, officer, food, tenant):
    HelpRequestFactory(tenant=tenant, need=Need.MEDICATION)  # the team's, not yours
    food.owner = officer
    food.save()
    listed = rows(officer_client.get("/help/requests.csv", {"status": "all"}))
    assert [row["request"] for row in listed] == [str(food.pk)]
    assert listed[0]["owner"] == str(officer)


def test_a_refused_filter_downloads_nothing(officer_client, food):
    page = officer_client.get("/help/team/", {"status": "bogus"})
    assert b"requests-csv" not in page.content
    before = AccessLog.objects.count()
    response = officer_client.get("/help/team/requests.csv", {"status": "bogus"})
    assert response.status_code == 400
    assert b"No CSV" in response.content
    assert AccessLog.objects.count() == before


def test_download_needs_sign_in(client, food):
    response = client.get("/help/team/requests.csv")
    assert response.status_code == 302
    assert HelpRequest.objects.count() == 1


def test_an_empty_list_offers_no_download(officer_client):
    # Nothing listed, nothing to download (a tester was offered "Download every request listed
    # as CSV" under "0 requests").
    for url in ("/help/", "/help/team/"):
        page = officer_client.get(url).content.decode()
        assert "0 requests" in page, url
        assert 'id="requests-csv"' not in page, url
