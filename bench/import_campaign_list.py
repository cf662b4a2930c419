"""How fast `CampaignListImport` reads a campaign list of N rows (default 200,000).

    .venv/bin/python bench/import_campaign_list.py [N] [--before FILE]

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/welfare_camp_bench,
created and migrated if missing). A register of N tenancies `CL-0000001`... is generated in SQL
(kept between runs): 20 first and 20 last names, one tenant in 500 with a name that is not
ASCII ("Ó Súilleabháin", "Straße"), and no two born on the same day at the same postcode (36,000
postcodes). The list names each tenant once, in register order: six rows in ten by tenancy_ref
(some lowercase, some with spaces around), four by last_name, date_of_birth and postcode (last
names in capitals in some, first names in half of them, dates in both forms, postcodes written
`pr12ab` in some). Every row is valid.

It prints the time to `COPY` the same file into an unlogged table of text columns (best of 3,
the floor), then a first import (every row added) and the same file again (every row already
on the list, nothing written), each with rows per second, its multiple of `COPY`, the process's
CPU seconds and the load average. With `--before FILE`, a copy of an earlier
`welfare/campaign_import.py` (say `git show HEAD~1:welfare/campaign_import.py > /tmp/old.py`)
is timed the same way first, on the same file, and the speed-up printed.
"""

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_camp_bench")
sys.path.insert(0, str(ROOT))

from import_rent_balances import create_database, load  # noqa: E402 (bench/ is on the path)
from import_tenants import copy_baseline  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

FIRST = [
    "Ann", "Bob", "Carol", "David", "Edna", "Frank", "Grace", "Harry", "Irene", "Jack",
    "Kath", "Len", "Mary", "Norman", "Olive", "Peter", "Rose", "Stan", "Vera", "Wilf",
]  # fmt: skip
LAST = [
    "Lee", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hall",
    "Green", "Wood", "Hughes", "Clarke", "Turner", "Hill", "Moore", "Cooper", "Ward", "Hayes",
]  # fmt: skip
NOT_ASCII = {6: ("Ó Súilleabháin", "Ó SÚILLEABHÁIN"), 506: ("Straße", "STRASSE")}
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters an inward code may end with


def postcode(number):
    k = number % 36000
    return f"PR{1 + k % 9} {k // 9 % 10}{LETTERS[k // 90 % 20]}{LETTERS[k // 1800 % 20]}"


def born_days(number):
    """Days after 1 January 1930: with `postcode`, no two tenants share both."""
    return number // 36000 * 1000 + number % 997


def setup(tenancies):
    """The register, generated in SQL (as `postcode`, `born_days` and the names above)."""
    from django.db import connection

    first = "ARRAY[" + ", ".join(f"'{name}'" for name in FIRST) + "]"
    last = "ARRAY[" + ", ".join(f"'{name}'" for name in LAST) + "]"
    cases = " ".join(f"WHEN mod(g, 1000) = {n} THEN '{names[0]}'" for n, names in NOT_ASCII.items())
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM tenants_tenant WHERE tenancy_ref LIKE 'CL-%'")
        if c.fetchone()[0] == tenancies:
            return
        c.execute("DELETE FROM welfare_campaignmember")
        c.execute("DELETE FROM tenants_tenant WHERE tenancy_ref LIKE 'CL-%'")
        c.execute(
            "INSERT INTO tenants_tenant (tenancy_ref, first_name, last_name, date_of_birth, "
            "phone, mobile, no_phone, email, address_line_1, address_line_2, town, postcode, "
            "lifeline, interpreter_language, communication_needs, created_at, updated_at) "
            f"SELECT 'CL-' || lpad(g::text, 7, '0'), ({first})[1 + mod(g * 13, 20)], "
            f"CASE {cases} ELSE ({last})[1 + mod(g * 7, 20)] END, "
            "date '1930-01-01' + (g / 36000 * 1000 + mod(g, 997)), '', '', true, '', '1 Road', "
            f"'', '', 'PR' || (1 + mod(k, 9)) || ' ' || mod(k / 9, 10) || substr('{LETTERS}', "
            f"1 + mod(k / 90, 20), 1) || substr('{LETTERS}', 1 + mod(k / 1800, 20), 1), "
            "false, '', '', now(), now() "
            "FROM generate_series(1, %s) g, LATERAL (SELECT mod(g, 36000) AS k) p",
            [tenancies],
        )
        c.execute("ANALYZE tenants_tenant")


def write_file(tenancies):
    from datetime import date, timedelta

    fd, path = tempfile.mkstemp(suffix=".csv", prefix="campaign-bench-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("tenancy_ref,first_name,last_name,date_of_birth,postcode\n")
        for g in range(1, tenancies + 1):
            kind = g % 10
            ref = f"CL-{g:07d}"
            if kind < 6:
                ref = ref.lower() if kind == 1 else f" {ref} " if kind == 2 else ref
                out.write(f"{ref},,,,\n")
                continue
            last = NOT_ASCII[g % 1000][1] if g % 1000 in NOT_ASCII else LAST[g * 7 % 20]
            if kind == 7:
                last = last.upper()
            first = FIRST[g * 13 % 20] if kind >= 8 else ""
            born = date(1930, 1, 1) + timedelta(days=born_days(g))
            day = f"{born:%Y-%m-%d}" if kind in (6, 8) else f"{born:%d/%m/%Y}"
            code = postcode(g)
            code = code.replace(" ", "").lower() if kind == 6 else code
            out.write(f",{first},{last},{day},{code}\n")
    return path


def importer_from(path):
    """`CampaignListImport` of a copy of `welfare/campaign_import.py` kept elsewhere."""
    spec = importlib.util.spec_from_file_location("welfare._campaign_import_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CampaignListImport


def campaign():
    from datetime import timedelta

    from django.utils import timezone

    from welfare.campaign_models import Campaign

    today = timezone.localdate()
    found, _created = Campaign.objects.get_or_create(
        name="Bench imported list",
        defaults={
            "kind": Campaign.Kind.LIST,
            "starts_on": today,
            "ends_on": today + timedelta(days=365),
            "schedule": Campaign.Schedule.ONCE,
        },
    )
    return found


def run(label, importer, list_campaign, path, copy_seconds):
    from django.db import connection

    from welfare.campaign_models import CampaignMember

    CampaignMember.objects.filter(campaign=list_campaign).delete()
    with connection.cursor() as cursor:
        # The earlier run's rows, dead in the table's indexes, would slow every lookup.
        cursor.execute("VACUUM ANALYZE welfare_campaignmember")
    took = {}
    for run_label in ("first import", "re-import"):
        started, cpu = time.monotonic(), time.process_time()
        report = importer(campaign=list_campaign).run(path)
        seconds = time.monotonic() - started
        cpu = time.process_time() - cpu
        took[run_label] = seconds
        counts = ", ".join(f"{name} {report.counts[name]:,}" for name in report.shown)
        assert report.written or report.counts["added"] == 0, report.rejections[:5]
        print(
            f"{label} {run_label}: {report.counts['rows']:,} rows in {seconds:.2f} s = "
            f"{report.counts['rows'] / seconds:,.0f} rows/s = {seconds / copy_seconds:.1f}x COPY "
            f"(CPU {cpu:.1f} s; {counts}), load {load()}",
            flush=True,
        )
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=200_000)
    parser.add_argument("--before", help="an earlier welfare/campaign_import.py, timed first")
    options = parser.parse_args()
    create_database(URL)
    import django

    django.setup()
    from django.core.management import call_command

    from welfare.campaign_import import CampaignListImport

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    setup(options.rows)
    path = write_file(options.rows)
    list_campaign = campaign()
    print(f"setup {time.monotonic() - started:.1f} s, load {load()}", flush=True)
    try:
        copy_seconds = copy_baseline(
            path, ["tenancy_ref", "first_name", "last_name", "date_of_birth", "postcode"], URL
        )
        print(f"COPY {copy_seconds:.2f} s (best of 3), load {load()}", flush=True)
        before = None
        if options.before:
            before = run("before", importer_from(options.before), list_campaign, path, copy_seconds)
        after = run("after", CampaignListImport, list_campaign, path, copy_seconds)
        if before:
            print(
                ", ".join(f"{name} {before[name] / after[name]:.1f}x faster" for name in after),
                flush=True,
            )
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
