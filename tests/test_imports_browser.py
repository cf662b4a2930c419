"""Imports in the browser (issues 20, 21, 16): upload, a check in the background with progress,
confirm, "Fix the file", cancel, "Your imports", the files deleted within a day, rent balances
on the same flow, and who may see what. The steps run as real Celery tasks, eagerly."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from arrears.models import RentBalance
from conftest import sign_in
from imports import jobs
from imports.models import ImportJob
from tenants.importing import TenantImport
from tenants.models import Tenant
from tests.factories import ManagerFactory, TenantFactory
from tests.tenant_import_support import COLUMNS, SAMPLE, History, csv_text, tenant_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture(autouse=True)
def eager_tasks(django_capture_on_commit_callbacks):
    """Tasks run in-process, as in `make run`; after-commit callbacks run when each request's
    work would have committed."""
    from config.celery_app import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def send(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return send


@pytest.fixture
def upload(send):
    def upload(client, content, name="tenants.csv", kind="tenants"):
        data = content if isinstance(content, bytes) else content.encode()
        return send(client, f"/imports/new/{kind}/", {"file": SimpleUploadedFile(name, data)})

    return upload


def mixed_rows():
    rows = [tenant_row(tenancy_ref=f"PHG-{n}") for n in range(10)]
    rows[1]["date_of_birth"] = "31/02/1950"
    rows[8]["postcode"] = "nowhere"
    return rows


def job_with_file(manager, text, status=ImportJob.Status.CHECKING):
    """A tenant import job with its upload on disk, as the upload page leaves one."""
    job = ImportJob.objects.create(
        kind="tenants", created_by=manager, file_name="t.csv", file_size=1, status=status
    )
    job.folder.mkdir(parents=True)
    job.upload_path.write_text(text)
    return job


def run_to_a_cancel_that_kept_nothing(job):
    jobs.run_step(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not Tenant.objects.exists()
    assert not History.objects.exists()


def latest_job():
    return ImportJob.objects.latest("pk")


# Who may use it --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ["/imports/", "/imports/new/tenants/", "/tenants/import/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/sign-in/")


def test_officers_may_not_upload_tenants_or_balances(officer_client, upload):
    assert officer_client.get("/imports/new/tenants/").status_code == 403
    assert officer_client.get("/imports/new/rent-balances/").status_code == 403
    assert upload(officer_client, csv_text([tenant_row()])).status_code == 403
    assert not ImportJob.objects.exists()


def test_income_officers_upload_balances_but_not_tenants(income_client):
    assert income_client.get("/imports/new/tenants/").status_code == 403
    assert income_client.get("/imports/new/rent-balances/").status_code == 200


def test_another_managers_import_is_not_found(manager_client, upload, send):
    upload(manager_client, csv_text([tenant_row()]))
    job = latest_job()
    other = sign_in(Client(), ManagerFactory(username="mo"))

    for url in ["", "progress/", "rejected-rows/"]:
        assert other.get(f"/imports/{job.pk}/{url}").status_code == 404
    assert send(other, f"/imports/{job.pk}/confirm/").status_code == 404
    assert "tenants.csv" not in other.get("/imports/").content.decode()
    assert not Tenant.objects.exists()


# Upload, check, confirm ------------------------------------------------------------------------


def test_manager_uploads_checks_and_confirms(
    manager_client, manager, patch, other_patch, upload, send
):
    response = upload(manager_client, SAMPLE.read_bytes(), name="tenants-sample.csv")

    job = latest_job()
    assert response.url == f"/imports/{job.pk}/"
    check = manager_client.get(response.url)
    assert check.context["heading"] == "Check the tenant file"
    assert check.context["report"].counts["created"] == 3
    assert "Confirm import" in check.content.decode()
    assert not Tenant.objects.exists()

    response = send(manager_client, f"/imports/{job.pk}/confirm/")

    result = manager_client.get(response.url)
    assert result.context["heading"] == "Tenants imported"
    assert Tenant.objects.count() == 3
    history = History.objects.get(tenancy_ref="PHG-0900101")
    assert history.history_user == manager
    assert history.history_change_reason == "import tenants-sample.csv"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert not job.upload_path.exists()  # confirmed: the upload is deleted at once


def test_confirming_twice_imports_once(manager_client, patch, other_patch, upload, send):
    upload(manager_client, SAMPLE.read_bytes())
    job = latest_job()
    send(manager_client, f"/imports/{job.pk}/confirm/")

    response = send(manager_client, f"/imports/{job.pk}/confirm/")

    assert response.url == f"/imports/{job.pk}/"
    assert History.objects.count() == 3


def test_rejected_rows_make_fix_the_file_the_main_button(manager_client, upload):
    upload(manager_client, csv_text(mixed_rows(), [*COLUMNS, "notes"]))
    job = latest_job()

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()

    assert "line 3: date_of_birth &quot;31/02/1950&quot; is not a date" in page
    assert "line 10: postcode &quot;nowhere&quot; is not a UK postcode" in page
    assert "notes" in page
    assert '<a class="govuk-button" role="button"' in page
    assert ">Fix the file</a>" in page
    assert "govuk-button--secondary" in page
    assert "Import only the 8 valid rows, leaving out 2" in page
    assert "Confirm import<" not in page
    # Both ways are told: fixing only the download would never import the valid rows.
    assert "import the 8 valid rows now, then fix the rejected rows" in page
    assert "fix your whole file and upload it again" in page
    assert "downloads only the rejected rows" in page
    rejected = manager_client.get(f"/imports/{job.pk}/rejected-rows/")
    assert rejected["Content-Disposition"] == 'attachment; filename="tenants-rejected.csv"'
    lines = b"".join(rejected.streaming_content).decode().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(",notes,line,reason")
    assert lines[1].endswith(',3,"date_of_birth ""31/02/1950"" is not a date"')
    assert lines[2].endswith(',10,"postcode ""nowhere"" is not a UK postcode"')


def test_a_fixed_rejected_rows_file_uploads_again_and_keeps_its_shape(
    manager_client, patch, upload, send
):
    upload(manager_client, csv_text(mixed_rows()))
    job = latest_job()
    send(manager_client, f"/imports/{job.pk}/confirm/", {"skip_invalid": "yes"})
    download = manager_client.get(f"/imports/{job.pk}/rejected-rows/")
    fixed = b"".join(download.streaming_content).replace(b"31/02/1950", b"28/02/1950")

    upload(manager_client, fixed, name="tenants-rejected.csv")

    again = latest_job()
    page = manager_client.get(f"/imports/{again.pk}/").content.decode()
    assert "so they are ignored: line, reason." in page
    assert "line 3: postcode &quot;nowhere&quot; is not a UK postcode" in page
    assert "Import only the 1 valid row, leaving out 1" in page
    rows = list(csv.reader(io.StringIO(again.rejected_path.read_text(encoding="utf-8"))))
    # The old line and reason give way to the new: the file can go round again.
    assert rows[0] == [*COLUMNS, "line", "reason"]
    assert rows[1][-2:] == ["3", 'postcode "nowhere" is not a UK postcode']
    send(manager_client, f"/imports/{again.pk}/confirm/", {"skip_invalid": "yes"})
    assert Tenant.objects.count() == 9


def test_when_every_row_is_rejected_one_way_is_told(manager_client, upload):
    upload(manager_client, csv_text([tenant_row(date_of_birth="x")]))

    page = manager_client.get(f"/imports/{latest_job().pk}/").content.decode()

    assert "1 row would be rejected." in page
    assert "No row can be imported. Fix the rows" in page
    assert "valid row" not in page


def test_importing_only_the_valid_rows(manager_client, upload, send):
    upload(manager_client, csv_text(mixed_rows()))
    job = latest_job()

    send(manager_client, f"/imports/{job.pk}/confirm/", {"skip_invalid": "yes"})

    assert Tenant.objects.count() == 8
    job.refresh_from_db()
    assert job.report.rejected == 2
    assert job.rejected_path.exists()  # kept for "Fix the file" until the day is out


def test_your_imports_says_an_import_left_rows_out(manager_client, upload, send):
    upload(manager_client, csv_text(mixed_rows()))
    job = latest_job()
    send(manager_client, f"/imports/{job.pk}/confirm/", {"skip_invalid": "yes"})

    page = manager_client.get("/imports/").content.decode()

    assert f'id="left-out-{job.pk}">2 rows rejected and left out<' in page


def test_confirming_without_skipping_stays_all_or_nothing(manager_client, upload, send):
    upload(manager_client, csv_text(mixed_rows()))
    job = latest_job()

    send(manager_client, f"/imports/{job.pk}/confirm/")

    assert not Tenant.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.NOTHING_IMPORTED
    assert "Nothing imported" in manager_client.get(f"/imports/{job.pk}/").content.decode()


def test_a_duplicated_ref_rejects_both_rows(manager_client, upload):
    rows = [tenant_row(), tenant_row(first_name="Edna"), tenant_row(tenancy_ref="PHG-2")]
    upload(manager_client, csv_text(rows))

    page = manager_client.get(f"/imports/{latest_job().pk}/").content.decode()

    assert "line 2: tenancy_ref &quot;PHG-0900101&quot; is also on line 3" in page
    assert "line 3: tenancy_ref &quot;PHG-0900101&quot; is already on line 2" in page
    assert "Import only the 1 valid row, leaving out 2" in page


def test_a_refused_file_says_why_and_keeps_nothing(manager_client, upload, import_dir):
    upload(manager_client, csv_text([tenant_row(first_name="Zoë")]).encode("cp1252"))
    job = latest_job()

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()

    assert job.status == ImportJob.Status.REFUSED
    assert "The file was refused: the file must be UTF-8" in page
    assert not any(import_dir.rglob("*.csv"))


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("tenants.xlsx", b"x", "The selected file must be a CSV"),
        ("tenants.csv", b"", "The selected file is empty"),
    ],
)
def test_the_upload_must_be_a_csv_with_something_in_it(
    manager_client, upload, name, content, error
):
    response = upload(manager_client, content, name=name)

    assert error in response.content.decode()
    assert not ImportJob.objects.exists()


def test_no_file_chosen(manager_client, send):
    response = send(manager_client, "/imports/new/tenants/")

    assert "Select a CSV file" in response.content.decode()


def test_a_file_over_the_limit_is_refused(manager_client, upload, settings):
    settings.IMPORT_MAX_MB = 0

    response = upload(manager_client, csv_text([tenant_row()]))

    assert "The selected file must be smaller than 0 MB" in response.content.decode()


def test_the_old_address_leads_to_the_upload(manager_client):
    assert manager_client.get("/tenants/import/").url == "/imports/new/tenants/"


# Progress, cancel, "Your imports" --------------------------------------------------------------


def test_a_running_check_shows_progress_and_a_refresh_link(manager_client, manager):
    job = ImportJob.objects.create(
        kind="tenants", created_by=manager, file_name="big.csv", file_size=10
    )
    jobs.cache.set(
        jobs._progress_key(job.pk),
        {
            "stage": "reading",
            "rows": 1234,
            "rejected": 5,
            "bytes_read": 50,
            "total_bytes": 100,
            "started": jobs.time.time() - 30,
        },
    )

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()
    fragment = manager_client.get(f"/imports/{job.pk}/progress/").content.decode()

    assert "Checking the tenant file" in page
    for html in (page, fragment):
        assert 'id="progress-rows">1,234<' in html
        assert 'id="progress-rejected">5<' in html
        assert "Reading the file: 50%" in html
        assert "About 30 seconds" in html
        assert f'href="/imports/{job.pk}/">Refresh</a>' in html
    assert "js/import-progress" in page


def test_cancelling_a_running_import_keeps_nothing(manager_client, manager, patch, upload, send):
    upload(manager_client, SAMPLE.read_bytes())
    job = latest_job()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)

    send(manager_client, f"/imports/{job.pk}/cancel/")
    # The task started after the cancel: it stops at its first progress report.
    run_to_a_cancel_that_kept_nothing(job)
    assert not job.folder.exists()


def test_a_cancel_saved_while_the_rows_are_saved_rolls_the_import_back(manager, patch, monkeypatch):
    # After the last progress report the import writes every row and commits: a cancel saved
    # then (the manager was told "Cancelling: nothing from this file will be kept") still wins.
    rows = [tenant_row(tenancy_ref=f"PHG-{n}", patch="PR-RIB") for n in range(3)]
    job = job_with_file(manager, csv_text(rows), ImportJob.Status.IMPORTING)

    original = TenantImport.finish

    def cancel_while_saving(self, *, write):
        original(self, write=write)
        assert Tenant.objects.count() == 3  # written, not yet committed
        assert jobs.import_cancel(job=job) == "stopping"

    monkeypatch.setattr(TenantImport, "finish", cancel_while_saving)

    run_to_a_cancel_that_kept_nothing(job)


def test_an_import_is_marked_imported_as_it_commits(manager, patch, monkeypatch):
    # A cancel from then on finds the file imported: it is never told it will be stopped.
    job = job_with_file(
        manager,
        csv_text([tenant_row(tenancy_ref="PHG-1", patch="PR-RIB")]),
        ImportJob.Status.IMPORTING,
    )

    seen = []
    original = TenantImport.committed

    def after_the_commit(self):
        seen.append(ImportJob.objects.get(pk=job.pk).status)
        seen.append(jobs.import_cancel(job=job))
        original(self)

    monkeypatch.setattr(TenantImport, "committed", after_the_commit)

    jobs.run_step(job.pk)

    assert seen == [ImportJob.Status.IMPORTED, "too late"]
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (ImportJob.Status.IMPORTED, False)
    assert Tenant.objects.filter(tenancy_ref="PHG-1").exists()


def test_a_check_run_again_leaves_a_checked_file_alone(manager, monkeypatch):
    # A task whose worker died is run again: the check it repeats must not cancel the job.
    job = job_with_file(manager, csv_text([tenant_row()]))

    original = TenantImport.run

    def checked_meanwhile(self, path):
        report = original(self, path)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
        return report

    monkeypatch.setattr(TenantImport, "run", checked_meanwhile)

    jobs.run_step(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert job.upload_path.is_file()


def test_cancel_stops_a_run_midway_and_rolls_it_all_back(manager, patch, monkeypatch):
    rows = [tenant_row(tenancy_ref=f"PHG-{n}", patch="PR-RIB") for n in range(30)]
    job = job_with_file(manager, csv_text(rows), ImportJob.Status.IMPORTING)

    reports = []
    original = TenantImport._tell

    def cancel_at_first_report(self, force=False):
        # The manager cancels while rows are being read (and, on PostgreSQL, copied in).
        if self.report.counts["rows"] and not reports:
            reports.append(self.report.counts["rows"])
            ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
            force = True
        original(self, force=force)

    monkeypatch.setattr(TenantImport, "_tell", cancel_at_first_report)

    jobs.run_step(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not Tenant.objects.exists()
    assert not History.objects.exists()


def test_a_cancel_saved_as_the_check_ends_is_kept(manager, monkeypatch):
    job = job_with_file(manager, csv_text([tenant_row()]))

    original = TenantImport.run

    def cancel_after_the_last_report(self, path):
        report = original(self, path)
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        return report

    monkeypatch.setattr(TenantImport, "run", cancel_after_the_last_report)

    jobs.run_step(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not job.folder.exists()


def test_cancelling_a_checked_file_deletes_it(manager_client, upload, send, import_dir):
    upload(manager_client, csv_text([tenant_row()]))
    job = latest_job()

    send(manager_client, f"/imports/{job.pk}/cancel/")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert not any(import_dir.rglob("*.csv"))
    assert send(manager_client, f"/imports/{job.pk}/confirm/").status_code == 302
    assert not Tenant.objects.exists()


def test_cancel_from_a_stale_tab_after_the_import_says_it_was_imported(
    manager_client, patch, other_patch, upload, send
):
    upload(manager_client, SAMPLE.read_bytes())
    job = latest_job()
    send(manager_client, f"/imports/{job.pk}/confirm/")  # the first tab

    response = send(manager_client, f"/imports/{job.pk}/cancel/")  # the second, still "checked"

    page = manager_client.get(response.url).content.decode()
    assert "This file was already imported, so it could not be cancelled." in page
    assert "not imported" not in page
    assert "Tenants imported" in page
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
    assert Tenant.objects.count() == 3


def test_cancel_while_the_import_runs_stops_it(manager_client, patch, other_patch, upload, send):
    upload(manager_client, SAMPLE.read_bytes())
    job = latest_job()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)

    response = send(manager_client, f"/imports/{job.pk}/cancel/")

    page = manager_client.get(response.url).content.decode()
    assert "Cancelling: nothing from this file will be kept." in page
    job.refresh_from_db()
    assert job.cancel_requested


def test_a_failed_import_shows_its_counts_as_what_the_check_found(manager_client, upload):
    upload(manager_client, csv_text([tenant_row(tenancy_ref=f"PHG-{n}") for n in range(30)]))
    job = latest_job()
    # The worker died during the import: the hourly job marks it failed, with the check's report.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED)

    page = manager_client.get(f"/imports/{job.pk}/").content.decode()

    assert "Something went wrong, and nothing from this file was imported" in page
    counts = page[page.index('id="import-counts"') :]
    caption = page.index('id="counts-caption">What the check found</h2>')
    assert caption < page.index('id="import-counts"')
    assert 'id="count-created">30<' in counts


def test_a_cancelled_import_shows_no_counts(manager_client, upload, send):
    upload(manager_client, csv_text([tenant_row(tenancy_ref=f"PHG-{n}") for n in range(30)]))
    job = latest_job()

    response = send(manager_client, f"/imports/{job.pk}/cancel/")

    page = manager_client.get(response.url).content.decode()
    assert "Cancelled: nothing from this file was imported" in page
    assert "New tenants" not in page
    assert 'id="count-created"' not in page


def test_an_imported_file_shows_its_counts_as_done(manager_client, upload, send):
    upload(manager_client, csv_text([tenant_row()]))
    job = latest_job()

    response = send(manager_client, f"/imports/{job.pk}/confirm/")

    page = manager_client.get(response.url).content.decode()
    assert 'id="count-created">1<' in page
    assert "What the check found" not in page


def test_your_imports_lists_mine_newest_first(manager_client, manager, upload):
    upload(manager_client, csv_text([tenant_row()]), name="first.csv")
    upload(manager_client, csv_text([tenant_row()]), name="second.csv")

    page = manager_client.get("/imports/").content.decode()

    assert page.index("second.csv") < page.index("first.csv")
    assert "Checked: waiting for you to confirm" in page


def test_your_imports_queries_do_not_grow_with_rows(
    manager_client, manager, django_assert_max_num_queries
):
    for n in range(30):
        ImportJob.objects.create(
            kind="tenants", created_by=manager, file_name=f"f{n}.csv", file_size=1
        )
    # session, user, OTP device, count, page (+ session save)
    with django_assert_max_num_queries(8):
        response = manager_client.get("/imports/")
    assert len(response.context["page"]) == 25


# Files kept at most a day ----------------------------------------------------------------------


def test_unconfirmed_checks_and_rejected_rows_are_deleted_after_a_day(
    manager_client, upload, send, import_dir
):
    upload(manager_client, csv_text([tenant_row()]), name="waiting.csv")
    upload(manager_client, csv_text(mixed_rows()), name="done.csv")
    done = latest_job()
    send(manager_client, f"/imports/{done.pk}/confirm/", {"skip_invalid": "yes"})
    assert any(import_dir.rglob("*.csv"))

    assert jobs.discard_stale_files(now=timezone.now() + timedelta(hours=23)) == 0
    assert jobs.discard_stale_files(now=timezone.now() + timedelta(hours=25)) == 2

    assert not any(import_dir.rglob("*.csv"))
    waiting = ImportJob.objects.get(file_name="waiting.csv")
    assert waiting.status == ImportJob.Status.EXPIRED
    assert ImportJob.objects.get(pk=done.pk).status == ImportJob.Status.IMPORTED


def test_a_step_whose_worker_died_fails_after_a_day(manager):
    job = ImportJob.objects.create(
        kind="tenants", created_by=manager, file_name="lost.csv", file_size=1
    )
    job.folder.mkdir(parents=True)
    job.upload_path.write_text("tenancy_ref\n")

    jobs.discard_stale_files(now=timezone.now() + timedelta(hours=25))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not job.folder.exists()


def test_the_hourly_job_is_on_the_beat_schedule():
    from config.celery_app import app

    entry = app.conf.beat_schedule["imports-discard-stale-files"]
    assert entry["task"] == "imports.discard_stale_files"


# Rent balances on the same flow ----------------------------------------------------------------


def test_income_officer_uploads_balances_checks_and_confirms(income_client, patch, upload, send):
    TenantFactory(tenancy_ref="PHG-1", patch=patch)
    text = 'tenancy_ref,balance,as_at\nPHG-1,"£1,234.56",2026-11-02\nPHG-9,1.00,2026-11-02\n'

    upload(income_client, text, name="balances.csv", kind="rent-balances")
    job = latest_job()
    page = income_client.get(f"/imports/{job.pk}/").content.decode()

    assert "Check the rent balance file" in page
    assert 'id="count-created">1<' in page
    assert "line 3: tenancy_ref &quot;PHG-9&quot; is not a tenancy the register holds" in page
    assert not RentBalance.objects.exists()

    send(income_client, f"/imports/{job.pk}/confirm/", {"skip_invalid": "yes"})

    balance = RentBalance.objects.get()
    assert (balance.balance, balance.as_at) == (Decimal("1234.56"), date(2026, 11, 2))
    assert "Rent balances imported" in income_client.get(f"/imports/{job.pk}/").content.decode()


# Spreadsheet-safe rejected rows ----------------------------------------------------------------


def test_formulas_in_rejected_rows_are_neutralised_and_read_back(manager_client, upload):
    bad = tenant_row(first_name='=HYPERLINK("http://evil.example/","x")', date_of_birth="x")
    bad2 = tenant_row(tenancy_ref="PHG-2", last_name="-2+3", phone="+44 20 7946 0000", email="@x")
    upload(manager_client, csv_text([bad, bad2]))
    job = latest_job()

    rows = list(csv.reader(io.StringIO(job.rejected_path.read_text(encoding="utf-8"))))

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example/","x")'
    assert rows[2][2] == "'-2+3"
    assert rows[2][4] == "'+44 20 7946 0000"
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )


def test_the_check_names_the_providers_and_schemes_the_file_will_create(
    manager_client, patch, upload, send
):
    rows = [
        tenant_row(tenancy_ref="PHG-1", support_provider="Harbour Support"),
        tenant_row(
            tenancy_ref="PHG-2",
            scheme_type="supported_living",
            scheme_name="Lune House",
            support_provider="Lune Valley Care",
        ),
        tenant_row(tenancy_ref="PHG-3", support_provider="harbour support"),  # the same one
    ]
    response = upload(manager_client, csv_text(rows))
    page = manager_client.get(response.url).content.decode()
    assert "The import will also create" in page
    assert "2 new support providers: Harbour Support, Lune Valley Care." in page
    assert "1 new scheme: Lune House." in page

    job = latest_job()
    response = send(manager_client, f"/imports/{job.pk}/confirm/")
    page = manager_client.get(response.url).content.decode()
    assert "Also created" in page and "1 new scheme: Lune House." in page

    # Imported again, the file creates nothing new and the page says nothing of it.
    response = upload(manager_client, csv_text(rows))
    assert 'id="import-notes"' not in manager_client.get(response.url).content.decode()
