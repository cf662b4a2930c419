"""What each import's file must contain, shown where the file is uploaded and where it was
refused, with a sample file to download (issue 21: a tester found no format in the app)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportJob
from tests.arrears.helpers import SAMPLE as BALANCES_SAMPLE
from tests.tenant_import_support import COLUMNS, SAMPLE, csv_text, tenant_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_tasks(settings, tmp_path, django_capture_on_commit_callbacks):
    from config.celery_app import app

    settings.IMPORT_DIR = str(tmp_path / "uploads")
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_tenant_upload_page_lists_every_column_and_offers_the_sample(manager_client):
    page = manager_client.get("/imports/new/tenants/").content.decode()

    assert "What the tenant file must contain" in page
    for column in COLUMNS:
        assert column in page
    assert 'href="/imports/new/tenants/sample.csv"' in page


def test_the_sample_download_is_the_format_pages_file(manager_client):
    response = manager_client.get("/imports/new/tenants/sample.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tenants-sample.csv"'
    body = b"".join(response.streaming_content).decode()
    assert body == SAMPLE.read_text()
    assert next(csv.reader(io.StringIO(body))) == COLUMNS


def test_rent_balances_have_their_own_columns_and_sample(income_client):
    page = income_client.get("/imports/new/rent-balances/").content.decode()
    response = income_client.get("/imports/new/rent-balances/sample.csv")

    assert "What the rent balance file must contain" in page
    for column in ["tenancy_ref", "balance", "as_at", "weekly_rent"]:
        assert column in page
    body = b"".join(response.streaming_content).decode()
    assert body == BALANCES_SAMPLE.read_text()
    assert (
        "The sample file's rows are for the three tenancies in the tenant sample file, "
        "PHG-0900101 to PHG-0900103." in page
    )


def test_the_balances_sample_names_the_tenant_samples_tenancies_in_the_registers_format():
    refs = [row["tenancy_ref"] for row in csv.DictReader(io.StringIO(SAMPLE.read_text()))]
    balances = csv.DictReader(io.StringIO(BALANCES_SAMPLE.read_text()))
    assert [row["tenancy_ref"] for row in balances] == refs
    # The register's references have seven digits (the demo's, from `tenants.demo`).
    assert refs == ["PHG-0900101", "PHG-0900102", "PHG-0900103"]


def test_officers_get_no_sample(officer_client):
    assert officer_client.get("/imports/new/tenants/sample.csv").status_code == 403
    assert officer_client.get("/imports/new/rent-balances/sample.csv").status_code == 403


def test_income_officers_get_the_balances_sample_only(income_client):
    assert income_client.get("/imports/new/tenants/sample.csv").status_code == 403
    assert income_client.get("/imports/new/rent-balances/sample.csv").status_code == 200
    # A campaign's list is imported from its campaign's page, with no sample here.
    assert income_client.get("/imports/new/campaign-list/sample.csv").status_code == 404


def test_anonymous_visitors_get_no_sample(client):
    response = client.get("/imports/new/tenants/sample.csv")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/sign-in/")


def test_a_file_refused_for_a_missing_column_shows_the_columns_open(
    manager_client, django_capture_on_commit_callbacks
):
    columns = [column for column in COLUMNS if column != "date_of_birth"]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/imports/new/tenants/",
            {"file": SimpleUploadedFile("t.csv", csv_text([tenant_row()], columns).encode())},
        )
    job = ImportJob.objects.get()

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()

    assert job.status == ImportJob.Status.REFUSED
    assert "date_of_birth" in page.split("The file was refused")[1].split("</p>")[0]
    assert '<details class="govuk-details" id="file-format" open>' in page


def test_a_file_with_every_row_rejected_shows_the_columns_and_nothing_to_confirm(
    manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/imports/new/tenants/",
            {"file": SimpleUploadedFile("bad.csv", csv_text([tenant_row(postcode="x")]).encode())},
        )
    job = ImportJob.objects.get()

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()
    mine = manager_client.get("/imports/").content.decode()

    assert job.status == ImportJob.Status.CHECKED
    assert '<details class="govuk-details" id="file-format" open>' in page
    assert "Checked: every row rejected" in mine
    assert "waiting for you to confirm" not in mine


def test_a_file_with_valid_rows_keeps_the_columns_closed_and_waits(
    manager_client, patch, django_capture_on_commit_callbacks
):
    rows = [tenant_row(tenancy_ref="PHG-1"), tenant_row(tenancy_ref="PHG-2", postcode="x")]
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/imports/new/tenants/",
            {"file": SimpleUploadedFile("some.csv", csv_text(rows).encode())},
        )
    job = ImportJob.objects.get()

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()

    assert '<details class="govuk-details" id="file-format">' in page
    assert "Checked: waiting for you to confirm" in manager_client.get("/imports/").content.decode()
