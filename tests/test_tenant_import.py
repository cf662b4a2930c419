"""The tenant import (tenants.md): the file's rules through `import_tenants`, the import's
behaviour (all-or-nothing, dry run, skip invalid, errors out, history), and the browser upload."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tenants.importing import Column, CsvImport, TenantImport, a_date, tenancy_ref
from tenants.models import PatchArea, Scheme, SupportProvider, Tenant
from tests.factories import SchemeFactory, SupportProviderFactory, TenantFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "tenants-sample.csv"
History = Tenant.history.model

COLUMNS = [
    "tenancy_ref",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "mobile",
    "email",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "scheme_type",
    "scheme_name",
    "support_provider",
    "lifeline",
    "self_isolating_from",
    "self_isolating_until",
    "interpreter_language",
    "communication_needs",
    "tenancy_end_date",
    "no_phone",
    "lives_alone",
    "patch",
]


def tenant_row(**cells):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        tenancy_ref="PHG-000101",
        first_name="Margaret",
        last_name="Holt",
        date_of_birth="1941-03-12",
        phone="01772 555 010",
        address_line_1="12 Ribble Court",
        town="Preston",
        postcode="PR1 2AB",
    )
    row.update(cells)
    return row


def csv_text(rows, columns=None, newline="\n", header=None):
    columns = columns or COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header or columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


@pytest.fixture
def write(tmp_path):
    def write(content, name="tenants.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def run():
    def run(path, *args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_tenants", str(path), *args, stdout=out, stderr=err)
            code = 0
        except CommandError as error:
            err.write(str(error))
            code = error.returncode
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def import_rows(write, run):
    """Import `rows` (dicts of cells) as a file and return the command's (code, out, err)."""

    def import_rows(rows, *args, columns=None):
        return run(write(csv_text(rows, columns)), *args)

    return import_rows


@pytest.fixture
def ribble(patch):
    PatchArea.objects.create(outward_code="PR1", patch=patch)
    return patch


def rejected_messages(err):
    return [line for line in err.splitlines() if line.startswith("line ")]


# The sample file and what it stores ------------------------------------------------------------


def test_sample_file_imports_every_row(run, patch, other_patch):
    code, out, err = run(SAMPLE)

    assert code == 0, err
    assert "created 3, updated 0, unchanged 0, rejected 0, unassigned 1" in out
    holt = Tenant.objects.get(tenancy_ref="PHG-000101")
    assert holt.phone.as_e164 == "+441772555010"
    assert holt.postcode == "PR1 2AB"
    assert holt.patch == patch
    assert holt.scheme.name == "Ribble Court"
    assert holt.scheme.type == Scheme.Type.INDEPENDENT_LIVING
    assert holt.lifeline is True
    assert holt.lives_alone is True
    assert holt.communication_needs == "hard of hearing"
    patel = Tenant.objects.get(tenancy_ref="PHG-000102")
    assert patel.mobile.as_e164 == "+447412345678"
    assert patel.phone == ""
    assert patel.scheme is None
    assert patel.patch is None  # PR25 is in no patch map: imported, unassigned
    assert patel.self_isolating_from == date(2026, 11, 18)
    assert patel.lives_alone is False
    nowak = Tenant.objects.get(tenancy_ref="PHG-000103")
    assert nowak.support_provider.name == "Harbour Support Services"
    assert nowak.scheme.support_provider == nowak.support_provider
    assert nowak.lives_alone is None  # blank: not known
    assert nowak.patch == other_patch


def test_created_tenants_have_a_history_row_naming_the_file(run, patch, other_patch):
    run(SAMPLE)

    history = History.objects.filter(tenancy_ref="PHG-000101").get()
    assert history.history_type == "+"
    assert history.history_change_reason == "import tenants-sample.csv"
    assert history.first_name == "Margaret"
    assert history.history_user is None
    assert History.objects.count() == 3


# Encoding, header, line endings, blank lines ---------------------------------------------------


def test_a_byte_order_mark_is_read_as_utf8(write, run):
    code, out, err = run(write(b"\xef\xbb\xbf" + csv_text([tenant_row()]).encode()))

    assert code == 0, err
    assert Tenant.objects.get().tenancy_ref == "PHG-000101"


def test_crlf_line_endings_are_read(write, run):
    code, out, err = run(write(csv_text([tenant_row(last_name="Holt")], newline="\r\n")))

    assert code == 0, err
    assert Tenant.objects.get().last_name == "Holt"


def test_header_names_match_in_any_order_ignoring_case_and_spaces(write, run):
    columns = list(reversed(COLUMNS))
    header = ",".join(
        f"  {name.upper()} " if i % 2 else name.title() for i, name in enumerate(columns)
    )
    body = csv_text([tenant_row(first_name="Edna")], columns).split("\n", 1)[1]

    code, out, err = run(write(f"{header}\n{body}"))

    assert code == 0, err
    assert Tenant.objects.get().first_name == "Edna"


def test_blank_lines_are_skipped_and_lines_are_counted_as_in_the_file(write, run):
    good = tenant_row()
    bad = tenant_row(tenancy_ref="PHG-2", date_of_birth="31/02/1950")
    text = csv_text([good]) + "\n  \n" + csv_text([bad]).split("\n", 1)[1]

    code, out, err = run(write(text), "--skip-invalid")

    assert rejected_messages(err) == ['line 5: date_of_birth "31/02/1950" is not a date']
    assert Tenant.objects.count() == 1


def test_a_value_over_two_lines_keeps_later_line_numbers_right(write, run):
    rows = [
        tenant_row(address_line_1="Flat 3\nFylde House"),
        tenant_row(tenancy_ref="PHG-2", postcode="nowhere"),
    ]

    code, out, err = run(write(csv_text(rows)))

    assert rejected_messages(err) == ['line 4: postcode "nowhere" is not a UK postcode']


def test_unknown_columns_are_ignored_and_named(write, run):
    columns = [*COLUMNS, "Housing Officer", "notes"]
    row = tenant_row(**{"Housing Officer": "Jo", "notes": "n"})

    code, out, err = run(write(csv_text([row], columns)))

    assert code == 0, err
    assert "Ignored unknown columns: Housing Officer, notes" in out
    assert Tenant.objects.count() == 1


def test_a_missing_required_column_refuses_the_file(write, run):
    columns = [c for c in COLUMNS if c not in ("date_of_birth", "postcode")]

    code, out, err = run(write(csv_text([tenant_row()], columns)))

    assert code != 0
    assert "refused: line 1: the file has no date_of_birth, postcode columns" in err
    assert not Tenant.objects.exists()


def test_a_file_with_no_phone_column_at_all_is_refused(write, run):
    columns = [c for c in COLUMNS if c not in ("phone", "mobile", "no_phone")]

    code, out, err = run(write(csv_text([tenant_row()], columns)))

    assert code != 0
    assert "no phone, mobile or no_phone column" in err


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "latin-1"])
def test_a_file_not_in_utf8_is_refused(write, run, encoding):
    text = csv_text([tenant_row(first_name="Zoë", town="Bézier")])

    code, out, err = run(write(text, encoding=encoding))

    assert code != 0
    assert "refused: the file must be UTF-8" in err
    assert not Tenant.objects.exists()


def test_a_bad_byte_late_in_the_file_refuses_it_all_even_when_skipping(write, run):
    rows = [tenant_row(tenancy_ref=f"PHG-{n}") for n in range(10)]
    content = csv_text(rows).encode() + "PHG-X,Zoë\n".encode("cp1252")

    code, out, err = run(write(content), "--skip-invalid")

    assert code != 0
    assert "the file must be UTF-8, and line 12 is not" in err
    assert not Tenant.objects.exists()


def test_an_empty_file_is_refused(write, run):
    code, out, err = run(write(""))

    assert code != 0
    assert "the file is empty" in err


def test_a_row_with_the_wrong_number_of_values_is_rejected(write, run):
    text = csv_text([tenant_row()]) + "PHG-2,Edna,Holt\n"

    code, out, err = run(write(text))

    assert rejected_messages(err) == ["line 3: has 3 values where the header has 23 columns"]


# Each column -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("PHG 1", 'tenancy_ref "PHG 1" is not 1-20 letters, digits, "-" or "/"'),
        ("A" * 21, f'tenancy_ref "{"A" * 21}" is not 1-20 letters, digits, "-" or "/"'),
        ("PHG_1", 'tenancy_ref "PHG_1" is not 1-20 letters, digits, "-" or "/"'),
        ("", "tenancy_ref is blank"),
    ],
)
def test_tenancy_ref_form(import_rows, ref, problem):
    code, out, err = import_rows([tenant_row(tenancy_ref=ref)])

    assert rejected_messages(err) == [f"line 2: {problem}"]


def test_tenancy_ref_may_hold_slashes_and_dashes(import_rows):
    code, out, err = import_rows([tenant_row(tenancy_ref="12/PHG-0001")])

    assert code == 0, err


@pytest.mark.parametrize("column", ["first_name", "last_name", "address_line_1"])
def test_required_text_may_not_be_blank(import_rows, column):
    code, out, err = import_rows([tenant_row(**{column: "  "})])

    assert rejected_messages(err) == [f"line 2: {column} is blank"]


def test_text_longer_than_its_field_is_rejected(import_rows):
    code, out, err = import_rows([tenant_row(first_name="A" * 101)])

    assert rejected_messages(err) == [
        f'line 2: first_name "{"A" * 59}…" is longer than 100 characters'
    ]


def test_cells_are_stripped_of_surrounding_spaces(import_rows):
    import_rows([tenant_row(first_name="  Margaret ", town=" Preston")])

    tenant = Tenant.objects.get()
    assert (tenant.first_name, tenant.town) == ("Margaret", "Preston")


@pytest.mark.parametrize("given", ["1941-03-12", "12/03/1941", "12/3/1941"])
def test_dates_in_either_form(import_rows, given):
    code, out, err = import_rows([tenant_row(date_of_birth=given)])

    assert code == 0, err
    assert Tenant.objects.get().date_of_birth == date(1941, 3, 12)


@pytest.mark.parametrize("given", ["31/02/1950", "1950-13-01", "12-03-1941", "March 1941", "1941"])
def test_a_date_that_is_not_one_is_rejected(import_rows, given):
    code, out, err = import_rows([tenant_row(date_of_birth=given)])

    assert rejected_messages(err) == [f'line 2: date_of_birth "{given}" is not a date']


def test_date_of_birth_may_not_be_in_the_future(import_rows):
    tomorrow = timezone.localdate() + timedelta(days=1)

    code, out, err = import_rows([tenant_row(date_of_birth=tomorrow.isoformat())])

    assert rejected_messages(err) == [
        f'line 2: date_of_birth "{tomorrow.isoformat()}" is in the future'
    ]


def test_date_of_birth_may_not_be_over_120_years_ago(import_rows):
    today = timezone.localdate()
    # Exactly 120 years ago is the earliest date allowed (28 February for a 29 February); the day
    # before it is refused. relativedelta keeps this true on the 29th-31st of any month.
    earliest = today - relativedelta(years=120)
    long_ago = (earliest - timedelta(days=1)).isoformat()
    just = earliest.isoformat()

    code, out, err = import_rows(
        [tenant_row(date_of_birth=long_ago), tenant_row(tenancy_ref="PHG-2", date_of_birth=just)]
    )

    assert rejected_messages(err) == [
        f'line 2: date_of_birth "{long_ago}" is more than 120 years ago'
    ]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("01772 555 010", "+441772555010"),
        ("(01772) 555010", "+441772555010"),
        ("+44 1772 555010", "+441772555010"),
        ("0044 1772 555010", "+441772555010"),
        ("+44 7412 345678", "+447412345678"),
        ("07412345678", "+447412345678"),
        ("020 7946 0123", "+442079460123"),
    ],
)
def test_uk_numbers_in_any_common_form_are_stored_as_e164(import_rows, given, stored):
    code, out, err = import_rows([tenant_row(phone="", mobile=given)])

    assert code == 0, err
    assert Tenant.objects.get().mobile.as_e164 == stored


@pytest.mark.parametrize("given", ["07700 900123", "12345", "+33 1 42 68 53 00", "call me"])
def test_a_number_that_is_not_a_valid_uk_number_is_rejected(import_rows, given):
    code, out, err = import_rows([tenant_row(phone=given)])

    assert rejected_messages(err) == [f'line 2: phone "{given}" is not a valid UK phone number']


def test_a_tenant_needs_a_phone_or_mobile_or_no_phone(import_rows):
    rows = [
        tenant_row(phone="", mobile=""),
        tenant_row(tenancy_ref="PHG-2", phone="", mobile="", no_phone="Y"),
    ]

    code, out, err = import_rows(rows, "--skip-invalid")

    assert rejected_messages(err) == [
        "line 2: phone and mobile are both blank: give one, or no_phone Y"
    ]
    assert Tenant.objects.get().no_phone is True


def test_email_must_be_an_address(import_rows):
    code, out, err = import_rows(
        [tenant_row(email="margaret@"), tenant_row(tenancy_ref="PHG-2", email="m@example.org")],
        "--skip-invalid",
    )

    assert rejected_messages(err) == ['line 2: email "margaret@" is not an email address']
    assert Tenant.objects.get().email == "m@example.org"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("pr12ab", "PR1 2AB"),
        (" pr1  2ab ", "PR1 2AB"),
        ("Pr12Ab", "PR1 2AB"),
        ("fy81aa", "FY8 1AA"),
        ("PR25 3XY", "PR25 3XY"),
        ("sw1a1aa", "SW1A 1AA"),
    ],
)
def test_postcodes_in_any_case_and_spacing_are_stored_normalised(import_rows, given, stored):
    code, out, err = import_rows([tenant_row(postcode=given)])

    assert code == 0, err
    assert Tenant.objects.get().postcode == stored


@pytest.mark.parametrize("given", ["PR1", "12345", "PR1 2ABC", "QQ1 1AA"])
def test_a_postcode_that_is_not_one_is_rejected(import_rows, given):
    code, out, err = import_rows([tenant_row(postcode=given)])

    assert rejected_messages(err) == [f'line 2: postcode "{given}" is not a UK postcode']


@pytest.mark.parametrize(
    ("given", "value"),
    [("Y", True), ("y", True), ("yes", True), ("TRUE", True), ("1", True)]
    + [("N", False), ("no", False), ("false", False), ("0", False), ("", False)],
)
def test_yes_no_columns_take_their_common_forms(import_rows, given, value):
    code, out, err = import_rows([tenant_row(lifeline=given, no_phone=given)])

    assert code == 0, err
    tenant = Tenant.objects.get()
    assert (tenant.lifeline, tenant.no_phone) == (value, value)


@pytest.mark.parametrize(("given", "value"), [("Y", True), ("no", False), ("", None)])
def test_lives_alone_blank_means_not_known(import_rows, given, value):
    import_rows([tenant_row(lives_alone=given)])

    assert Tenant.objects.get().lives_alone is value


def test_a_yes_no_column_rejects_anything_else(import_rows):
    code, out, err = import_rows([tenant_row(lifeline="maybe", lives_alone="sometimes")])

    assert rejected_messages(err) == [
        'line 2: lifeline "maybe" is not Y or N',
        'line 2: lives_alone "sometimes" is not Y or N',
    ]


def test_general_needs_has_no_scheme(import_rows):
    import_rows(
        [tenant_row(scheme_type="general"), tenant_row(tenancy_ref="PHG-2", scheme_type="")]
    )

    assert not Tenant.objects.filter(scheme__isnull=False).exists()
    assert not Scheme.objects.exists()


def test_a_scheme_is_created_once_and_then_found_by_name(import_rows):
    SchemeFactory(name="Fylde House", type=Scheme.Type.SUPPORTED_LIVING)
    rows = [
        tenant_row(scheme_type="independent_living", scheme_name="Ribble Court"),
        tenant_row(
            tenancy_ref="PHG-2", scheme_type="Independent_Living", scheme_name="ribble court"
        ),
        tenant_row(tenancy_ref="PHG-3", scheme_type="supported_living", scheme_name="Fylde House"),
    ]

    code, out, err = import_rows(rows)

    assert code == 0, err
    ribble = Scheme.objects.get(name="Ribble Court")
    assert ribble.type == Scheme.Type.INDEPENDENT_LIVING
    assert Scheme.objects.count() == 2
    assert Tenant.objects.filter(scheme=ribble).count() == 2
    assert Tenant.objects.get(tenancy_ref="PHG-3").scheme.name == "Fylde House"


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"scheme_type": "sheltered"}, 'scheme_type "sheltered" is not general, '),
        ({"scheme_type": "supported_living"}, "scheme_name is blank (scheme_type supported_living"),
        ({"scheme_name": "Ribble Court"}, 'scheme_name "Ribble Court" is given but scheme_type'),
        (
            {"scheme_type": "supported_living", "scheme_name": "Fylde House"},
            'scheme_name "Fylde House" is an independent_living scheme, not supported_living',
        ),
    ],
)
def test_scheme_refusals(import_rows, cells, problem):
    SchemeFactory(name="Fylde House", type=Scheme.Type.INDEPENDENT_LIVING)

    code, out, err = import_rows([tenant_row(**cells)])

    [message] = rejected_messages(err)
    assert message.startswith(f"line 2: {problem}")


def test_a_new_scheme_takes_the_type_its_first_row_gives(import_rows):
    rows = [
        tenant_row(scheme_type="supported_living", scheme_name="Mill House"),
        tenant_row(tenancy_ref="PHG-2", scheme_type="independent_living", scheme_name="Mill House"),
    ]

    code, out, err = import_rows(rows, "--skip-invalid")

    assert rejected_messages(err) == [
        'line 3: scheme_name "Mill House" is a supported_living scheme, not independent_living'
    ]
    assert Scheme.objects.get().type == Scheme.Type.SUPPORTED_LIVING


def test_support_provider_is_found_by_name_or_created(import_rows):
    harbour = SupportProviderFactory(name="Harbour Support Services")
    rows = [
        tenant_row(support_provider="harbour support services"),
        tenant_row(tenancy_ref="PHG-2", support_provider="Ribble Care"),
        tenant_row(tenancy_ref="PHG-3", support_provider="Ribble Care"),
    ]

    code, out, err = import_rows(rows)

    assert code == 0, err
    assert Tenant.objects.get(tenancy_ref="PHG-000101").support_provider == harbour
    assert SupportProvider.objects.filter(name="Ribble Care").count() == 1
    assert Tenant.objects.filter(support_provider__name="Ribble Care").count() == 2


def test_self_isolation_may_not_end_before_it_starts(import_rows):
    rows = [
        tenant_row(self_isolating_from="18/11/2026", self_isolating_until="01/11/2026"),
        tenant_row(
            tenancy_ref="PHG-2", self_isolating_from="2026-11-18", self_isolating_until="2026-12-01"
        ),
    ]

    code, out, err = import_rows(rows, "--skip-invalid")

    assert rejected_messages(err) == [
        'line 2: self_isolating_until "01/11/2026" is before self_isolating_from "18/11/2026"'
    ]
    assert Tenant.objects.get().self_isolating_until == date(2026, 12, 1)


def test_tenancy_end_date_may_be_any_date(import_rows):
    code, out, err = import_rows(
        [
            tenant_row(tenancy_end_date="01/04/2020"),
            tenant_row(tenancy_ref="PHG-2", tenancy_end_date="2031-04-01"),
        ]
    )

    assert code == 0, err
    assert Tenant.objects.current().count() == 1


def test_interpreter_and_communication_needs_are_stored(import_rows):
    import_rows([tenant_row(interpreter_language="Polish", communication_needs="easy read")])

    tenant = Tenant.objects.get()
    assert (tenant.interpreter_language, tenant.communication_needs) == ("Polish", "easy read")


# Patches ---------------------------------------------------------------------------------------


def test_a_known_patch_code_places_the_tenant(import_rows, patch, other_patch):
    code, out, err = import_rows([tenant_row(patch="fy-lyt")])

    assert code == 0, err
    assert Tenant.objects.get().patch == other_patch


def test_an_unknown_patch_code_rejects_the_row(import_rows, patch):
    code, out, err = import_rows([tenant_row(patch="XX-NOPE")])

    assert code != 0
    assert rejected_messages(err) == [
        'line 2: patch "XX-NOPE" is not a patch code the register holds'
    ]
    assert not Tenant.objects.exists()


def test_a_blank_patch_is_found_from_the_postcode_outward_code(import_rows, ribble):
    code, out, err = import_rows([tenant_row(postcode="pr1 2ab", patch="")])

    assert code == 0, err
    assert Tenant.objects.get().patch == ribble


def test_a_tenant_matched_by_neither_is_imported_unassigned(import_rows, ribble):
    code, out, err = import_rows([tenant_row(postcode="LA1 1AA", patch="")])

    assert code == 0, err
    assert "unassigned 1" in out
    assert Tenant.objects.unassigned().get().tenancy_ref == "PHG-000101"


def test_an_unmatched_update_keeps_the_patch_a_manager_gave(import_rows, patch):
    TenantFactory(tenancy_ref="PHG-000101", postcode="LA1 1AA", patch=patch)

    code, out, err = import_rows([tenant_row(postcode="LA1 1AA", patch="", first_name="Edna")])

    assert code == 0, err
    assert "unassigned 0" in out
    assert Tenant.objects.get().patch == patch


# Keys, updates and re-imports ------------------------------------------------------------------


def test_the_same_ref_twice_is_an_error_on_the_later_line(import_rows):
    rows = [tenant_row(), tenant_row(first_name="Edna"), tenant_row(tenancy_ref="PHG-2")]

    code, out, err = import_rows(rows, "--skip-invalid")

    assert rejected_messages(err) == ['line 3: tenancy_ref "PHG-000101" is already on line 2']
    assert Tenant.objects.get(tenancy_ref="PHG-000101").first_name == "Margaret"
    assert Tenant.objects.count() == 2


def test_an_existing_ref_updates_the_tenant_and_records_history(import_rows, patch):
    tenant = TenantFactory(tenancy_ref="PHG-000101", first_name="Maggie", patch=patch)
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
    TenantFactory(tenancy_ref="PHG-000101", email="held@example.org", patch=patch)
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


def test_errors_out_holds_the_rejected_rows_with_a_reason(write, run, tmp_path):
    rows = mixed_rows()
    text = csv_text(rows) + "PHG-X,Edna\n"
    errors = tmp_path / "rejected.csv"

    code, out, err = run(write(text), "--skip-invalid", "--errors-out", str(errors))

    with open(errors, newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert written[0] == [*COLUMNS, "reason"]
    assert [row[0] for row in written[1:]] == ["PHG-1", "PHG-8", "PHG-X"]
    assert written[1][:-1] == [rows[1][c] for c in COLUMNS]
    assert written[1][-1] == 'date_of_birth "31/02/1950" is not a date'
    assert written[2][-1] == (
        'phone "07700 900123" is not a valid UK phone number; '
        'postcode "nowhere" is not a UK postcode'
    )
    assert written[3] == [
        "PHG-X",
        "Edna",
        *[""] * 21,
        "has 2 values where the header has 23 columns",
    ]


def test_errors_out_is_written_when_nothing_is_imported_too(write, run, tmp_path):
    errors = tmp_path / "rejected.csv"

    run(write(csv_text(mixed_rows())), "--errors-out", str(errors))

    assert len(errors.read_text().splitlines()) == 3


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


# The upload pages ------------------------------------------------------------------------------

PAGES = ["/tenants/import/", "/tenants/import/unassigned/"]
ALL_PAGES = [
    *PAGES,
    "/tenants/import/check/",
    "/tenants/import/result/",
    "/tenants/import/rejected-rows/",
]


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.TENANT_IMPORT_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def upload(client, content, name="tenants.csv"):
    data = content if isinstance(content, bytes) else content.encode()
    return client.post("/tenants/import/", {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize("url", ALL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/sign-in/")


@pytest.mark.parametrize("url", [*ALL_PAGES, "/tenants/import/cancel/"])
def test_officers_may_not_import(officer_client, url):
    assert officer_client.get(url).status_code == 403
    assert officer_client.post(url).status_code == 403


def test_income_officers_may_not_import(income_client):
    assert income_client.get("/tenants/import/").status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_managers_open_the_import_pages(manager_client, url):
    assert manager_client.get(url).status_code == 200


def test_officer_cannot_upload_a_file(officer_client):
    response = upload(officer_client, csv_text([tenant_row()]))

    assert response.status_code == 403
    assert not Tenant.objects.exists()


def test_manager_uploads_checks_and_confirms(manager_client, manager, patch, other_patch):
    response = upload(manager_client, SAMPLE.read_bytes(), name="tenants-sample.csv")

    assert response.status_code == 302
    assert response.url == "/tenants/import/check/"
    check = manager_client.get("/tenants/import/check/")
    assert check.status_code == 200
    assert check.context["report"].counts["created"] == 3
    assert "Confirm import" in check.content.decode()
    assert not Tenant.objects.exists()

    response = manager_client.post("/tenants/import/check/")

    assert response.url == "/tenants/import/result/"
    assert Tenant.objects.count() == 3
    result = manager_client.get("/tenants/import/result/")
    assert result.context["report"].written
    assert "Tenants imported" in result.content.decode()
    history = History.objects.get(tenancy_ref="PHG-000101")
    assert history.history_user == manager
    assert history.history_change_reason == "import tenants-sample.csv"


def test_confirming_twice_imports_once(manager_client, patch, other_patch):
    upload(manager_client, SAMPLE.read_bytes())
    manager_client.post("/tenants/import/check/")

    response = manager_client.post("/tenants/import/check/")

    assert response.url == "/tenants/import/result/"
    assert History.objects.count() == 3


def test_the_check_lists_every_rejection_and_unknown_column(manager_client):
    columns = [*COLUMNS, "notes"]
    rows = mixed_rows()

    upload(manager_client, csv_text(rows, columns))
    page = manager_client.get("/tenants/import/check/").content.decode()

    assert "line 3: date_of_birth &quot;31/02/1950&quot; is not a date" in page
    assert "line 10: postcode &quot;nowhere&quot; is not a UK postcode" in page
    assert "notes" in page
    assert "Confirm import of 8 valid rows" in page
    rejected = manager_client.get("/tenants/import/rejected-rows/")
    assert rejected["Content-Disposition"] == 'attachment; filename="tenants-rejected.csv"'
    assert b"".join(rejected.streaming_content).decode().count("\n") == 3


def test_confirming_with_rejections_imports_the_valid_rows(manager_client):
    upload(manager_client, csv_text(mixed_rows()))

    manager_client.post("/tenants/import/check/", {"skip_invalid": "yes"})

    assert Tenant.objects.count() == 8
    result = manager_client.get("/tenants/import/result/")
    assert result.context["report"].rejected == 2


def test_confirming_without_skipping_stays_all_or_nothing(manager_client):
    upload(manager_client, csv_text(mixed_rows()))

    manager_client.post("/tenants/import/check/")

    assert not Tenant.objects.exists()
    assert "Nothing imported" in manager_client.get("/tenants/import/result/").content.decode()


def test_a_refused_file_is_an_error_on_the_upload_page(manager_client, import_dir):
    response = upload(manager_client, csv_text([tenant_row(first_name="Zoë")]).encode("cp1252"))

    assert response.status_code == 200
    assert "The file was refused: the file must be UTF-8" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not any(import_dir.rglob("*.csv"))


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("tenants.xlsx", b"x", "The selected file must be a CSV"),
        ("tenants.csv", b"", "The selected file is empty"),
    ],
)
def test_the_upload_must_be_a_csv_with_something_in_it(manager_client, name, content, error):
    response = upload(manager_client, content, name=name)

    assert error in response.content.decode()


def test_no_file_chosen(manager_client):
    response = manager_client.post("/tenants/import/", {})

    assert "Select a CSV file" in response.content.decode()


def test_cancel_discards_the_upload(manager_client, import_dir):
    upload(manager_client, csv_text([tenant_row()]))

    manager_client.post("/tenants/import/cancel/")

    assert not any(import_dir.rglob("*.csv"))
    assert manager_client.get("/tenants/import/check/").url == "/tenants/import/"


@pytest.fixture
def second_manager_client(db):
    from django.test import Client

    from conftest import sign_in
    from tests.factories import ManagerFactory

    return sign_in(Client(), ManagerFactory(username="mo"))


def test_another_managers_session_cannot_confirm_my_upload(manager_client, second_manager_client):
    upload(manager_client, csv_text([tenant_row()]))
    token = manager_client.session["tenant_import"]["token"]
    other = second_manager_client
    session = other.session
    session["tenant_import"] = {"token": token, "name": "tenants.csv"}
    session.save()

    response = other.post("/tenants/import/check/")

    assert response.url == "/tenants/import/"
    assert not Tenant.objects.exists()


def test_a_forged_token_is_ignored(manager_client):
    session = manager_client.session
    session["tenant_import"] = {"token": "../../../etc", "name": "x.csv"}
    session.save()

    assert manager_client.get("/tenants/import/check/").url == "/tenants/import/"
    assert manager_client.get("/tenants/import/rejected-rows/").status_code == 404


def test_unassigned_tenants_are_listed_for_managers_with_a_count(manager_client, patch):
    TenantFactory.create_batch(3, patch=None, last_name="Unplaced")
    TenantFactory(patch=patch, last_name="Placed")

    response = manager_client.get("/tenants/import/unassigned/")

    page = response.content.decode()
    assert "3 tenants with no patch" in page
    assert page.count("Unplaced") == 3
    assert "Placed<" not in page


def test_unassigned_list_queries_do_not_grow_with_rows(
    manager_client, django_assert_max_num_queries
):
    TenantFactory.create_batch(30, patch=None)
    # session, user, OTP device, count, page of tenants, the access-log insert (+ session save)
    with django_assert_max_num_queries(9):
        response = manager_client.get("/tenants/import/unassigned/")
    assert len(response.context["page"]) == 30


def test_unassigned_list_pages_past_fifty(manager_client):
    TenantFactory.create_batch(51, patch=None)

    first = manager_client.get("/tenants/import/unassigned/")
    second = manager_client.get("/tenants/import/unassigned/?page=2")

    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 1


def test_stale_uploads_are_cleared_on_the_next_upload(manager_client, import_dir):
    upload(manager_client, csv_text([tenant_row()]))
    first = next(import_dir.rglob("upload.csv")).parent

    upload(manager_client, csv_text([tenant_row(tenancy_ref="PHG-2")]))

    assert not first.exists()


def test_ended_tenancies_are_not_listed_as_unassigned(manager_client):
    TenantFactory(patch=None, last_name="Current")
    TenantFactory(patch=None, last_name="Gone", tenancy_end_date=date(2020, 4, 1))

    page = manager_client.get("/tenants/import/unassigned/").content.decode()

    assert "1 tenant with no patch" in page
    assert "Gone" not in page


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

    assert report.summary() == "seen 1, rejected 2"
    assert report.unknown_columns == ["extra"]
    assert report.rejections == [
        'line 4: as_at "31/02/2026" is not a date',
        'line 5: tenancy_ref "PHG-1" is already on line 2',
    ]
    assert not report.written
    assert errors.read_text().splitlines()[0] == " AS_AT ,Tenancy_Ref,extra,reason"
