"""The rent balance import's rules in SQL (arrears/import_checks.py) pass and read exactly what
the Python cleaning does: what SQL refuses is cleaned in Python, with the same messages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arrears.money import NotAnAmount, parse_pounds
from tests.arrears.helpers import HEADER, balances, rejected
from tests.factories import RentBalanceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("travel")]

AMOUNTS = [
    "1234.56", "£1,234.56", "-12.00", "1,234.5", "0", "12.", ".5", "-£12", "£-12.00",
    "\u221212.00", "£1,000,000.01", "-0.00", "9999999999.99", "0012.30",
    "abc", "£", ".", "12.345", "£1,234.567", "1,23.45", "12,34", "1,234,56", ",123", "1e3",
    "NaN", "--12", "-£-12", "££12", "£12£", "12-", "1.2.3", "١٢", "10000000000.00",
]  # fmt: skip


def _csv(cell):
    return f'"{cell}"' if "," in cell else cell


def test_every_amount_is_read_as_parse_pounds_reads_it(write, run, tenant):
    first = date(2026, 6, 1)
    days = [first + timedelta(days=index) for index in range(len(AMOUNTS))]
    rows = "".join(
        f"PHG-0900101,{_csv(cell)},{day:%Y-%m-%d},\n"
        for cell, day in zip(AMOUNTS, days, strict=True)
    )
    expected_messages, expected = [], {}
    for line, (cell, day) in enumerate(zip(AMOUNTS, days, strict=True), start=2):
        try:
            expected[("PHG-0900101", day)] = (parse_pounds(cell), None)
        except NotAnAmount as error:
            expected_messages.append(f'line {line}: balance "{cell}" {error}')

    code, out, err = run(write(HEADER + rows), "--skip-invalid")

    assert code == 0, err
    assert rejected(err) == expected_messages
    assert balances() == expected


def test_weekly_rent_limits_and_dates_are_those_of_the_python_rules(write, run, tenant):
    text = HEADER + (
        "PHG-0900101,1.00,2026-11-01,-0.00\n"
        "PHG-0900101,1.00,2026-11-02,999999.99\n"
        "PHG-0900101,1.00,2026-11-03,1000000\n"
        "PHG-0900101,1.00,2026-11-04,-0.01\n"
        "PHG-0900101,1.00,29/02/2024,\n"
        "PHG-0900101,1.00,29/02/2026,\n"
        "PHG-0900101,1.00,1/3/2026,\n"
        "PHG-0900101,1.00,2026-3-05,\n"
        "PHG-0900101,1.00,0000-01-01,\n"
        "PHG-0900101,1.00,2026-11-23,\n"
        "PHG-0900101,1.00,2026-11-24,\n"
        "PHG-0900101-ABCDEFGHIJ,1.00,2026-11-05,\n"
    )

    code, out, err = run(write(text), "--skip-invalid")

    assert rejected(err) == [
        'line 4: weekly_rent "1000000" is too large',
        'line 5: weekly_rent "-0.01" is negative',
        'line 7: as_at "29/02/2026" is not a date',
        'line 9: as_at "2026-3-05" is not a date',
        'line 10: as_at "0000-01-01" is not a date',
        'line 12: as_at "2026-11-24" is in the future',
        'line 13: tenancy_ref "PHG-0900101-ABCDEFGHIJ" is not 1-20 letters, digits, "-" or "/"',
    ]
    assert balances() == {
        ("PHG-0900101", date(2026, 11, 1)): (Decimal("1.00"), Decimal("0.00")),
        ("PHG-0900101", date(2026, 11, 2)): (Decimal("1.00"), Decimal("999999.99")),
        ("PHG-0900101", date(2024, 2, 29)): (Decimal("1.00"), None),
        ("PHG-0900101", date(2026, 3, 1)): (Decimal("1.00"), None),
        ("PHG-0900101", date(2026, 11, 23)): (Decimal("1.00"), None),
    }


def test_a_row_read_in_python_still_finds_the_same_tenancy_and_day_later(write, run, tenant):
    # Line 2 is quoted as a rejected-rows file quotes a cell (read in Python); line 3 is not.
    text = HEADER + "PHG-0900101,'-1.00,2026-11-16,\nPHG-0900101,2.00,16/11/2026,\n"

    code, out, err = run(write(text))

    assert rejected(err) == [
        'line 3: tenancy_ref "PHG-0900101" with as_at "16/11/2026" is already on line 2'
    ]


def test_notices_of_rows_ignored_come_in_line_order(write, run, tenant):
    RentBalanceFactory(tenant=tenant, as_at=date(2026, 11, 16), balance=Decimal("300.00"))
    # Lines 2 and 4 are checked in SQL, line 3 (quoted) in Python.
    text = HEADER + (
        "PHG-0900101,1.00,2026-11-02,\nPHG-0900101,'-1.00,2026-11-03,\nPHG-0900101,1.00,2026-11-04,\n"
    )

    code, out, err = run(write(text))

    assert code == 0, err
    assert "created 0, updated 0, unchanged 0, ignored 3, rejected 0" in out
    notices = [line for line in out.splitlines() if line.startswith("line ")]
    assert notices == [
        f'line {line}: as_at "2026-11-0{line}" is older than the balance held '
        "(as at 16/11/2026): ignored"
        for line in (2, 3, 4)
    ]
