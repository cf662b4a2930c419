"""How fast `import_tenants` reads a tenant file of N rows into PostgreSQL, and its peak memory.

    .venv/bin/python bench/import_tenants.py [N ...] [--distinct-phones]
                                                           (default: 100000 1000000)

For each N it writes a valid tenant file of N rows to a temporary file (phones in Ofcom's drama
landline ranges, which libphonenumber holds valid; postcodes in outward codes the patch map
holds, and one in twenty in codes it does not, so those tenants are unassigned), empties the
tenant tables, then runs `manage.py import_tenants FILE` in a subprocess twice: a first import
(every row created, with its history row) and a re-import of the same file (every row
unchanged, nothing written). It prints rows per second and the subprocess's peak resident
memory: ru_maxrss of that child alone, from os.wait4, which is the same figure
getrusage(RUSAGE_CHILDREN) gives but not mixed up with earlier children (migrate, first import).

The baseline is `COPY` of the same file into an unlogged table of text columns, measured in the
same run (best of three); each import is printed as a multiple of it. The drama ranges hold
4,000 numbers, so the file repeats them; with --distinct-phones each tenant has a number of its
own instead (Preston landlines, 01772 200000 on, which libphonenumber holds valid), as in a real
register, and libphonenumber checks a million numbers rather than 4,000. Goals (issue 21): first
import <= 20x, re-import <= 10x, peak memory <= 300 MB.

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/welfare_bench);
it is created and migrated if missing.
"""

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_bench")

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
PATCHES = {
    "BN-PRE": ["PR1", "PR2", "PR3", "PR4", "PR5"],
    "BN-LEY": ["PR25", "PR26", "PR7"],
    "BN-FYL": ["FY1", "FY2", "FY3", "FY4"],
    "BN-LYT": ["FY8", "FY5", "FY6"],
}
UNMAPPED = ["LA1", "BB2", "WN1"]
FIRST = ["Margaret", "Imran", "Agnieszka", "Edna", "Sam", "Olivia", "Ian", "Maya", "Joan", "Peter"]
LAST = ["Holt", "Patel", "Nowak", "Sharples", "Naylor", "Fairclough", "Crompton", "Khan", "Wood"]
STREETS = ["Mill Lane", "Ribble Court", "Church Street", "Station Road", "Park View"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Ofcom's drama landline ranges, which libphonenumber holds valid (STACK.md).
DRAMA = [("020 7946 {:04d}"), ("0113 496 {:04d}"), ("0161 496 {:04d}"), ("+44 20 7946 {:04d}")]


def phone(rng):
    return rng.choice(DRAMA).format(rng.randrange(1000))


def own_phone(n):
    """A Preston landline of the tenant's own (800,000 of them before they repeat)."""
    return f"01772 {200_000 + n % 800_000:06d}"


def tenant_rows(count, seed=2020, distinct_phones=False):
    rng = random.Random(seed)
    mapped = [code for codes in PATCHES.values() for code in codes]
    born_from, born_span = date(1930, 1, 1), (date(2004, 12, 31) - date(1930, 1, 1)).days
    for n in range(count):
        born = born_from + timedelta(days=rng.randrange(born_span))
        outward = rng.choice(UNMAPPED) if rng.random() < 0.05 else rng.choice(mapped)
        inward = f"{rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        kind = rng.random()
        scheme = ("", "")
        if kind < 0.10:
            scheme = ("independent_living", f"Bench Court {rng.randrange(40)}")
        elif kind < 0.15:
            scheme = ("supported_living", f"Bench House {rng.randrange(20)}")
        no_phone = rng.random() < 0.01
        yield [
            f"BEN-{n:07d}",
            rng.choice(FIRST),
            rng.choice(LAST),
            born.isoformat() if n % 2 else born.strftime("%d/%m/%Y"),
            "" if no_phone else (own_phone(n) if distinct_phones else phone(rng)),
            "",
            f"tenant{n}@example.org" if rng.random() < 0.3 else "",
            f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
            "",
            "Preston",
            f"{outward} {inward}" if n % 3 else f"{outward}{inward}".lower(),
            *scheme,
            f"Bench Support {rng.randrange(5)}" if scheme[0] == "supported_living" else "",
            "Y" if rng.random() < 0.1 else "N",
            "",
            "",
            "Polish" if rng.random() < 0.02 else "",
            "",
            "",
            "Y" if no_phone else "",
            rng.choice(["Y", "N", ""]),
            rng.choice(list(PATCHES)) if rng.random() < 0.2 else "",
        ]


def write_file(count, distinct_phones=False):
    handle, name = tempfile.mkstemp(prefix=f"tenants-{count}-", suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(tenant_rows(count, distinct_phones=distinct_phones))
    return Path(name)


def ensure_database():
    parsed = urlparse(URL)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--no-input", "-v0")
    with psycopg.connect(URL, autocommit=True) as connection:
        team = connection.execute(
            "INSERT INTO accounts_team (name) VALUES ('Bench team') "
            "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id"
        ).fetchone()[0]
        for code, outwards in PATCHES.items():
            patch = connection.execute(
                "INSERT INTO accounts_patch (code, name, team_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                [code, code, team],
            ).fetchone()[0]
            for outward in outwards:
                connection.execute(
                    "INSERT INTO tenants_patcharea (outward_code, patch_id) VALUES (%s, %s) "
                    "ON CONFLICT (outward_code) DO NOTHING",
                    [outward, patch],
                )


def empty_tenant_tables():
    with psycopg.connect(URL, autocommit=True) as connection:
        connection.execute(
            "TRUNCATE tenants_tenant, tenants_historicaltenant, tenants_tenantimportrow, "
            "tenants_scheme, tenants_supportprovider CASCADE"
        )
        connection.execute("VACUUM ANALYZE")


def copy_baseline(path, names=COLUMNS, url=None):
    """Seconds to COPY the file into an unlogged table of text columns: the floor (best of 3).
    Also the campaign-list bench's, with its own columns and database."""
    columns = ", ".join(f"{name} text" for name in names)
    best = None
    with psycopg.connect(url or URL, autocommit=True) as connection:
        for _ in range(3):
            connection.execute("DROP TABLE IF EXISTS bench_copy")
            connection.execute(f"CREATE UNLOGGED TABLE bench_copy ({columns})")
            started = time.monotonic()
            with (
                connection.cursor() as cursor,
                cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                open(path, "rb") as file,
            ):
                while chunk := file.read(1 << 20):
                    copy.write(chunk)
            elapsed = time.monotonic() - started
            best = elapsed if best is None else min(best, elapsed)
        connection.execute("DROP TABLE bench_copy")
    return best


GOALS = {"first import": 20, "re-import": 10}


def environment():
    # Bytecode is written and reused, as where the import is deployed: with
    # PYTHONDONTWRITEBYTECODE set, each import recompiled the project's modules first (about
    # 0.1 s; `make install` compiles the libraries', which cost 2.5 s an import).
    return {
        **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
        "DATABASE_URL": URL,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def manage(*args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def timed_import(path):
    """Run import_tenants on `path`: seconds, the process's own CPU seconds, peak memory in MB,
    and its summary line. On a busy machine wall time waits for a CPU; CPU time does not (the
    database server's work is in wall time only)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "manage.py", "import_tenants", str(path)],
            cwd=ROOT,
            env=environment(),
            stdout=out,
            stderr=err,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        output = out.read()
        if child.returncode:
            raise SystemExit(f"import_tenants failed:\n{output}\n{err.read()[-2000:]}")
    summary = next(line for line in output.splitlines() if line.startswith("created"))
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summary


def main():
    distinct_phones = "--distinct-phones" in sys.argv[1:]
    counts = [int(arg) for arg in sys.argv[1:] if arg != "--distinct-phones"]
    counts = counts or [100_000, 1_000_000]
    started = time.monotonic()
    ensure_database()
    print(f"setup (database, migrations, patch map): {time.monotonic() - started:.1f} s")
    for count in counts:
        started = time.monotonic()
        path = write_file(count, distinct_phones)
        size = path.stat().st_size / 1024 / 1024
        print(
            f"{count:,} rows: file of {size:,.0f} MB written in {time.monotonic() - started:.1f} s"
        )
        try:
            baseline = copy_baseline(path)
            print(
                f"  COPY into an unlogged table {baseline:7.2f} s (best of 3): the baseline; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            empty_tenant_tables()
            for label in ("first import", "re-import"):
                elapsed, cpu, peak, summary = timed_import(path)
                print(
                    f"  {label:<12} {elapsed:7.1f} s, {count / elapsed:7,.0f} rows/s, "
                    f"{elapsed / baseline:5.1f}x COPY (goal <= {GOALS[label]}x), "
                    f"import process CPU {cpu:.1f} s, "
                    f"peak memory {peak:,.0f} MB (goal <= 300)  ({summary}); "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
        finally:
            path.unlink()


if __name__ == "__main__":
    main()
