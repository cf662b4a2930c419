"""The tenant file's rules (tenants.md) through `import_tenants`: what the sample stores, encoding
and header, each column, patches. Runs (keys, all-or-nothing, dry run, errors out) are in
test_tenant_import_runs.py; the browser flow in test_imports_browser.py."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from tenants.models import Scheme, SupportProvider, Tenant
from tests.factories import SchemeFactory, SupportProviderFactory, TenantFactory
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

# The sample file and what it stores ------------------------------------------------------------


def test_sample_file_imports_every_row(run, patch, other_patch):
    code, out, err = run(SAMPLE)

    assert code == 0, err
    assert "created 3, updated 0, unchanged 0, rejected 0, unassigned 1" in out
    holt = Tenant.objects.get(tenancy_ref="PHG-0900101")
    assert holt.phone.as_e164 == "+441772555010"
    assert holt.postcode == "PR1 2AB"
    assert holt.patch == patch
    assert holt.scheme.name == "Ribble Court"
    assert holt.scheme.type == Scheme.Type.INDEPENDENT_LIVING
    assert holt.lifeline is True
    assert holt.lives_alone is True
    assert holt.communication_needs == "hard of hearing"
    patel = Tenant.objects.get(tenancy_ref="PHG-0900102")
    assert patel.mobile.as_e164 == "+447412345678"
    assert patel.phone == ""
    assert patel.scheme is None
    assert patel.patch is None  # PR25 is in no patch map: imported, unassigned
    assert patel.self_isolating_from == date(2026, 11, 18)
    assert patel.lives_alone is False
    nowak = Tenant.objects.get(tenancy_ref="PHG-0900103")
    assert nowak.support_provider.name == "Harbour Support Services"
    assert nowak.scheme.support_provider == nowak.support_provider
    assert nowak.lives_alone is None  # blank: not known
    assert nowak.patch == other_patch


def test_created_tenants_have_a_history_row_naming_the_file(run, patch, other_patch):
    run(SAMPLE)

    history = History.objects.filter(tenancy_ref="PHG-0900101").get()
    assert history.history_type == "+"
    assert history.history_change_reason == "import tenants-sample.csv"
    assert history.first_name == "Margaret"
    assert history.history_user is None
    assert History.objects.count() == 3


# Encoding, header, line endings, blank lines ---------------------------------------------------


def test_a_byte_order_mark_is_read_as_utf8(write, run):
    code, out, err = run(write(b"\xef\xbb\xbf" + csv_text([tenant_row()]).encode()))

    assert code == 0, err
    assert Tenant.objects.get().tenancy_ref == "PHG-0900101"


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
    assert Tenant.objects.get(tenancy_ref="PHG-0900101").support_provider == harbour
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
    assert Tenant.objects.unassigned().get().tenancy_ref == "PHG-0900101"


def test_an_unmatched_update_keeps_the_patch_a_manager_gave(import_rows, patch):
    TenantFactory(tenancy_ref="PHG-0900101", postcode="LA1 1AA", patch=patch)

    code, out, err = import_rows([tenant_row(postcode="LA1 1AA", patch="", first_name="Edna")])

    assert code == 0, err
    assert "unassigned 0" in out
    assert Tenant.objects.get().patch == patch
