"""Helpers shared by the arrears tests (split from test_arrears.py along its sections)."""

import re
from pathlib import Path

from arrears.models import RentBalance

SAMPLE = Path(__file__).parent.parent.parent / "arrears" / "formats" / "rent-balances-sample.csv"


# The sample file's balances are as at 16 November 2026: its import runs a week later.
SAMPLE_WEEK = "2026-11-23 09:00 +00:00"
POUND_AMOUNT = re.compile(r"£\s*-?\d")


def date_fields(name, day):
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def text_of(response):
    return response.content.decode()


def rejected(err):
    """The messages in line order (rows refused by the database checks are reported when their
    batch is checked, after the cells of the rows read since)."""
    lines = [line for line in err.splitlines() if line.startswith("line ")]
    return sorted(lines, key=lambda line: int(line.split(":")[0].split()[1]))


def balances():
    return {
        (b.tenant.tenancy_ref, b.as_at): (b.balance, b.weekly_rent)
        for b in RentBalance.objects.select_related("tenant")
    }


HEADER = "tenancy_ref,balance,as_at,weekly_rent\n"


def arrears_urls(flag, offer):
    return [
        "/arrears/",
        f"/arrears/raise/?tenant={flag.tenant_id}",
        f"/arrears/{flag.pk}/",
        f"/arrears/{flag.pk}/review/",
        f"/arrears/{flag.pk}/support/add/",
        f"/arrears/{flag.pk}/support/{offer.pk}/",
        f"/arrears/{flag.pk}/close/",
    ]
