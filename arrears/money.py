"""Pounds and pence: read from text straight into Decimal (never through float), and shown."""

import re
from decimal import Decimal

PENNY = Decimal("0.01")
# Twelve digits in all, two of them pence: RentBalance.balance's DecimalField(12, 2).
LARGEST = Decimal("9999999999.99")

_AMOUNT = re.compile(
    r"""
    (?P<sign>[-\u2212])?        # minus before the pound sign: -£12.00 (or a typographic minus)
    £?
    (?P<sign_after>[-\u2212])?  # or after it: £-12.00
    (?P<pounds>\d{1,3}(?:,\d{3})+|\d+)?
    (?:\.(?P<pence>\d*))?
    """,
    re.VERBOSE | re.ASCII,
)


class NotAnAmount(ValueError):
    """The text is not pounds and pence; the message completes `"£1.234" ...`."""


def parse_pounds(text: str) -> Decimal:
    """`1234.56`, `£1,234.56`, `-12.00`, `-£12`, `1,234.5` as a Decimal with two places.

    Commas must group thousands (`1,23.4` is refused); more than two decimal places are
    refused rather than rounded, since a third digit means the value is not what it seems.
    """
    value = text.strip()
    match = _AMOUNT.fullmatch(value)
    if not value or not match or (match["sign"] and match["sign_after"]):
        raise NotAnAmount("is not an amount in pounds and pence")
    pounds, pence = match["pounds"], match["pence"]
    if pounds is None and not pence:
        raise NotAnAmount("is not an amount in pounds and pence")
    if pence is not None and len(pence) > 2:
        raise NotAnAmount("has more than 2 decimal places")
    if pence == "" and pounds is not None:  # "12." is a slip for 12
        pence = None
    amount = Decimal(f"{(pounds or '0').replace(',', '')}.{pence or '0'}").quantize(PENNY)
    if amount > LARGEST:
        raise NotAnAmount("is too large")
    return -amount if (match["sign"] or match["sign_after"]) and amount else amount


def format_pounds(amount: Decimal) -> str:
    """`£1,204.37`, `-£23.10`."""
    amount = Decimal(amount).quantize(PENNY)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


WEEK = Decimal("0.1")


def weeks_of_rent(balance: Decimal | None, weekly_rent: Decimal | None) -> Decimal | None:
    """What a balance owed comes to in weeks of rent, to a tenth (`5.2`); None when the weekly
    rent is not known (or nothing is owed)."""
    if balance is None or not weekly_rent or weekly_rent <= 0 or balance <= 0:
        return None
    return (Decimal(balance) / Decimal(weekly_rent)).quantize(WEEK)
