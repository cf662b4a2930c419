"""The cells of import files: each cleaner takes a stripped, non-blank cell and returns its value
or raises `Invalid`, whose message completes `column "value" ...`."""

import re
from contextvars import ContextVar
from datetime import date
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from localflavor.gb.forms import GBPostcodeField
from phonenumber_field.phonenumber import PhoneNumber

from config.dates import years_before


class Invalid(ValueError):
    """A cell breaks its column's form; the message completes `column "value" ...`."""


# The day a run started, set by the frame for the run: working it out per cell cost a tenth of
# an import's time. Outside a run (a cleaner called alone) it is worked out each time.
run_day: ContextVar[date | None] = ContextVar("run_day", default=None)


def run_today():
    return run_day.get() or timezone.localdate()


_REF = re.compile(r"[A-Za-z0-9/-]{1,20}", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_YES = frozenset({"y", "yes", "true", "1"})
_NO = frozenset({"n", "no", "false", "0"})


def text(max_length=None):
    def clean(value):
        # PostgreSQL refuses NUL in text: reject the row rather than fail the whole run.
        if "\x00" in value:
            raise Invalid("contains a NUL character")
        if max_length and len(value) > max_length:
            raise Invalid(f"is longer than {max_length} characters")
        return value

    return clean


def a_date(value):
    """`YYYY-MM-DD` or `DD/MM/YYYY`, and a real day."""
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _UK_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise Invalid("is not a date")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Invalid("is not a date") from None


def a_past_date(max_years):
    def clean(value):
        day = a_date(value)
        today = run_today()
        if day > today:
            raise Invalid("is in the future")
        earliest = years_before(today, max_years)
        if day < earliest:
            raise Invalid(f"is more than {max_years} years ago")
        return day

    return clean


def yes_no(value):
    value = value.lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise Invalid("is not Y or N")


def one_of(*choices):
    def clean(value):
        if value.lower() not in choices:
            raise Invalid(f"is not {', '.join(choices[:-1])} or {choices[-1]}")
        return value.lower()

    return clean


def tenancy_ref(value):
    if not _REF.fullmatch(value):
        raise Invalid('is not 1-20 letters, digits, "-" or "/"')
    return value


class CheckedPhoneNumber(PhoneNumber):
    """A number found valid once, on reading the file, and its E.164 form worked out then.

    Saving asks a PhoneNumber whether it is valid and formats it two or three times over: at
    a million rows, libphonenumber's checks were a third of an import's time.
    """

    e164 = ""

    def is_valid(self):
        return True

    def format_as(self, format):
        if format == phonenumbers.PhoneNumberFormat.E164:
            return self.e164
        return super().format_as(format)


def held_valid(number):
    """`phonenumbers.is_valid_number`, in half the time for most UK numbers. For +44 it tries
    the regions that share it in turn, Great Britain first, takes the first whose ranges hold
    the number and checks the number again there: so a number Great Britain's ranges hold is
    valid, and checking them alone first gives the same answer (11 against 22 us a number).
    Any other number (Guernsey's, Jersey's, the Isle of Man's, or none) gets the full check."""
    if phonenumbers.is_valid_number_for_region(number, "GB"):
        return True
    return phonenumbers.is_valid_number(number)


@lru_cache(maxsize=20_000)
def _checked_phone(value):
    """The number a cell holds, or None: a file repeats numbers (a scheme's warden line, a
    family's landline), and libphonenumber's parse and check was most of a row's time."""
    try:
        number = CheckedPhoneNumber.from_string(value, region="GB")
    except phonenumbers.NumberParseException:
        return None
    # A valid number is one libphonenumber holds in use: Ofcom's drama ranges are not.
    if number.country_code != 44 or not held_valid(number):
        return None
    number.e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return number


def uk_phone(value):
    number = _checked_phone(value)
    if number is None:
        raise Invalid("is not a valid UK phone number")
    return number


def email(value):
    if len(value) > 254:
        raise Invalid("is longer than 254 characters")
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid("is not an email address") from None
    return value


def uk_postcode(value):
    """Any case and spacing, stored as `PR1 2AB` (django-localflavor's GBPostcodeField rule)."""
    compact = "".join(value.split()).upper()
    postcode = f"{compact[:-3]} {compact[-3:]}"
    if not GBPostcodeField.postcode_regex.fullmatch(postcode):
        raise Invalid("is not a UK postcode")
    return postcode
