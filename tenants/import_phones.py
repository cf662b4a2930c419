"""The tenant file's phone numbers checked for the SQL checks (`tenants.import_checks`): each
distinct cell once, by libphonenumber, over two processes when there are many.
"""

import csv
import re
import tempfile

import phonenumbers

from imports import halves
from imports.cells import _checked_phone, held_valid

_PHONES_PER_PROCESS = 20_000

# A UK number written as 0 or +44 and ten digits, spaces aside: most cells of a tenant file.
# ASCII digits only: libphonenumber reads other scripts' digits too, and writes them as ASCII.
_UK_TEN_DIGITS = re.compile(r"(?:0|\+44)([1-9][0-9]{9})")


def _valid_phones(values):
    """(cell, E.164) for each valid number among these cells, one at a time.

    A cell that is 0 or +44 and ten digits (spaces aside) is the number +44 and those digits,
    which is how libphonenumber parses it: only its check of the number is run, half the
    time of parsing and checking the cell (31 against 67 us; 250,000 cells of every shape
    and prefix gave the same answers both ways). Other cells are parsed in full."""
    for value in values:
        found = _UK_TEN_DIGITS.fullmatch(value.replace(" ", ""))
        if found is None:
            number = _checked_phone(value)
            if number is not None:
                yield value, number.e164
        elif held_valid(phonenumbers.PhoneNumber(country_code=44, national_number=int(found[1]))):
            yield value, f"+44{found[1]}"


def _write_valid_phones(values, file):
    """In a forked process: `_valid_phones` written to `file` as CSV."""
    csv.writer(file).writerows(_valid_phones(values))
    file.flush()  # the process leaves by os._exit, which flushes nothing


def checked_phones(values):
    """(cell, E.164) for each valid number among these cells, as they are checked, over two
    processes when they are many: a forked process (`imports.halves.Forked`, so a Celery
    worker's too) checks the second half and writes its pairs to a temporary file, read after
    this process's own half. libphonenumber takes about 50 us a number: a real register's
    million distinct numbers are most of a first import's time. No list of the pairs is held
    (at a million numbers they took 130 MB)."""
    if len(values) < 2 * _PHONES_PER_PROCESS:
        yield from _valid_phones(values)
        return
    middle = len(values) // 2
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as file:
        try:
            other = halves.Forked(_write_valid_phones, values[middle:], file)
        except OSError:  # no process to spare
            yield from _valid_phones(values)
            return
        try:
            yield from _valid_phones(values[:middle])
            other.wait()
        finally:
            other.stop()
        file.seek(0)
        yield from map(tuple, csv.reader(file))
