"""The worklist "Tenants in arrears with no open flag" (/arrears/unflagged/) at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welfare_hbalance_big \
        .venv/bin/python bench/unflagged_worklist.py [--tenants N] [--pages 1,40]

DATABASE_URL names the database (created and migrated if missing). If it holds no rent
balances, N tenants (default 1,000,000) are generated as queue_data.py does, then in SQL six
weekly balances each (about 1 in 5 owing on the latest, weekly rent 80-130) and an open flag
for 1 tenant in 33; a copy of a database made so is kept between runs.

For a manager (every team) and income officers of the teams with the most and the fewest
tenants owing on the latest day's balances it runs what the page
runs, the selector and the view's paginator (its count, then the page), capturing each SELECT,
and prints for each the EXPLAIN (ANALYZE, BUFFERS) execution time, best of 3, with the plan's
top line; then the flags page's capped count (`unflagged_count`) and the CSV's query read to the end
(as the download reads it: server-side cursor, planned for every row).
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
        # Income officers of the team with the most tenants owing and of the one with the
        # fewest (the worst case: the index is read to its end to fill a page).
        cursor.execute(
            "SELECT team.id FROM accounts_team team LEFT JOIN (SELECT p.team_id, count(*) n "
            "FROM arrears_rentbalance b JOIN tenants_tenant t ON t.id = b.tenant_id "
            "JOIN accounts_patch p ON p.id = t.patch_id WHERE b.balance > 0 "
            "AND b.as_at = (SELECT max(as_at) FROM arrears_rentbalance) GROUP BY 1) o "
            "ON o.team_id = team.id WHERE EXISTS (SELECT 1 FROM accounts_patch p "
            "WHERE p.team_id = team.id) ORDER BY COALESCE(n, 0) DESC, team.id"
        )
        teams = [row[0] for row in cursor.fetchall()]
    officers = [
        User.objects.update_or_create(
            username=f"bench-unflagged-income-{team_id}",
            defaults={"role": User.Role.INCOME_OFFICER, "team_id": team_id},
        )[0]
        for team_id in (teams[0], teams[-1])
    ]
    return manager, officers


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


def paginate(queryset, number):
    """As the view does: its capped paginator where there is one (before it, Django's)."""
    from django.core.paginator import Paginator

    from arrears import views

    capped = getattr(views, "UnflaggedPaginator", None)
    if capped is None:
        return Paginator(queryset, views.PAGE_SIZE).get_page(number)
    return capped(queryset, views.PAGE_SIZE, number=number).get_page(number)


def measure(user, label, pages):
    from arrears import selectors
    from config.csv_export import _planned_for_every_row

    on = date.today()
    print(f"\n{label} ({load()})")
    for number in pages:

        def page(number=number):
            list(paginate(selectors.unflagged_in_arrears(user, on=on), number))

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
    with _planned_for_every_row():
        rows = sum(1 for _ in selectors.unflagged_in_arrears(user, on=on).iterator(1000))
    print(f"  CSV's query, every row: {rows:,} in {time.perf_counter() - started:,.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--pages", default="1,40")
    args = parser.parse_args()
    setup_django()
    manager, (most, fewest) = ensure_data(args.tenants)
    pages = [int(number) for number in args.pages.split(",")]
    measure(manager, "Manager, every team", pages)
    measure(most, f"Income officer, team {most.team_id} (most owing)", pages)
    measure(fewest, f"Income officer, team {fewest.team_id} (fewest owing)", pages)


if __name__ == "__main__":
    sys.exit(main())
