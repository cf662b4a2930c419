"""A re-import passes rows identical to the ones each tenant was last checked against without
checking their cells again (`TenantImportRow`). What can change without the row is still
checked: the tenant's row changed in the app, today's date, patch codes and areas, schemes and
support providers, and keys the new file repeats. Each gives the result and the messages a
first check of the row gives."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from accounts.models import Patch
from tenants.importing import TenantImport
from tenants.models import PatchArea, PhoneNumber, Scheme, SupportProvider, Tenant
from tests.tenant_import_support import History, csv_text, tenant_row

pytest_plugins = ["tests.tenant_import_support"]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL reading is PostgreSQL's"
)


def imported(path, **options):
    importer = TenantImport(**options)
    report = importer.run(path)
    return report, importer.checks.same_count


def rows(count=3, **cells):
    return [tenant_row(tenancy_ref=f"SAME-{n}", **cells) for n in range(count)]


def test_an_unchanged_file_is_passed_without_checking_its_rows(write, ribble):
    path = write(csv_text(rows(3)))
    report, same = imported(path)
    assert (report.counts["created"], same) == (3, 0)
    history = History.objects.count()

    report, same = imported(path)

    assert same == 3
    assert report.summary() == "created 0, updated 0, unchanged 3, rejected 0, unassigned 0"
    assert History.objects.count() == history
    report, same = imported(path, dry_run=True)
    assert same == 3
    assert report.summary() == "created 0, updated 0, unchanged 3, rejected 0, unassigned 0"


def test_a_tenant_changed_in_the_app_is_checked_and_written_again(write, ribble):
    path = write(csv_text(rows(3)))
    imported(path)
    tenant = Tenant.objects.get(tenancy_ref="SAME-1")
    tenant.first_name = "Changed"
    tenant.save()

    report, same = imported(path)

    assert same == 2
    assert report.counts["updated"] == 1
    assert Tenant.objects.get(tenancy_ref="SAME-1").first_name == "Margaret"
    by_import = History.objects.filter(history_change_reason__startswith="import ")
    assert list(by_import.filter(history_type="~").values_list("tenancy_ref", flat=True)) == [
        "SAME-1"
    ]
    assert imported(path)[1] == 3  # checked once, and remembered again


def test_a_date_of_birth_gone_past_120_years_is_refused(write, ribble, monkeypatch):
    today = timezone.localdate()
    earliest = (today - relativedelta(years=120)).isoformat()
    path = write(csv_text(rows(2, date_of_birth=earliest)))
    assert imported(path)[0].counts["created"] == 2
    tomorrow = today + timedelta(days=1)
    monkeypatch.setattr("imports.frame.timezone.localdate", lambda: tomorrow)

    report, same = imported(path)

    assert same == 0
    assert report.rejections == [
        f'line {line}: date_of_birth "{earliest}" is more than 120 years ago' for line in (2, 3)
    ]


def test_a_patch_code_changed_in_the_app_refuses_the_row(write, ribble):
    path = write(csv_text(rows(2, patch="pr-rib")))
    imported(path)
    Patch.objects.filter(pk=ribble.pk).update(code="PR-RBL")

    report, same = imported(path)

    assert same == 0
    assert report.rejections == [
        f'line {line}: patch "pr-rib" is not a patch code the register holds' for line in (2, 3)
    ]


def test_an_area_mapped_since_places_the_tenants(write, ribble, other_patch):
    path = write(csv_text(rows(2, postcode="PR9 1AA")))
    report, _same = imported(path)
    assert report.counts["unassigned"] == 2
    PatchArea.objects.create(outward_code="PR9", patch=other_patch)

    report, same = imported(path)

    assert same == 0
    assert (report.counts["updated"], report.counts["unassigned"]) == (2, 0)
    assert set(Tenant.objects.values_list("patch", flat=True)) == {other_patch.pk}


def test_a_tenant_placed_by_a_manager_stays_placed(write, ribble, other_patch):
    path = write(csv_text(rows(2, postcode="PR9 1AA")))
    imported(path)
    tenant = Tenant.objects.get(tenancy_ref="SAME-0")
    tenant.patch = other_patch
    tenant.save()

    report, same = imported(path)

    assert same == 1
    assert report.summary() == "created 0, updated 0, unchanged 2, rejected 0, unassigned 1"
    assert Tenant.objects.get(tenancy_ref="SAME-0").patch == other_patch


def test_a_scheme_retyped_in_the_app_refuses_the_row(write, ribble):
    path = write(csv_text(rows(2, scheme_type="supported_living", scheme_name="Oak House")))
    imported(path)
    Scheme.objects.filter(name="Oak House").update(type=Scheme.Type.INDEPENDENT_LIVING)

    report, same = imported(path)

    assert same == 0
    assert report.rejections == [
        f'line {line}: scheme_name "Oak House" is an independent_living scheme, '
        "not supported_living"
        for line in (2, 3)
    ]


def test_a_provider_renamed_in_the_app_is_named_again(write, ribble):
    path = write(csv_text(rows(2, support_provider="Ribble Support")))
    imported(path)
    SupportProvider.objects.filter(name="Ribble Support").update(name="Ribble Care")

    report, same = imported(path)

    assert same == 0
    assert report.counts["updated"] == 2
    names = Tenant.objects.values_list("support_provider__name", flat=True)
    assert set(names) == {"Ribble Support"}


def test_a_key_the_new_file_repeats_refuses_both_rows(write, ribble):
    imported(write(csv_text(rows(2))))
    again = rows(2) + [tenant_row(tenancy_ref="SAME-1")]

    report, same = imported(write(csv_text(again), name="again.csv"))

    assert same == 1
    assert report.rejections == [
        'line 3: tenancy_ref "SAME-1" is also on line 4',
        'line 4: tenancy_ref "SAME-1" is already on line 3',
    ]


def test_a_number_marked_dead_stays_dead_while_the_file_sends_it(write, ribble, officer):
    path = write(csv_text(rows(1)))
    imported(path)
    tenant = Tenant.objects.get()
    PhoneNumber.objects.create(
        tenant=tenant,
        number=tenant.phone,
        source=PhoneNumber.Source.FILE,
        status=PhoneNumber.Status.DEAD,
        by=officer,
    )

    report, same = imported(path)

    assert (same, report.counts["unchanged"]) == (1, 1)
    assert Tenant.objects.get().numbers_to_dial() == []
