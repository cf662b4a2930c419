"""How long `seed_demo --tenants N` takes on PostgreSQL, into a fresh database.

    .venv/bin/python bench/seed_demo.py [N ...]      (default: 100000 1000000)

DATABASE_URL names the server and database (default postgres://postgres@127.0.0.1:5432/
welfare_seed_bench); the database is dropped and created again for each N.
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_seed_bench")


def recreate_database():
    parsed = urlparse(URL)
    name = parsed.path.lstrip("/")
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(*args):
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main():
    counts = [int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000]
    for count in counts:
        recreate_database()
        manage("migrate", "--no-input", "-v0")
        started = time.monotonic()
        manage("seed_demo", "--tenants", str(count))
        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"seed_demo --tenants {count:>9,}: {elapsed:7.1f} s, "
            f"{count / elapsed:8,.0f} tenants/s, peak memory {peak:,.0f} MB"
        )


if __name__ == "__main__":
    main()
