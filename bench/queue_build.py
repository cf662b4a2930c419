"""How long the daily call-queue build takes at a million tenants, against a bare insert.

    .venv/bin/python bench/queue_build.py [--tenants N] [--rounds R] [--campaigns C]
        [--providers P]

On PostgreSQL (see queue_data.py for the database and the generated tenants). Each round
empties the call tasks, then times:

* first build: `build_call_queue` opening a task for every due tenant;
* second build: the same day again (changes nothing);
* bare insert: `INSERT INTO copy SELECT * FROM welfare_calltask` of the very rows the first
  build made, into a table made `LIKE welfare_calltask INCLUDING ALL` (the same indexes,
  including the partial unique one) and given the same foreign keys, so it writes what the
  build writes with none of the work of deciding what to write. The same insert into the copy
  without foreign keys is printed too.

With C campaigns running beside the COVID welfare calls (default 3: a cold weather check of
70+ tenants who live alone, once by a date; a 28-day Lifeline review; a tenancy review of one
team's tenants, once by a date) and P support providers (default 2,000) supporting the
tenants of supported living schemes, 4 in 7 of them with a check-in due (so the build opens
their check-in tasks too).

Goals: first build at most 2.0x the bare insert, second build at most 1.0x. Figures are the
best of the rounds.
"""

import argparse
import time

from queue_data import cohort_mix, ensure_phone_marks, ensure_tenants, setup_django

COPY = "bench_calltask_copy"


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def bare_insert(foreign_keys):
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY}")
        cursor.execute(f"CREATE TABLE {COPY} (LIKE welfare_calltask INCLUDING ALL)")
        if foreign_keys:
            # The same foreign keys as welfare_calltask, deferred to commit as Django makes them.
            cursor.execute(
                """
                SELECT pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = 'welfare_calltask'::regclass AND contype = 'f'
                """
            )
            for n, (definition,) in enumerate(cursor.fetchall()):
                cursor.execute(f"ALTER TABLE {COPY} ADD CONSTRAINT {COPY}_fk{n} {definition}")
        cursor.execute("CHECKPOINT")

    def insert():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {COPY} SELECT * FROM welfare_calltask")
            return cursor.rowcount

    seconds, rows = timed(insert)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {COPY}")
    return seconds, rows


CAMPAIGNS = [
    # name, filter and schedule
    ("Bench cold weather check", {"min_age": 70, "lives_alone_only": True}, ("once", 14)),
    ("Bench Lifeline review", {"lifeline_only": True}, ("cadence", 28)),
    ("Bench tenancy review", {"teams": 1}, ("once", 30)),
]


def ensure_campaigns(count, today):
    """`count` running campaigns besides the COVID welfare calls (the bench's own, remade)."""
    from datetime import timedelta

    from accounts.models import Team
    from welfare.campaign_actions import campaign_create
    from welfare.campaign_models import Campaign

    Campaign.objects.filter(name__startswith="Bench ").delete()
    for name, who, (schedule, days) in CAMPAIGNS[:count]:
        who = dict(who)
        if "teams" in who:
            who["teams"] = list(Team.objects.filter(name__startswith="Bench team")[: who["teams"]])
        campaign_create(
            by=None,
            name=name,
            kind=Campaign.Kind.COHORT,
            starts_on=today,
            ends_on=today + timedelta(days=days) if schedule == "once" else None,
            schedule=schedule,
            cadence_days=days if schedule == "cadence" else None,
            questions=[{"text": "Is there anything you need?", "kind": "text"}],
            **who,
        )
    return Campaign.objects.filter(status=Campaign.Status.ACTIVE).count()


def ensure_providers(count):
    """`count` support providers, each supporting the tenants of some supported living
    schemes' homes (made in SQL; kept between runs)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM welfare_provideroversight o JOIN tenants_supportprovider p"
            " ON p.id = o.provider_id WHERE p.name LIKE 'Bench %%'",
            [],
        )
        if cursor.fetchone()[0] == count:
            return
        cursor.execute(
            "UPDATE tenants_tenant SET support_provider_id = NULL"
            " WHERE support_provider_id IS NOT NULL"
        )
        cursor.execute(
            "DELETE FROM welfare_provideroversight WHERE provider_id IN"
            " (SELECT id FROM tenants_supportprovider WHERE name LIKE 'Bench %%')",
            [],
        )
        cursor.execute("DELETE FROM tenants_supportprovider WHERE name LIKE 'Bench %%'", [])
        cursor.execute(
            """
            INSERT INTO tenants_supportprovider (name, phone, email)
            SELECT 'Bench provider ' || lpad(g::text, 4, '0'), '', ''
            FROM generate_series(1, %s) g
            """,
            [count],
        )
        cursor.execute(
            """
            WITH p AS (SELECT array_agg(id ORDER BY id) ids FROM tenants_supportprovider
                       WHERE name LIKE 'Bench %%')
            UPDATE tenants_tenant t SET support_provider_id = p.ids[1 + t.id %% %s]
            FROM p, tenants_scheme s
            WHERE s.id = t.scheme_id AND s.type = 'supported_living'
            """,
            [count],
        )
        # Every provider has a team that checks in; 1% of them are critical just now. Check-ins
        # are spread over the week: those of 4 days in 7 are due (today or overdue), so the
        # build opens their check-in tasks.
        cursor.execute(
            """
            WITH teams AS (SELECT array_agg(id ORDER BY id) ids FROM accounts_team
                           WHERE name LIKE 'Bench team%%')
            INSERT INTO welfare_provideroversight
                (provider_id, team_id, cadence_days, staffing, staffing_since, next_check_in_on)
            SELECT p.id, teams.ids[1 + p.id %% array_length(teams.ids, 1)], 7,
                   CASE WHEN p.id %% 100 = 0 THEN 'critical' ELSE 'adequate' END,
                   now(), current_date + (p.id %% 7)::int - 3
            FROM tenants_supportprovider p, teams WHERE p.name LIKE 'Bench %%'
            """,
            [],
        )
        cursor.execute("VACUUM ANALYZE tenants_tenant")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--campaigns", type=int, default=3, choices=range(len(CAMPAIGNS) + 1))
    parser.add_argument("--providers", type=int, default=2000)
    options = parser.parse_args()

    setup_django()
    from django.db import connection
    from django.utils import timezone

    from welfare.queue import build_call_queue

    ensure_tenants(options.tenants)
    ensure_phone_marks()
    today = timezone.localdate()
    total, mix = cohort_mix(today)
    print(f"{total:,} tenants: " + ", ".join(f"{code} {share:.1%}" for code, share in mix.items()))
    ensure_providers(options.providers)
    running = ensure_campaigns(options.campaigns, today)
    print(
        f"{running} campaigns running (the COVID welfare calls, provider staffing critical and "
        f"{options.campaigns} more), "
        f"{options.providers:,} support providers (1% critical)"
    )

    rounds = []
    for round_number in range(1, options.rounds + 1):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE welfare_calltask CASCADE")
            cursor.execute("TRUNCATE welfare_providercheckintask")
            cursor.execute("CHECKPOINT")
        first, built = timed(lambda: build_call_queue(on=today))
        second, rebuilt = timed(lambda: build_call_queue(on=today))
        assert rebuilt.opened == rebuilt.reranked == rebuilt.closed_not_due == 0, rebuilt
        assert rebuilt.check_ins_opened == rebuilt.passed_to_manager == 0, rebuilt
        bare_fk, rows = bare_insert(foreign_keys=True)
        bare, _ = bare_insert(foreign_keys=False)
        assert rows == built.opened
        rounds.append((first, second, bare_fk, bare))
        print(
            f"round {round_number}: {built.opened:,} tasks and {built.check_ins_opened:,} "
            f"provider check-ins opened, {built.passed_to_manager:,} passed to a manager (no "
            f"number to dial); first build {first:.2f} s, "
            f"second build {second:.2f} s, bare insert {bare_fk:.2f} s "
            f"({bare:.2f} s without foreign keys)"
        )

    first, second, bare_fk, bare = (min(column) for column in zip(*rounds, strict=True))
    print()
    print(f"first build   {first:6.2f} s  {first / bare_fk:4.2f}x the bare insert (goal <= 2.0x)")
    print(f"second build  {second:6.2f} s  {second / bare_fk:4.2f}x the bare insert (goal <= 1.0x)")
    print(f"bare insert   {bare_fk:6.2f} s  same indexes and foreign keys")
    print(
        f"              {bare:6.2f} s  same indexes, no foreign keys: first build "
        f"{first / bare:.2f}x, second {second / bare:.2f}x"
    )


if __name__ == "__main__":
    main()
