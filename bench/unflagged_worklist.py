"""The worklist "Tenants in arrears with no open flag" (/arrears/unflagged/) at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welfare_hbalance_big \
        .venv/bin/python bench/unflagged_worklist.py [--tenants N] [--pages 1,40]

DATABASE_URL names the database (created and migrated if missing). If it holds no rent
balances, N tenants (default 1,000,000) are generated as queue_data.py does, then in SQL six
weekly balances each (about 1 in 5 owing on the latest, weekly rent 80-130) and an open flag
for 1 tenant in 33; a copy of a database made so is kept between runs.

For a manager (every team) and an income officer of the largest team it runs what the page
runs, the selector and the view's paginator (the count, then the page), capturing each SELECT,
and prints for each the EXPLAIN (ANALYZE, BUFFERS) execution time, best of 3, with the plan's
top line; then the flags page's capped count (`unflagged_count`) and the CSV's first 1,000 rows.
No timed assertions: figures only, with the load average (the machine is shared).
"""

import argparse
import os
import sys
import time
from datetime import date

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_hbalance_big")

from queue_data import ensure_tenants, setup_django  # noqa: E402 (reads DATABASE_URL)

BALANCES_SQL = """
INSERT INTO arrears_rentbalance (balance, as_at, weekly_rent, imported_at, tenant_id)
SELECT CASE WHEN (t.id * 7 + w) %% 5 = 0 THEN ((t.id * 13 + w * 31) %% 300000) / 100.0
            ELSE -((t.id + w) %% 5000) / 100.0 END,
       date '2026-10-19' + 7 * w, 80 + (t.id %% 50), now(), t.id
FROM generate_series(0, 5) w CROSS JOIN tenants_tenant t ORDER BY w, t.id
"""
FLAGS_SQL = """
INSERT INTO arrears_arrearsflag (reported_on, reason, details, status, raised_at, closed_reason,
                                 raised_by_id, tenant_id)
SELECT date '2026-11-01', 'furlough', '', 'open', now(), '', %s, id
FROM tenants_tenant WHERE id %% 33 = 0
"""


def load():
    return f"load {os.getloadavg()[0]:.1f}"


def ensure_data(count):
    from django.db import connection

    from accounts.models import User

    manager, _ = User.objects.get_or_create(
        username="bench-unflagged-manager", defaults={"role": User.Role.MANAGER}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM arrears_rentbalance)")
        if not cursor.fetchone()[0]:
            started = time.perf_counter()
            ensure_tenants(count)
            cursor.execute(BALANCES_SQL)
            cursor.execute(FLAGS_SQL, [manager.pk])
            cursor.execute("ANALYZE")
            print(f"Generated balances and flags in {time.perf_counter() - started:.1f} s")
        # The team with the most tenants, for its income officer.
        cursor.execute(
            "SELECT p.team_id FROM tenants_tenant t JOIN accounts_patch p ON p.id = t.patch_id "
            "WHERE p.team_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        team_id = cursor.fetchone()[0]
    officer, _ = User.objects.get_or_create(
        username="bench-unflagged-income",
        defaults={"role": User.Role.INCOME_OFFICER, "team_id": team_id},
    )
    return manager, officer


def explain(sql, params):
    """Best of 3 EXPLAIN ANALYZE execution times (ms), and the plan's top line."""
    from django.db import connection

    times, top = [], ""
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
            top = plan[0].split("  (")[0].strip()
            times.append(float(plan[-1].split(":")[1].split()[0]))
    return min(times), top


def captured(run):
    """The SELECTs `run()` sends, with their parameters."""
    from django.db import connection

    statements = []

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        run()
    return statements


def measure(user, label, pages):
    from django.core.paginator import Paginator

    from arrears import selectors, views

    on = date.today()
    print(f"\n{label} ({load()})")
    for number in pages:

        def page(number=number):
            queryset = selectors.unflagged_in_arrears(user, on=on)
            list(Paginator(queryset, views.PAGE_SIZE).get_page(number))

        started = time.perf_counter()
        statements = captured(page)
        wall = (time.perf_counter() - started) * 1000
        print(f"  page {number}: {len(statements)} queries, {wall:,.0f} ms as run once")
        for sql, params in statements:
            ms, top = explain(sql, params)
            kind = "count" if "COUNT(" in sql.upper() else "page"
            print(f"    {kind:5} {ms:9,.1f} ms  {top}")
    started = time.perf_counter()
    count, more = selectors.unflagged_count(user, on=on)
    print(
        f"  flags page's capped count: {count:,}{' or more' if more else ''} "
        f"in {(time.perf_counter() - started) * 1000:,.0f} ms"
    )
    started = time.perf_counter()
    rows = selectors.unflagged_in_arrears(user, on=on).iterator(chunk_size=1000)
    for number, _tenant in enumerate(rows, start=1):
        if number == 1000:
            break
    print(f"  CSV's first 1,000 rows in {(time.perf_counter() - started) * 1000:,.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--pages", default="1,40")
    args = parser.parse_args()
    setup_django()
    manager, officer = ensure_data(args.tenants)
    pages = [int(number) for number in args.pages.split(",")]
    measure(manager, "Manager, every team", pages)
    measure(officer, f"Income officer, team {officer.team_id}", pages)


if __name__ == "__main__":
    sys.exit(main())
