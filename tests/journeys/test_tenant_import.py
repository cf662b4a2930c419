from pathlib import Path

import pytest
from playwright.sync_api import expect

from tenants.models import Tenant
from tests.factories import ManagerFactory, PatchFactory, TeamFactory
from tests.journeys.conftest import sign_in_manager

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "tenants-sample.csv"


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.TENANT_IMPORT_DIR = str(tmp_path)


def test_manager_uploads_the_sample_file_checks_it_and_imports_it(journey):
    team = TeamFactory(name="North team")
    PatchFactory(code="PR-RIB", name="Ribble", team=team)
    PatchFactory(code="FY-LYT", name="Lytham", team=team)
    ManagerFactory(username="maya", first_name="Maya")

    page = sign_in_manager(journey, "maya")
    journey.goto("/tenants/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import tenants")

    # Nothing chosen: an error summary that links to the field.
    page.get_by_role("button", name="Check the file").click()
    journey.check()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a CSV file")

    page.get_by_label("Upload a tenant file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Check the file").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the tenant file")
    expect(page.locator("#count-created")).to_have_text("3")
    expect(page.locator("#count-rejected")).to_have_text("0")
    expect(page.locator("#count-unassigned")).to_have_text("1")
    assert not Tenant.objects.exists()

    page.get_by_role("button", name="Confirm import").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenants imported")
    expect(page.locator("#count-created")).to_have_text("3")
    assert Tenant.objects.count() == 3

    page.get_by_role("link", name="1 tenant with no patch").click()
    journey.check()
    expect(page.locator("#unassigned-count")).to_have_text("1 tenant with no patch.")
    expect(page.get_by_role("row", name="PHG-000102")).to_contain_text("Imran Patel")


def test_manager_sees_rejected_rows_and_imports_the_valid_ones(journey, tmp_path):
    PatchFactory(code="PR-RIB", name="Ribble", team=TeamFactory(name="North team"))
    ManagerFactory(username="maya", first_name="Maya")
    lines = SAMPLE.read_text().splitlines()
    lines[2] = lines[2].replace("1987-11-02", "31/02/1987")
    bad = tmp_path / "tenants-with-a-mistake.csv"
    bad.write_text("\n".join(lines) + "\n")

    page = sign_in_manager(journey, "maya")
    journey.goto("/tenants/import/")
    page.get_by_label("Upload a tenant file").set_input_files(bad)
    page.get_by_role("button", name="Check the file").click()
    journey.check()
    expect(page.locator("#rejections")).to_contain_text(
        'line 3: date_of_birth "31/02/1987" is not a date'
    )
    expect(page.locator("#rejections")).to_contain_text('line 4: patch "FY-LYT" is not a patch')

    page.get_by_role("button", name="Confirm import of 1 valid row").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenants imported")
    expect(page.locator("#count-rejected")).to_have_text("2")
    assert list(Tenant.objects.values_list("tenancy_ref", flat=True)) == ["PHG-000101"]
