"""Money; The rent balance import.

Part of the arrears tests, split from test_arrears.py along its sections."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from arrears.importing import RentBalanceImport
from arrears.models import RentBalance
from arrears.money import NotAnAmount, format_pounds, parse_pounds
from tests.arrears.helpers import (
    HEADER,
    SAMPLE,
    balances,
    rejected,
)
from tests.factories import (
    RentBalanceFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("£1,234.56", "1234.56"),
        ("£1,204.37", "1204.37"),
        ("-12.00", "-12.00"),
        ("-23.10", "-23.10"),
        ("1,234.5", "1234.50"),
        ("0.00", "0.00"),
        ("0", "0.00"),
        ("12", "12.00"),
        ("12.", "12.00"),
        (".5", "0.50"),
        ("-£12", "-12.00"),
        ("£-12.00", "-12.00"),
        ("\u221212.00", "-12.00"),  # a typographic minus, as a spreadsheet may write it
        ("  £1,000,000.01 ", "1000000.01"),
        ("-0.00", "0.00"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_amounts_are_read_exactly_to_the_penny(text, expected):
    amount = parse_pounds(text)

    assert isinstance(amount, Decimal)
    assert str(amount) == expected  # two places, exactly: never through a float


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not an amount in pounds and pence"),
        ("abc", "is not an amount in pounds and pence"),
        ("£", "is not an amount in pounds and pence"),
        (".", "is not an amount in pounds and pence"),
        ("12.345", "has more than 2 decimal places"),
        ("£1,234.567", "has more than 2 decimal places"),
        ("0.005", "has more than 2 decimal places"),
        ("1,23.45", "is not an amount in pounds and pence"),
        ("12,34", "is not an amount in pounds and pence"),
        ("1 234", "is not an amount in pounds and pence"),
        ("1e3", "is not an amount in pounds and pence"),
        ("NaN", "is not an amount in pounds and pence"),
        ("Infinity", "is not an amount in pounds and pence"),
        ("--12", "is not an amount in pounds and pence"),
        ("-£-12", "is not an amount in pounds and pence"),
        ("$12.00", "is not an amount in pounds and pence"),
        ("12.00 GBP", "is not an amount in pounds and pence"),
        ("(12.00)", "is not an amount in pounds and pence"),
        ("١٢", "is not an amount in pounds and pence"),  # digits, but not ASCII ones
        ("10000000000.00", "is too large"),
    ],
)
def test_anything_else_is_refused(text, message):
    with pytest.raises(NotAnAmount, match=re.escape(message)):
        parse_pounds(text)


def test_amounts_are_shown_with_pound_sign_and_thousands():
    assert format_pounds(Decimal("1204.37")) == "£1,204.37"
    assert format_pounds(Decimal("-23.1")) == "-£23.10"
    assert format_pounds(Decimal("0")) == "£0.00"


@pytest.mark.usefixtures("travel")
class TestImport:
    def test_the_sample_file_imports_every_row_exactly(self, run, three_tenants):
        code, out, err = run(SAMPLE)

        assert code == 0, err
        assert "created 3, updated 0, unchanged 0, ignored 0, rejected 0" in out
        as_at = date(2026, 11, 16)
        assert balances() == {
            ("PHG-0900101", as_at): (Decimal("0.00"), Decimal("98.50")),
            ("PHG-0900102", as_at): (Decimal("1204.37"), Decimal("112.10")),
            ("PHG-0900103", as_at): (Decimal("-23.10"), Decimal("105.00")),
        }

    def test_a_byte_order_mark_crlf_and_header_case_are_read(self, write, run, tenant):
        text = "\ufeff Tenancy_Ref ,BALANCE,As_At,Notes\r\nPHG-0900101,£12.50,16/11/2026,x\r\n"

        code, out, err = run(write(text))

        assert code == 0, err
        assert "Ignored unknown columns: Notes" in out
        assert balances() == {("PHG-0900101", date(2026, 11, 16)): (Decimal("12.50"), None)}

    def test_blank_lines_are_skipped_and_lines_keep_their_numbers(self, write, run, tenant):
        text = HEADER + "PHG-0900101,1.00,2026-11-16,\n\n   \nPHG-0900101,oops,2026-11-09,\n"

        code, out, err = run(write(text))

        assert code == 1
        assert rejected(err) == [
            'line 5: balance "oops" is not an amount in pounds and pence',
        ]

    def test_a_file_in_another_encoding_is_refused(self, write, run, tenant):
        text = HEADER + "PHG-0900101,£12.50,2026-11-16,\n"

        code, out, err = run(write(text, encoding="cp1252"))

        assert code == 1
        assert "refused: the file must be UTF-8, and line 2 is not" in err
        assert not RentBalance.objects.exists()

    def test_a_missing_required_column_refuses_the_file(self, write, run, tenant):
        code, out, err = run(write("tenancy_ref,balance\nPHG-0900101,1.00\n"))

        assert code == 1
        assert "refused: line 1: the file has no as_at column" in err

    def test_every_broken_cell_is_reported_with_its_line(self, write, run, tenant):
        tomorrow = timezone.localdate() + timedelta(days=1)
        text = (
            HEADER
            + "PHG-0900101,12.345,2026-11-16,\n"
            + f"PHG-0900101,1.00,{tomorrow:%Y-%m-%d},\n"
            + "PHG-0900101,1.00,31/02/2026,\n"
            + "PHG-0900101,,2026-11-16,-5.00\n"
            + "NOPE-1,1.00,2026-11-16,\n"
            + "PHG 1,1.00,2026-11-16,\n"
        )

        code, out, err = run(write(text))

        assert code == 1
        assert rejected(err) == [
            'line 2: balance "12.345" has more than 2 decimal places',
            f'line 3: as_at "{tomorrow:%Y-%m-%d}" is in the future',
            'line 4: as_at "31/02/2026" is not a date',
            "line 5: balance is blank",
            'line 5: weekly_rent "-5.00" is negative',
            'line 6: tenancy_ref "NOPE-1" is not a tenancy the register holds',
            'line 7: tenancy_ref "PHG 1" is not 1-20 letters, digits, "-" or "/"',
        ]
        assert "Nothing imported: 6 rows rejected" in err

    def test_one_bad_row_imports_nothing(self, write, run, three_tenants):
        text = HEADER + "PHG-0900101,1.00,2026-11-16,\nNOPE-1,2.00,2026-11-16,\n"

        code, out, err = run(write(text))

        assert code == 1
        assert not RentBalance.objects.exists()

    def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(
        self, write, run, three_tenants, tmp_path
    ):
        text = HEADER + "PHG-0900101,1.00,2026-11-16,\nNOPE-1,2.00,2026-11-16,\n"
        errors = tmp_path / "rejected.csv"

        code, out, err = run(write(text), "--skip-invalid", "--errors-out", str(errors))

        assert code == 0, err
        assert "created 1, updated 0, unchanged 0, ignored 0, rejected 1" in out
        assert rejected(err) == ['line 3: tenancy_ref "NOPE-1" is not a tenancy the register holds']
        assert list(balances()) == [("PHG-0900101", date(2026, 11, 16))]
        assert errors.read_text().splitlines() == [
            "tenancy_ref,balance,as_at,weekly_rent,line,reason",
            "NOPE-1,2.00,2026-11-16,,3,"
            '"tenancy_ref ""NOPE-1"" is not a tenancy the register holds"',
        ]

    def test_errors_out_writes_the_rejected_rows_even_when_nothing_is_imported(
        self, write, run, tenant, tmp_path
    ):
        errors = tmp_path / "rejected.csv"
        text = HEADER + "PHG-0900101,£1.234,2026-11-16,\n"

        code, out, err = run(write(text), "--errors-out", str(errors))

        assert code == 1
        assert errors.read_text().splitlines()[1] == (
            'PHG-0900101,£1.234,2026-11-16,,2,"balance ""£1.234"" has more than 2 decimal places"'
        )

    def test_dry_run_checks_and_writes_nothing(self, run, three_tenants):
        code, out, err = run(SAMPLE, "--dry-run")

        assert code == 0, err
        assert "created 3" in out
        assert "Dry run: nothing written." in out
        assert not RentBalance.objects.exists()

    def test_an_older_balance_is_ignored_and_reported(self, write, run, tenant):
        RentBalanceFactory(tenant=tenant, as_at=date(2026, 11, 16), balance=Decimal("300.00"))
        text = HEADER + "PHG-0900101,999.99,2026-11-09,\n"

        code, out, err = run(write(text))

        assert code == 0, err
        assert "created 0, updated 0, unchanged 0, ignored 1, rejected 0" in out
        assert (
            'line 2: as_at "2026-11-09" is older than the balance held (as at 16/11/2026): '
            "ignored" in out
        )
        assert balances() == {
            ("PHG-0900101", date(2026, 11, 16)): (Decimal("300.00"), Decimal("98.50"))
        }

    def test_an_old_file_imported_again_changes_nothing(self, write, run, tenant):
        old = write(HEADER + "PHG-0900101,100.00,2026-11-09,98.50\n", name="old.csv")
        new = write(HEADER + "PHG-0900101,200.00,2026-11-16,98.50\n", name="new.csv")
        run(old)
        run(new)

        code, out, err = run(old)

        assert "ignored 1" in out
        latest = RentBalance.objects.filter(tenant=tenant).order_by("-as_at").first()
        assert latest.balance == Decimal("200.00")

    def test_each_tenancy_keeps_its_balance_history(self, write, run, tenant):
        run(write(HEADER + "PHG-0900101,100.00,2026-11-09,98.50\n"))
        run(write(HEADER + "PHG-0900101,150.00,2026-11-16,98.50\n"))

        assert list(
            RentBalance.objects.filter(tenant=tenant).order_by("as_at").values_list("balance")
        ) == [(Decimal("100.00"),), (Decimal("150.00"),)]

    def test_several_days_of_one_tenancy_in_a_file_are_all_kept(self, write, run, tenant):
        text = HEADER + "PHG-0900101,150.00,2026-11-16,\nPHG-0900101,100.00,2026-11-09,\n"

        code, out, err = run(write(text))

        assert code == 0, err
        assert "created 2" in out
        assert RentBalance.objects.filter(tenant=tenant).count() == 2

    def test_the_same_tenancy_and_day_twice_is_an_error_on_the_later_line(self, write, run, tenant):
        text = HEADER + "PHG-0900101,1.00,2026-11-16,\nPHG-0900101,2.00,16/11/2026,\n"

        code, out, err = run(write(text))

        assert rejected(err) == [
            'line 3: tenancy_ref "PHG-0900101" with as_at "16/11/2026" is already on line 2'
        ]

    def test_the_same_day_again_corrects_the_balance_or_changes_nothing(self, write, run, tenant):
        RentBalanceFactory(tenant=tenant, as_at=date(2026, 11, 16), balance=Decimal("300.00"))

        code, out, err = run(write("tenancy_ref,balance,as_at\nPHG-0900101,300.00,2026-11-16\n"))
        assert "created 0, updated 0, unchanged 1" in out

        code, out, err = run(write("tenancy_ref,balance,as_at\nPHG-0900101,310.00,2026-11-16\n"))
        assert "created 0, updated 1, unchanged 0" in out
        # A file without weekly_rent leaves the weekly rent held alone.
        assert balances() == {
            ("PHG-0900101", date(2026, 11, 16)): (Decimal("310.00"), Decimal("98.50"))
        }

    def test_queries_do_not_grow_with_rows(self, write, patch):
        def queries_for(count):
            RentBalance.objects.all().delete()
            tenants = TenantFactory.create_batch(count, patch=patch)
            rows = "".join(f"{t.tenancy_ref},{i}.50,2026-11-16,90\n" for i, t in enumerate(tenants))
            path = write(HEADER + rows)
            with CaptureQueriesContext(connection) as queries:
                report = RentBalanceImport().run(path)
            assert report.counts["created"] == count
            return len(queries)

        # savepoint, advisory lock, tenancies, latest balances, upsert, release
        assert queries_for(5) == queries_for(150) <= 8
