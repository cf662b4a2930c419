"""How fast `RentBalanceImport` reads a rent-balance file of N rows (default 200,000).

    .venv/bin/python bench/import_rent_balances.py [N]

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/welfare_rent_bench,
created and migrated if missing). N/2 tenancies `RB-0000001`... are generated in SQL (kept
between runs); every run empties the balances and gives one tenancy in four a balance held as
at 16/11/2026. The file has two rows a tenancy: 09/11/2026 (plain amounts) and 2026-11-16
(amounts like "£1,234.50"). It is imported twice in this process, with the rows per second,
the process's CPU seconds, the counts and the load average of each: a first import (created,
updated, and ignored where a later balance is held) and the same file again (ignored and
unchanged, nothing written).
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_rent_bench")
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def create_database(url=None):
    """The bench's database, created if missing (also the campaign-list bench's)."""
    url = url or URL
    name = urlparse(url).path.lstrip("/")
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def setup(tenancies):
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DELETE FROM arrears_rentbalance")
        c.execute("SELECT count(*) FROM tenants_tenant WHERE tenancy_ref LIKE 'RB-%'")
        if c.fetchone()[0] != tenancies:
            c.execute("DELETE FROM tenants_tenant WHERE tenancy_ref LIKE 'RB-%'")
            c.execute(
                "INSERT INTO tenants_tenant (tenancy_ref, first_name, last_name, date_of_birth, "
                "phone, mobile, no_phone, email, address_line_1, address_line_2, town, postcode, "
                "lifeline, interpreter_language, communication_needs, created_at, updated_at) "
                "SELECT 'RB-' || lpad(g::text, 7, '0'), 'A', 'B', '1950-01-01', '', '', true, "
                "'', '1 Road', '', '', '', false, '', '', now(), now() "
                "FROM generate_series(1, %s) g",
                [tenancies],
            )
        c.execute(
            "INSERT INTO arrears_rentbalance (tenant_id, balance, as_at, weekly_rent, "
            "imported_at) SELECT id, 10.00, '2026-11-16', 90.00, now() FROM tenants_tenant "
            "WHERE tenancy_ref LIKE 'RB-%' AND mod(id, 4) = 0"
        )


def write_file(tenancies):
    rng = random.Random(1)
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="rent-bench-")
    with os.fdopen(fd, "w") as out:
        out.write("tenancy_ref,balance,as_at,weekly_rent\n")
        for number in range(1, tenancies + 1):
            ref = f"RB-{number:07d}"
            balance = rng.randrange(-50000, 500000) / 100
            rent = rng.randrange(5000, 20000) / 100
            out.write(f"{ref},{balance:.2f},09/11/2026,{rent:.2f}\n")
            out.write(f'{ref},"£1,{rng.randrange(100, 999)}.50",2026-11-16,90.00\n')
    return path


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    create_database()
    import django

    django.setup()
    from django.core.management import call_command

    from arrears.importing import RentBalanceImport

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    setup(rows // 2)
    path = write_file(rows // 2)
    print(f"setup {time.monotonic() - started:.1f} s, load {load()}", flush=True)
    try:
        for label in ("first import", "re-import"):
            started, cpu = time.monotonic(), time.process_time()
            report = RentBalanceImport().run(path)
            took = time.monotonic() - started
            cpu = time.process_time() - cpu
            counts = ", ".join(f"{name} {report.counts[name]:,}" for name in report.shown)
            print(
                f"{label}: {report.counts['rows']:,} rows in {took:.2f} s = "
                f"{report.counts['rows'] / took:,.0f} rows/s (CPU {cpu:.1f} s;"
                f" {counts}), load {load()}",
                flush=True,
            )
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
