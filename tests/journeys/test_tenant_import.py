import csv
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from imports.models import ImportJob
from tenants.models import Tenant
from tests.factories import ManagerFactory, PatchFactory, TeamFactory
from tests.journeys.conftest import sign_in_manager

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "tenants" / "formats" / "tenants-sample.csv"

# The steps run on a real Celery worker, as in production.
pytestmark = pytest.mark.usefixtures("celery_worker_process")


def test_manager_uploads_the_sample_file_checks_it_and_imports_it(journey):
    team = TeamFactory(name="North team")
    PatchFactory(code="PR-RIB", name="Ribble", team=team)
    PatchFactory(code="FY-LYT", name="Lytham", team=team)
    ManagerFactory(username="maya", first_name="Maya")

    page = sign_in_manager(journey, "maya")
    journey.goto("/tenants/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import tenants")

    # What the file must hold, one click away, and readable on a phone without sideways scrolling
    # (its column names have no place to break: the page was 498 px wide at 375).
    page.get_by_text("What the tenant file must contain").click()
    expect(
        page.get_by_role("row", name="self_isolating_from, self_isolating_until")
    ).to_be_visible()
    journey.check()
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size(size)

    # Nothing chosen: an error summary that links to the field.
    page.get_by_role("button", name="Check the file").click()
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a CSV file")

    page.get_by_label("Upload a tenant file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Check the file").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the tenant file")
    journey.check()
    expect(page.locator("#count-created")).to_have_text("3")
    expect(page.locator("#count-rejected")).to_have_text("0")
    expect(page.locator("#count-unassigned")).to_have_text("1")
    assert not Tenant.objects.exists()

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenants imported")
    journey.check()
    expect(page.locator("#count-created")).to_have_text("3")
    assert Tenant.objects.count() == 3

    page.get_by_role("link", name="1 tenant with no patch").click()
    journey.check()
    expect(page.locator("#unassigned-count")).to_have_text("1 tenant with no patch.")
    expect(page.get_by_role("row", name="PHG-0900102")).to_contain_text("Imran Patel")


def test_manager_fixes_the_file_or_imports_the_valid_rows(journey, tmp_path):
    PatchFactory(code="PR-RIB", name="Ribble", team=TeamFactory(name="North team"))
    ManagerFactory(username="maya", first_name="Maya")
    lines = SAMPLE.read_text().splitlines()
    lines[2] = lines[2].replace("1987-11-02", "31/02/1987")
    bad = tmp_path / "tenants-with-a-mistake.csv"
    bad.write_text("\n".join(lines) + "\n")

    page = sign_in_manager(journey, "maya")
    journey.goto("/imports/new/tenants/")
    page.get_by_label("Upload a tenant file").set_input_files(bad)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the tenant file")
    journey.check()
    expect(page.locator("#rejections")).to_contain_text(
        'line 3: date_of_birth "31/02/1987" is not a date'
    )
    expect(page.locator("#rejections")).to_contain_text('line 4: patch "FY-LYT" is not a patch')

    with page.expect_download() as download:
        page.get_by_role("button", name="Fix the file").click()
    rows = list(csv.reader(Path(download.value.path()).read_text(encoding="utf-8").splitlines()))
    assert rows[0][-2:] == ["line", "reason"]
    assert [(row[0], row[-2]) for row in rows[1:]] == [("PHG-0900102", "3"), ("PHG-0900103", "4")]

    page.get_by_role("button", name="Import only the 1 valid row, leaving out 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenants imported")
    journey.check()
    expect(page.locator("#count-rejected")).to_have_text("2")
    assert list(Tenant.objects.values_list("tenancy_ref", flat=True)) == ["PHG-0900101"]


def test_a_large_file_is_checked_in_the_background_and_can_be_left(journey, tmp_path):
    """Issue 21's journey: 50,000 rows uploaded, progress watched, the page left and found
    again under "Your imports", then confirmed."""
    sys.path.insert(0, str(ROOT / "bench"))
    from import_tenants import COLUMNS, PATCHES, tenant_rows

    team = TeamFactory(name="North team")
    for code in PATCHES:
        PatchFactory(code=code, name=code, team=team)
    ManagerFactory(username="maya", first_name="Maya")
    big = tmp_path / "tenants-50000.csv"
    with big.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(tenant_rows(50_000))

    page = sign_in_manager(journey, "maya")
    journey.goto("/imports/new/tenants/")
    page.get_by_label("Upload a tenant file").set_input_files(big)
    page.get_by_role("button", name="Check the file").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checking the tenant file")
    # The counts move without a reload (the no-JavaScript refresh link is hidden), unless the
    # check is quicker than the page's polling: then the page moves on to the report by itself.
    expect(page.locator("[data-refresh-link]")).to_be_hidden()
    page.wait_for_function(
        """() => {
            const rows = document.querySelector("#progress-rows");
            return (rows && rows.textContent.trim() !== "0")
                || document.querySelector("h1").textContent.includes("Check the tenant file");
        }""",
        timeout=60_000,
    )
    journey.check()  # whichever page that is
    job = ImportJob.objects.get()

    # Leave, and come back through "Your imports".
    journey.goto("/tenants/")
    journey.goto("/imports/")
    page.get_by_role("link", name="tenants-50000.csv").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the tenant file", timeout=240_000
    )
    journey.check()
    expect(page.locator("#count-created")).to_have_text("50,000")
    assert not Tenant.objects.exists()

    page.get_by_role("button", name="Confirm import").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenants imported", timeout=240_000)
    journey.check()
    assert Tenant.objects.count() == 50_000
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED
