"""The tenant import's runs: keys and re-imports, all-or-nothing, dry run, skip invalid, errors
out, never a crash or half an import, and the frame reused by another import."""

import csv
import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from imports.cells import a_date, tenancy_ref
from imports.frame import Column, CsvImport
from tenants.importing import TenantImport
from tenants.models import Scheme, SupportProvider, Tenant
from tests.factories import TenantFactory
from tests.tenant_import_support import (
    COLUMNS,
    SAMPLE,
    History,
    csv_text,
    rejected_messages,
    tenant_row,
)

pytestmark = pytest.mark.django_db
# The shared fixtures (write, run, import_rows, ribble).
pytest_plugins = ["tests.tenant_import_support"]

# Keys, updates and re-imports ------------------------------------------------------------------


def test_the_same_ref_twice_rejects_both_rows_and_picks_neither(import_rows):
    rows = [tenant_row(), tenant_row(first_name="Edna"), tenant_row(tenancy_ref="PHG-2")]

    code, out, err = import_rows(rows, "--skip-invalid")

    assert rejected_messages(err) == [
        'line 2: tenancy_ref "PHG-0900101" is also on line 3',
        'line 3: tenancy_ref "PHG-0900101" is already on line 2',
    ]
    assert not Tenant.objects.filter(tenancy_ref="PHG-0900101").exists()
    assert list(Tenant.objects.values_list("tenancy_ref", flat=True)) == ["PHG-2"]
    assert "rejected 2" in out


def test_a_ref_on_three_lines_names_the_others(import_rows):
    rows = [tenant_row(), tenant_row(tenancy_ref="PHG-2"), tenant_row(), tenant_row()]

    code, out, err = import_rows(rows, "--skip-invalid")

    assert rejected_messages(err) == [
        'line 2: tenancy_ref "PHG-0900101" is also on lines 4 and 5',
        'line 4: tenancy_ref "PHG-0900101" is already on line 2',
        'line 5: tenancy_ref "PHG-0900101" is already on line 2',
    ]


def test_an_existing_ref_updates_the_tenant_and_records_history(import_rows, patch):
    tenant = TenantFactory(tenancy_ref="PHG-0900101", first_name="Maggie", patch=patch)
    created_at, updated_at = tenant.created_at, tenant.updated_at

    code, out, err = import_rows([tenant_row(patch="PR-RIB")])

    assert code == 0, err
    assert "created 0, updated 1, unchanged 0" in out
    tenant.refresh_from_db()
    assert tenant.first_name == "Margaret"
    assert tenant.created_at == created_at
    assert tenant.updated_at > updated_at
    change = tenant.history.filter(history_type="~").get()
    assert change.history_change_reason == "import tenants.csv"
    assert change.first_name == "Margaret"
    assert change.created_at == created_at
    assert change.prev_record.first_name == "Maggie"


def test_re_importing_an_unchanged_file_changes_nothing(run, patch, other_patch):
    run(SAMPLE)
    stamps = dict(Tenant.objects.values_list("tenancy_ref", "updated_at"))
    history = History.objects.count()

    code, out, err = run(SAMPLE)

    assert code == 0, err
    assert "created 0, updated 0, unchanged 3, rejected 0" in out
    assert dict(Tenant.objects.values_list("tenancy_ref", "updated_at")) == stamps
    assert History.objects.count() == history
    assert Scheme.objects.count() == 2


def test_a_column_the_file_lacks_is_left_as_it_is(import_rows, patch):
    TenantFactory(tenancy_ref="PHG-0900101", email="held@example.org", patch=patch)
    columns = [c for c in COLUMNS if c != "email"]

    code, out, err = import_rows([tenant_row(patch="PR-RIB")], columns=columns)

    assert code == 0, err
    assert Tenant.objects.get().email == "held@example.org"


# All-or-nothing, dry run, skip invalid, errors out ---------------------------------------------


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(TenantImport, "batch_size", 3)


def mixed_rows():
    rows = [tenant_row(tenancy_ref=f"PHG-{n}") for n in range(10)]
    rows[1]["date_of_birth"] = "31/02/1950"
    rows[8]["postcode"] = "nowhere"
    rows[8]["phone"] = "07700 900123"
    return rows


def test_any_rejected_row_means_nothing_is_written(import_rows, small_batches):
    code, out, err = import_rows(mixed_rows())

    assert code != 0
    assert rejected_messages(err) == [
        'line 3: date_of_birth "31/02/1950" is not a date',
        'line 10: phone "07700 900123" is not a valid UK phone number',
        'line 10: postcode "nowhere" is not a UK postcode',
    ]
    assert "Nothing imported: 2 rows rejected" in err
    assert not Tenant.objects.exists()
    assert not History.objects.exists()


def test_a_failed_run_creates_no_schemes_or_providers(import_rows, small_batches):
    rows = mixed_rows()
    rows[0].update(scheme_type="supported_living", scheme_name="Mill", support_provider="Care")

    import_rows(rows)

    assert not Scheme.objects.exists()
    assert not SupportProvider.objects.exists()


def test_dry_run_checks_and_counts_but_writes_nothing(import_rows, patch):
    TenantFactory(tenancy_ref="PHG-0", first_name="Maggie", patch=patch)
    rows = [tenant_row(tenancy_ref=f"PHG-{n}", patch="PR-RIB") for n in range(3)]
    rows[2].update(scheme_type="supported_living", scheme_name="Mill", support_provider="Care")

    code, out, err = import_rows(rows, "--dry-run")

    assert code == 0, err
    assert "created 2, updated 1, unchanged 0, rejected 0, unassigned 0" in out
    assert "Dry run: nothing written." in out
    assert Tenant.objects.count() == 1
    assert Tenant.objects.get().first_name == "Maggie"
    assert not Scheme.objects.exists()
    assert not SupportProvider.objects.exists()
    assert not History.objects.filter(history_change_reason__startswith="import").exists()


def test_dry_run_reports_rejections_with_a_failing_exit(import_rows):
    code, out, err = import_rows(mixed_rows(), "--dry-run")

    assert code != 0
    assert len(rejected_messages(err)) == 3
    assert "Dry run: 2 rows rejected" in err


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(import_rows, small_batches):
    code, out, err = import_rows(mixed_rows(), "--skip-invalid")

    assert code == 0, err
    assert len(rejected_messages(err)) == 3
    assert "created 8, updated 0, unchanged 0, rejected 2" in out
    assert set(Tenant.objects.values_list("tenancy_ref", flat=True)) == {
        f"PHG-{n}" for n in (0, 2, 3, 4, 5, 6, 7, 9)
    }
    assert History.objects.count() == 8


def test_errors_out_holds_the_rejected_rows_with_their_line_and_a_reason(write, run, tmp_path):
    rows = mixed_rows()
    text = csv_text(rows) + "PHG-X,Edna\n"
    errors = tmp_path / "rejected.csv"

    code, out, err = run(write(text), "--skip-invalid", "--errors-out", str(errors))

    with open(errors, newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert written[0] == [*COLUMNS, "line", "reason"]
    assert [row[0] for row in written[1:]] == ["PHG-1", "PHG-8", "PHG-X"]
    assert [row[-2] for row in written[1:]] == ["3", "10", "12"]
    assert written[1][:-2] == [rows[1][c] for c in COLUMNS]
    assert written[1][-1] == 'date_of_birth "31/02/1950" is not a date'
    assert written[2][-1] == (
        'phone "07700 900123" is not a valid UK phone number; '
        'postcode "nowhere" is not a UK postcode'
    )
    assert written[3] == [
        "PHG-X",
        "Edna",
        *[""] * 21,
        "12",
        "has 2 values where the header has 23 columns",
    ]


@pytest.mark.parametrize("carried", [["reason"], ["line", "reason"]])
def test_a_rejected_rows_file_rejected_again_keeps_one_line_and_reason(
    write, run, tmp_path, carried
):
    # A rejected-rows file, saved before it had a line column or after, uploaded again: its
    # rows rejected again get a new line and reason in place of the old ones, not beside them.
    row = tenant_row(tenancy_ref="PHG-1", date_of_birth="31/02/1950")
    header = ",".join([*COLUMNS, *carried])
    old = ",".join([*(row[c] for c in COLUMNS), *(["7"] if len(carried) == 2 else []), "old"])
    errors = tmp_path / "again.csv"

    run(write(f"{header}\n{old}\n"), "--errors-out", str(errors))

    with open(errors, newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert written[0] == [*COLUMNS, "line", "reason"]
    assert written[1][-2:] == ["2", 'date_of_birth "31/02/1950" is not a date']
    assert len(written[1]) == len(written[0])


def test_errors_out_is_written_when_nothing_is_imported_too(write, run, tmp_path):
    errors = tmp_path / "rejected.csv"

    run(write(csv_text(mixed_rows())), "--errors-out", str(errors))

    assert len(errors.read_text().splitlines()) == 3


def test_a_corrected_rejected_rows_file_imports_again(write, run, tmp_path):
    """Rejected rows are written spreadsheet-safe (a leading + quoted) and read back as given."""
    errors = tmp_path / "rejected.csv"
    bad = tenant_row(phone="+44 20 7946 0001", last_name="-Holt", date_of_birth="31/02/1950")
    run(write(csv_text([bad])), "--errors-out", str(errors))
    written = list(csv.reader(errors.open(encoding="utf-8")))
    assert (written[1][2], written[1][4]) == ("'-Holt", "'+44 20 7946 0001")

    fixed = errors.read_text(encoding="utf-8").replace("31/02/1950", "28/02/1950")
    code, out, err = run(write(fixed, name="fixed.csv"))

    assert code == 0, err
    tenant = Tenant.objects.get()
    assert (tenant.last_name, tenant.phone.as_e164) == ("-Holt", "+442079460001")


def test_progress_is_shown_when_asked(import_rows):
    code, out, err = import_rows([tenant_row()], "--progress")

    assert code == 0
    assert "rows/s" in err


def test_a_file_that_does_not_exist_is_an_error(run, tmp_path):
    code, out, err = run(tmp_path / "missing.csv")

    assert code != 0
    assert "no such file" in err


# Never a crash, never half an import -----------------------------------------------------------

GOOD = {
    "tenancy_ref": ["PHG-1", "PHG-2", "PHG-3", "PHG-4", "PHG-5", "PHG-6", "PHG-7", "12/AB"],
    "first_name": ["Edna", "Zoë"],
    "date_of_birth": ["1941-03-12", "12/03/1941"],
    "phone": ["01772 555 010", ""],
    "mobile": ["+44 7412 345678", ""],
    "postcode": ["pr12ab", "LA1 1AA"],
    "scheme_type": ["", "", "general", "supported_living"],
    "scheme_name": ["", "", "", "Mill House"],
    "lifeline": ["", "Y", "no"],
    "lives_alone": ["", "1"],
    "no_phone": ["", "Y"],
    "patch": ["", "PR-RIB"],
    "self_isolating_from": ["", "2026-11-18"],
    "self_isolating_until": ["", "", "01/12/2026", "01/11/2026"],
}
DEFAULT = tenant_row()
cell = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)


@st.composite
def tenant_files(draw):
    """Mostly sound files: shuffled, re-spelt headers; rows of good values with a few cells of
    anything; now and then a column missing, an extra one, or stray bytes at the end."""
    columns = list(draw(st.permutations(COLUMNS)))
    if draw(st.integers(0, 9)) == 0:
        columns.remove(draw(st.sampled_from(columns)))
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(["notes", " Extra ", "PATCH"])))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = {c: draw(st.sampled_from(GOOD.get(c, [DEFAULT.get(c, "")]))) for c in columns}
        for column in draw(st.lists(st.sampled_from(columns), max_size=2)):
            row[column] = draw(cell)
        rows.append(row)
    header = [draw(st.sampled_from([c, f" {c.upper()} "])) for c in columns]
    text = csv_text(rows, columns, header=header)
    data = text.replace("\n", draw(st.sampled_from(["\n", "\r\n"]))).encode()
    if draw(st.integers(0, 9)) == 0:
        data += draw(st.binary(max_size=20))
    return data


def assert_all_or_nothing(path, *, skip_invalid):
    before = set(Tenant.objects.values_list("tenancy_ref", flat=True))
    history = History.objects.count()
    report = TenantImport(skip_invalid=skip_invalid).run(path)
    event("refused" if report.refused else "written" if report.written else "rolled back")
    event(f"rows created: {min(report.counts['created'], 2)}")
    after = set(Tenant.objects.values_list("tenancy_ref", flat=True))
    valid = report.counts["rows"] - report.rejected
    counted = report.counts["created"] + report.counts["updated"] + report.counts["unchanged"]
    if report.refused or (report.rejected and not skip_invalid):
        assert not report.written
        assert after == before
        assert History.objects.count() == history
    else:
        assert report.written
        assert counted == valid
        assert len(after - before) == report.counts["created"]
        changed = report.counts["created"] + report.counts["updated"]
        assert History.objects.count() == history + changed


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=tenant_files(), skip_invalid=st.booleans())
def test_arbitrary_csv_never_crashes_or_half_imports(tmp_path, patch, data, skip_invalid):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    with transaction.atomic():
        TenantFactory(tenancy_ref="PHG-1", patch=patch)
        assert_all_or_nothing(path, skip_invalid=skip_invalid)
        transaction.set_rollback(True)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_or_rejected_never_a_crash(tmp_path, data):
    path = tmp_path / "bytes.csv"
    path.write_bytes(",".join(COLUMNS).encode() + b"\n" + data)
    with transaction.atomic():
        assert_all_or_nothing(path, skip_invalid=False)
        transaction.set_rollback(True)


# The frame, reused by another import ------------------------------------------------------------


class BalanceCheck(CsvImport):
    """A stand-in for another import file (rent balances): its own columns, the same frame."""

    columns = (Column("tenancy_ref", tenancy_ref, required=True), Column("as_at", a_date))
    key = "tenancy_ref"
    shown_counts = ("seen", "rejected")

    def save_batch(self, rows, *, write):
        self.report.counts["seen"] += len(rows)


def test_another_import_reuses_the_frame_with_its_own_columns(write, tmp_path):
    text = "\ufeff AS_AT ,Tenancy_Ref,extra\r\n2026-11-01,PHG-1,x\r\n\r\n31/02/2026,PHG-2,\r\n"
    text += "2026-11-01,PHG-1,\r\n"
    errors = tmp_path / "errors.csv"

    report = BalanceCheck(errors_out=errors).run(write(text))

    assert report.summary() == "seen 0, rejected 3"
    assert report.unknown_columns == ["extra"]
    assert report.rejections == [
        'line 2: tenancy_ref "PHG-1" is also on line 5',
        'line 4: as_at "31/02/2026" is not a date',
        'line 5: tenancy_ref "PHG-1" is already on line 2',
    ]
    assert not report.written
    assert errors.read_text().splitlines()[0] == " AS_AT ,Tenancy_Ref,extra,line,reason"


# Statistics after bulk writes -------------------------------------------------------------------


def reltuples():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'tenants_tenant'::regclass")
        return cursor.fetchone()[0]


def test_an_import_that_changes_over_a_tenth_of_the_tenants_analyses_them(import_rows):
    """The planner's row estimate follows at once, not when autovacuum gets round to it."""
    rows = [tenant_row(tenancy_ref=f"PHG-{n}") for n in range(40)]

    import_rows(rows)

    assert reltuples() == 40


def test_a_small_change_to_a_large_table_does_not_analyse(import_rows):
    import_rows([tenant_row(tenancy_ref=f"PHG-{n}") for n in range(40)])

    import_rows([tenant_row(tenancy_ref=f"PHG-{n}") for n in range(43)])  # 3 new: under 10%

    assert reltuples() == 40


def test_demo_generation_analyses_the_tenants_too():
    from django.core.management import call_command

    call_command(
        "seed_demo", tenants=40, seed=7, password="demo-password-123", stdout=io.StringIO()
    )

    assert reltuples() == 40
