"""The manager dashboard at a million tenants and five million calls.

    .venv/bin/python bench/dashboard.py [--tenants N] [--calls M] [--managers 5] [--requests 40]
                                        [--rounds 3] [--no-list-csv]

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/welfare_dash_bench);
it is created and migrated if missing. The tenants are queue_data.py's (generated in SQL with
the cohort mix of a large association); on top of them, also in SQL (`INSERT ... SELECT
generate_series`, never Python objects) and kept between runs while the counts match:

* one finished call task per tenant, and M calls on them spread over the last 180 days (60%
  spoke to the tenant), loaded with the call table's indexes and foreign keys dropped and then
  rebuilt, as a bulk load would be;
* open escalations for 2% of tenants (opened up to 14 days ago) and as many closed ones;
* Here to Help requests for 20% of tenants, every need and status, some past their target;
* arrears flags for 5% of tenants, review dates from 30 days ago to 30 days ahead.

Then it times, in the same run:

* refresh: `dashboard_refresh()`, everything the 15-minute job does (lock, the due rule over
  every tenant written as the tenants behind the counts, GROUP BY queries through the ORM,
  writing the snapshot, deleting old ones, commit);
* raw: the same from hand-written SQL: the tenants behind the counts numbered in list order
  into a temporary table keyed as the refresh's table (a temporary table writes no WAL, as the
  refresh's UNLOGGED one), the cohort figures grouped from it, the other figures by GROUP BY,
  nothing else written: the least the database has to do. The figures of both are compared
  and must match;
* page: the dashboard page for 5 managers at once (cycling through all teams, one team and no
  team), p50 and p95 latency, and a CSV download's after every 8th page;
* the lists behind the counts and the trend (DRILL_DOWNS), 5 managers at once, p50 and p95
  of each; then the overdue tenants' CSV (half the register) once, by one manager alone.

Each manager is a separate process (forked, as call_logging.py's officers), with its own
database connection and its own Django test client signed in with two-factor passed, so every
request goes through the whole middleware stack; each loads the app through config/wsgi.py as a
gunicorn worker does (which freezes what it loaded out of the garbage collector's sight).
Processes, not threads: the app is served by gunicorn's worker processes, each rendering on
whichever core is free; threads in one process would render one request at a time (the GIL)
and measure that queue, not the app. The load average is printed before and after each phase
(the machine is shared). With --rounds 0 the refresh is not timed and the pages read the
latest snapshot (one refresh if there is none). Run it with DEBUG=false (and the other
production settings of bench/README.md): the cached template loader, no debug toolbar, as
served.

Goals: refresh at most 1.5x raw (best of the rounds each); page and lists p95 at most 500 ms.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_dash_bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

from queue_data import ensure_tenants, setup_django  # noqa: E402 (reads DATABASE_URL)


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def staff():
    """An officer per bench team (calls, requests), an income officer (flags), five managers."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Team, User

    officers = []
    for team in Team.objects.filter(name__startswith="Bench team"):
        officer, _ = User.objects.get_or_create(
            username=f"bench-officer-{team.pk}", defaults={"role": "officer", "team": team}
        )
        officers.append(officer.pk)
    income, _ = User.objects.get_or_create(
        username="bench-income", defaults={"role": "income_officer", "team": team}
    )
    managers = []
    for n in range(5):
        manager, _ = User.objects.get_or_create(
            username=f"bench-manager-{n}", defaults={"role": "manager"}
        )
        TOTPDevice.objects.get_or_create(user=manager, defaults={"name": "App", "confirmed": True})
        managers.append(manager)
    return officers, income.pk, managers


def _bulk_load_calls(cursor, sql, params):
    """Insert into welfare_call with its indexes and foreign keys dropped, then rebuild them."""
    cursor.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'welfare_call'::regclass AND contype IN ('f', 'u')
        """
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'welfare_call'
        AND indexname NOT IN (SELECT conname FROM pg_constraint
                              WHERE conrelid = 'welfare_call'::regclass)
        """
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE welfare_call DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(sql, params)
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE welfare_call ADD CONSTRAINT "{name}" {definition}')


def ensure_activity(tenants, calls):
    """Call tasks, calls, escalations, requests and flags for the generated tenants."""
    from django.db import connection, transaction

    officers, income, managers = staff()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM welfare_calltask")
        tasks_now = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM welfare_call")
        calls_now = cursor.fetchone()[0]
    if (tasks_now, calls_now) == (tenants, calls):
        print(f"Using the {tasks_now:,} call tasks and {calls_now:,} calls already generated")
        return managers
    started = time.monotonic()
    steps = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Check foreign keys per statement, so the call table can be altered after the tasks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE welfare_calltask, welfare_call, welfare_escalation, welfare_helprequest, "
            "arrears_arrearsflag, welfare_dashboardsnapshot CASCADE"
        )
        step = time.monotonic()
        cursor.execute(
            """
            INSERT INTO welfare_calltask (
                tenant_id, team_id, team_fixed, status, closed_reason, opened_on, closed_at,
                due_on, cadence_days, risk_score, unwell, aged_70, lives_alone, last_wellbeing,
                attempts, created_at)
            SELECT t.id, p.team_id, false, 'done', '', current_date - 200, now() - interval
                   '1 day', current_date - 200, 90, 0, false, false, false, '', 0,
                   now() - interval '200 days'
            FROM tenants_tenant t LEFT JOIN accounts_patch p ON p.id = t.patch_id
            ORDER BY t.id
            """
        )
        steps["call tasks"] = time.monotonic() - step
        step = time.monotonic()
        per_task = -(-calls // tenants)
        _bulk_load_calls(
            cursor,
            """
            INSERT INTO welfare_call (
                task_id, tenant_id, officer_id, made_at, made_on, outcome, wellbeing, answers,
                call_back_at, in_hospital_until, family_updated_id, notes, idempotency_key,
                content_digest)
            SELECT k.id, k.tenant_id, (%(officers)s::bigint[])[1 + k.id %% %(nofficers)s],
                   m.made_at, (m.made_at AT TIME ZONE 'Europe/London')::date, o.outcome,
                   CASE WHEN o.outcome = 'spoke' THEN 'good' ELSE '' END, '[]',
                   CASE WHEN o.outcome = 'call_back' THEN m.made_at + interval '2 hours' END,
                   NULL, NULL, '', gen_random_uuid(), ''
            FROM welfare_calltask k
            CROSS JOIN generate_series(1, %(per_task)s) g
            CROSS JOIN LATERAL (
                SELECT now() - (random() + (k.id + g) * 0) * interval '180 days' AS made_at) m
            CROSS JOIN LATERAL (
                SELECT CASE WHEN r < 0.60 THEN 'spoke' WHEN r < 0.85 THEN 'no_answer'
                            WHEN r < 0.95 THEN 'voicemail' WHEN r < 0.97 THEN 'wrong_number'
                            ELSE 'call_back' END AS outcome
                FROM (SELECT random() + (k.id + g) * 0 AS r) x) o
            LIMIT %(calls)s
            """,
            {
                "officers": officers,
                "nofficers": len(officers),
                "per_task": per_task,
                "calls": calls,
            },
        )
        steps["calls (load, indexes, foreign keys)"] = time.monotonic() - step
        step = time.monotonic()
        team_of = "(SELECT team_id FROM accounts_patch p WHERE p.id = t.patch_id)"
        cursor.execute(
            f"""
            INSERT INTO welfare_escalation (tenant_id, team_id, reason, status, opened_at,
                                            result, closed_at, task_id)
            SELECT t.id, {team_of},
                   (ARRAY['failed_attempts', 'wrong_number', 'deceased'])[1 + t.id %% 3],
                   CASE WHEN t.id %% %(every)s = 0 THEN 'open' ELSE 'closed' END,
                   now() - random() * interval '14 days',
                   CASE WHEN t.id %% %(every)s = 0 THEN '' ELSE 'Reached by the provider' END,
                   CASE WHEN t.id %% %(every)s = 0 THEN NULL ELSE now() END, NULL
            FROM tenants_tenant t WHERE t.id %% %(every)s IN (0, %(every)s / 2)
            """,
            {"every": 50},  # 2% open, 2% closed
        )
        cursor.execute(
            f"""
            INSERT INTO welfare_helprequest (
                tenant_id, team_id, need, source, status, raised_by_id, raised_at, due_at,
                resolved_at, outcome, updated_at)
            SELECT t.id, {team_of}, x.need, 'phone_in', x.status,
                   (%(officers)s::bigint[])[1 + t.id %% %(nofficers)s],
                   x.raised_at,
                   x.raised_at + CASE WHEN x.need IN ('food', 'medication')
                                      THEN interval '1 day' ELSE interval '7 days' END,
                   CASE WHEN x.status IN ('resolved', 'closed') THEN now() END,
                   CASE WHEN x.status IN ('resolved', 'closed') THEN 'Done' ELSE '' END,
                   now()
            FROM tenants_tenant t
            CROSS JOIN LATERAL (
                SELECT (ARRAY['food', 'medication', 'benefits', 'mental_health',
                              'financial_difficulty', 'technology', 'utility_credit',
                              'befriending', 'other'])[1 + (t.id / 5) %% 9] AS need,
                       (ARRAY['new', 'in_progress', 'referred', 'resolved', 'closed'])
                           [1 + (t.id / 45) %% 5] AS status,
                       now() - (random() + t.id * 0) * interval '60 days' AS raised_at) x
            WHERE t.id %% 5 = 0
            """,
            {"officers": officers, "nofficers": len(officers)},
        )
        cursor.execute(
            """
            INSERT INTO arrears_arrearsflag (
                tenant_id, reported_on, reason, details, status, review_date, review_due_since,
                raised_by_id, raised_at, closed_on, closed_reason, help_request_id)
            SELECT t.id, current_date - 60,
                   (ARRAY['furlough', 'redundancy', 'reduced_hours', 'self_employment',
                          'illness', 'other'])[1 + (t.id / 20) %% 6],
                   '', CASE WHEN t.id %% 100 = 3 THEN 'closed' ELSE 'open' END,
                   current_date + (floor(random() * 61) - 30)::int, NULL, %(income)s,
                   now() - interval '60 days',
                   CASE WHEN t.id %% 100 = 3 THEN current_date - 1 END, '', NULL
            FROM tenants_tenant t WHERE t.id %% 20 = 3
            """,
            {"income": income},
        )
        steps["escalations, requests, flags"] = time.monotonic() - step
    with connection.cursor() as cursor:
        for table in ("welfare_calltask", "welfare_call", "welfare_escalation",
                      "welfare_helprequest", "arrears_arrearsflag"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"Generated activity in SQL in {time.monotonic() - started:.1f} s ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
        + ")"
    )
    return managers


# The raw GROUP BY queries: hand-written SQL, nothing written -------------------------------


def raw_figures(now):
    """Every figure of the dashboard from plain SQL, folded into the refresh's shapes; since the
    lists behind the counts read the tenants the refresh writes, the raw queries write them too
    (numbered in list order, into a temporary table keyed as the refresh's is), and group the
    cohort figures from them, as the refresh does."""
    from django.db import connection, transaction
    from django.utils import timezone

    from config.dates import years_before
    from dashboard.models import AGE_BAND_ENDS
    from welfare.cadence import call_tenants
    from welfare.models import Cohort

    on = timezone.localdate(now)
    cadence = dict(Cohort.objects.filter(active=True).values_list("code", "cadence_days"))
    codes = list(call_tenants().call_cohort_rules(on))
    born_by = years_before(on, 70)
    bands = " ".join(
        f"WHEN opened_at > %(now)s - interval '{days} days' THEN '{band.value}'"
        for band, days in AGE_BAND_ENDS
    )
    queries = {
        # The tenants behind the counts, numbered in list order, into a table with the same
        # keys as the refresh's (a temporary table: no WAL, as the refresh's is UNLOGGED)...
        "standings": """
            INSERT INTO raw_standing (position, tenant_id, team_id, cohorts, cadence_days,
                                      days_overdue)
            SELECT row_number() OVER (ORDER BY days_overdue DESC NULLS LAST, last_name, id),
                   id, team_id, cohorts, cadence, days_overdue
            FROM (
                SELECT id, last_name, team_id, cohorts, cadence,
                       CASE WHEN cadence IS NULL THEN NULL
                            WHEN last_contact IS NULL THEN %(on)s - joined
                            ELSE %(on)s - last_contact - cadence END AS days_overdue
                FROM (
                    SELECT t.id, t.last_name, p.team_id,
                           CASE WHEN t.date_of_birth <= %(born_by)s THEN 1 ELSE 0 END
                           + CASE WHEN t.self_isolating_from <= %(on)s AND (t.self_isolating_until
                                  IS NULL OR t.self_isolating_until >= %(on)s) THEN 2 ELSE 0 END
                           + CASE WHEN s.type = 'independent_living' THEN 4 ELSE 0 END
                           + CASE WHEN s.type = 'supported_living' THEN 8 ELSE 0 END
                           + CASE WHEN t.lifeline THEN 16 ELSE 0 END AS cohorts,
                           (t.last_contact_at AT TIME ZONE 'Europe/London')::date AS last_contact,
                           (t.created_at AT TIME ZONE 'Europe/London')::date AS joined,
                           COALESCE(LEAST(
                               CASE WHEN t.date_of_birth <= %(born_by)s THEN %(c_aged_70)s END,
                               CASE WHEN t.self_isolating_from <= %(on)s AND
                                    (t.self_isolating_until IS NULL OR
                                     t.self_isolating_until >= %(on)s) THEN %(c_unwell)s END,
                               CASE WHEN s.type = 'independent_living'
                                    THEN %(c_independent_living)s END,
                               CASE WHEN s.type = 'supported_living'
                                    THEN %(c_supported_living)s END,
                               CASE WHEN t.lifeline THEN %(c_lifeline)s END),
                               %(c_everyone_else)s) AS cadence
                    FROM tenants_tenant t
                    LEFT JOIN accounts_patch p ON p.id = t.patch_id
                    LEFT JOIN tenants_scheme s ON s.id = t.scheme_id
                    WHERE (t.tenancy_end_date IS NULL OR t.tenancy_end_date > %(on)s)
                      AND t.deceased_on IS NULL AND t.deceased_reported_on IS NULL
                      AND (t.in_hospital_until IS NULL OR t.in_hospital_until <= %(on)s)
                      AND t.declined_calls_on IS NULL
                ) x
            ) y
        """,
        # ... and the cohort figures grouped from them.
        "cohorts": """
            SELECT team_id, cohorts & 1 > 0, cohorts & 2 > 0, cohorts & 4 > 0, cohorts & 8 > 0,
                   cohorts & 16 > 0, sign(days_overdue), count(*)
            FROM raw_standing GROUP BY team_id, cohorts, sign(days_overdue)
        """,
        "calls": """
            SELECT k.team_id, c.made_on, count(*), count(*) FILTER (WHERE c.outcome = 'spoke')
            FROM welfare_call c JOIN welfare_calltask k ON k.id = c.task_id
            WHERE c.made_on BETWEEN %(start)s AND %(on)s
            GROUP BY 1, 2
        """,
        "escalations": f"""
            SELECT team_id, reason, CASE {bands} ELSE '7_days_or_more' END, count(*)
            FROM welfare_escalation WHERE status = 'open' GROUP BY 1, 2, 3
        """,
        "requests": """
            SELECT team_id, need, status, count(*),
                   count(*) FILTER (WHERE status IN ('new', 'in_progress', 'referred')
                                    AND due_at < %(now)s)
            FROM welfare_helprequest GROUP BY 1, 2, 3
        """,
        "arrears": """
            SELECT p.team_id, f.reason,
                   count(*) FILTER (WHERE f.status <> 'closed'),
                   count(*) FILTER (WHERE f.status <> 'closed' AND f.review_date <= %(on)s),
                   count(*) FILTER (WHERE f.status = 'closed')
            FROM arrears_arrearsflag f
            JOIN tenants_tenant t ON t.id = f.tenant_id
            LEFT JOIN accounts_patch p ON p.id = t.patch_id
            GROUP BY 1, 2
        """,
        "services": """
            SELECT status, count(*) FROM (
                SELECT DISTINCT ON (service_id) service_id, status FROM services_statuschange
                WHERE cancelled_at IS NULL AND effective_at <= %(now)s
                ORDER BY service_id, effective_at DESC, id DESC) current
            GROUP BY 1
        """,
    }
    params = {
        "now": now,
        "on": on,
        "start": on - timedelta(days=89),
        "born_by": born_by,
        **{f"c_{code}": cadence.get(code) for code in [*codes, "everyone_else"]},
    }
    results = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS raw_standing (position integer, tenant_id "
            "bigint, team_id bigint, cohorts smallint, cadence_days smallint, days_overdue "
            "integer, PRIMARY KEY (position)); CREATE INDEX IF NOT EXISTS raw_standing_team "
            "ON raw_standing (team_id, position); TRUNCATE raw_standing"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")  # as the refresh has it
        for name, sql in queries.items():
            cursor.execute(sql, params)
            results[name] = cursor.fetchall() if cursor.description else None
        cursor.execute("ANALYZE raw_standing")  # as the refresh does
    seconds = time.perf_counter() - started

    cohorts = {}
    for team, *flags, standing, count in results["cohorts"]:
        member_of = [code for code, flag in zip(codes, flags, strict=True) if flag]
        for code in member_of or ["everyone_else"]:
            figure = cohorts.setdefault((team, code), [0, 0, 0, 0])
            figure[0] += count
            if standing is not None:  # -1 up to date, 0 due today, 1 overdue
                figure[{-1: 1, 0: 2, 1: 3}[int(standing)]] += count
    figures = {
        "cohorts": {key: tuple(value) for key, value in cohorts.items()},
        "calls": {(team, day): (n, spoke) for team, day, n, spoke in results["calls"]},
        "escalations": {(t, r, a): n for t, r, a, n in results["escalations"]},
        "requests": {(t, nd, s): (n, late) for t, nd, s, n, late in results["requests"]},
        "arrears": {(t, r): (o, d, c) for t, r, o, d, c in results["arrears"]},
        "services": dict(results["services"]),
    }
    return seconds, figures


def snapshot_figures(snapshot):
    from dashboard.models import (
        ArrearsFigure,
        CallDayFigure,
        CohortFigure,
        EscalationFigure,
        HelpFigure,
        ServiceFigure,
    )

    def rows(model, *fields):
        return model.objects.filter(snapshot=snapshot).values_list(*fields)

    return {
        "cohorts": {
            (t, c): (n, u, d, o)
            for t, c, n, u, d, o in rows(
                CohortFigure, "team_id", "cohort", "tenants", "up_to_date", "due_today", "overdue"
            )
        },
        "calls": {
            (t, d): (n, s) for t, d, n, s in rows(CallDayFigure, "team_id", "day", "calls", "spoke")
        },
        "escalations": {
            (t, r, a): n
            for t, r, a, n in rows(EscalationFigure, "team_id", "reason", "age", "count")
        },
        "requests": {
            (t, nd, s): (n, late)
            for t, nd, s, n, late in rows(
                HelpFigure, "team_id", "need", "status", "count", "past_target"
            )
        },
        "arrears": {
            (t, r): (o, d, c)
            for t, r, o, d, c in rows(
                ArrearsFigure, "team_id", "reason", "open", "review_due", "closed"
            )
        },
        "services": {s: n for s, n in rows(ServiceFigure, "status", "count") if n},
    }


# The page and the lists, five managers at once, each a separate process ------------------------
#
# As the app is served: gunicorn runs several worker processes, each rendering its own requests
# on whichever core is free. Threads in this one process would render one at a time (the GIL),
# so five managers' requests would queue behind each other's template rendering; processes
# (forked, each with its own database connection and its own signed-in client) do not.

DRILL_DOWNS = (
    ("overdue tenants", "/dashboard/lists/tenants/", {"standing": "overdue"}),
    ("overdue aged 70+", "/dashboard/lists/tenants/", {"standing": "overdue", "cohort": "aged_70"}),
    ("overdue, page 40", "/dashboard/lists/tenants/", {"standing": "overdue", "page": "40"}),
    ("escalations past target", "/dashboard/lists/escalations/", {"past_target": "on"}),
    ("requests past target", "/dashboard/lists/requests/", {"past_target": "on"}),
    ("calls, last 90 days", "/dashboard/lists/calls/", {}),
    ("trend (90 days)", "/dashboard/trend/", {}),
)
# Half the register as a download: timed once, alone, after the pages (five at once of half a
# million rows each would measure the machine's memory, not a page).
LIST_CSV = ("overdue tenants CSV", "/dashboard/lists/tenants.csv", {"standing": "overdue"})
PAGE_CSV = ("CSV download (calls)", "/dashboard/calls.csv")


def signed_in(manager_id):
    """A Django test client signed in as the manager with two-factor passed: every request
    goes through the whole middleware stack (sessions, CSRF, two-factor, CSP, access log)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import User

    manager = User.objects.get(pk=manager_id)
    client = Client()
    client.force_login(manager)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = manager.totpdevice_set.get().persistent_id
    session.save()
    return client


def page_urls():
    """The dashboard page for all teams, one team and no team."""
    from accounts.models import Team

    team = Team.objects.filter(name__startswith="Bench team").order_by("name").first()
    queries = ({}, {"team": team.pk}, {"team": "none"})
    return tuple(("dashboard page", "/dashboard/", query) for query in queries)


def fetch(client, url, query):
    response = client.get(url, query)
    if response.streaming:
        for _ in response.streaming_content:  # to the last line, as a browser would
            pass
    return response.status_code


def manager_process(args):
    """One manager in a forked process: warm up untimed (templates, code, the connection), wait
    for the others, then cycle through `urls`; with `csv`, also download it after every 8th.
    Returns ({name: [seconds]}, [errors])."""
    manager_id, urls, csv, requests_each, barrier = args
    from django.db import connections

    latencies, errors = {}, []
    try:
        # Load the app as a gunicorn worker does (config/wsgi.py, which also freezes what it
        # loaded out of the garbage collector's sight); the client's handler is Django's own.
        import config.wsgi  # noqa: F401

        client = signed_in(manager_id)
        for _, url, query in urls:
            fetch(client, url, query)
        barrier.wait()
        for n in range(requests_each):
            timed_urls = [urls[n % len(urls)]]
            if csv and n % 8 == 0:
                timed_urls.append((csv[0], csv[1], timed_urls[0][2]))
            for name, url, query in timed_urls:
                started = time.perf_counter()
                status = fetch(client, url, query)
                latencies.setdefault(name, []).append(time.perf_counter() - started)
                if status != 200:
                    errors.append(f"{url} {status}")
    except Exception as error:  # reported, not swallowed: the run fails
        errors.append(repr(error))
    finally:
        connections.close_all()
    return latencies, errors


def managers_at_once(managers, urls, requests_each, csv=None):
    """Each manager a separate process, all at once: ({name: [seconds]}, errors, elapsed, load
    averages before and after)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with context.Manager() as sync:
        barrier = sync.Barrier(len(managers))
        load_before = os.getloadavg()
        started = time.perf_counter()
        with context.Pool(len(managers)) as pool:
            results = pool.map(
                manager_process,
                [(m.pk, urls, csv, requests_each, barrier) for m in managers],
            )
        elapsed = time.perf_counter() - started
    latencies, errors = {}, []
    for mine, their_errors in results:
        for name, values in mine.items():
            latencies.setdefault(name, []).extend(values)
        errors += their_errors
    return latencies, errors, elapsed, (load_before, os.getloadavg())


def list_csv_alone(manager):
    """LIST_CSV downloaded to its last line by one manager: (seconds, data rows)."""
    client = signed_in(manager.pk)
    _, url, query = LIST_CSV
    started = time.perf_counter()
    response = client.get(url, query)
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    return time.perf_counter() - started, lines - 1


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def print_latencies(latencies, managers, elapsed, loads):
    before, after = loads
    who = "1 manager alone" if managers == 1 else f"{managers} managers at once (a process each)"
    print(
        f"{who}, "
        f"{sum(map(len, latencies.values()))} "
        f"requests in {elapsed:.1f} s; load average before {before[0]:.2f} {before[1]:.2f} "
        f"{before[2]:.2f}, after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}"
    )
    for name, values in latencies.items():
        print(
            f"  {name}: {len(values)} loads, p50 {percentile(values, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
            + ("" if name.startswith("CSV") else " (goal p95 <= 500 ms)")
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--managers", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="page loads per manager")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--list-csv",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the overdue tenants CSV alone at the end (two minutes under load)",
    )
    options = parser.parse_args()

    setup_django()
    from django.db import connection
    from django.utils import timezone

    from dashboard.refresh import dashboard_refresh

    started = time.monotonic()
    ensure_tenants(options.tenants)
    managers = ensure_activity(options.tenants, options.calls)[: options.managers]
    print(f"Data ready in {time.monotonic() - started:.1f} s")
    with connection.cursor() as cursor:
        counts = {}
        for table in ("tenants_tenant", "welfare_call", "welfare_escalation",
                      "welfare_helprequest", "arrears_arrearsflag"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM welfare_call WHERE made_on >= current_date - 89")
        in_window = cursor.fetchone()[0]
    print(
        "Rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items())
        + f"; calls in the last 90 days {in_window:,}"
    )  # fmt: skip

    mismatched = []
    if options.rounds == 0:
        from dashboard.models import DashboardSnapshot

        if not DashboardSnapshot.objects.exists():
            dashboard_refresh()
        print("Refresh not timed (--rounds 0): the pages read the latest snapshot")
    else:
        # Refresh against the raw queries, alternating so both see the same cache state.
        now = timezone.now()
        raw_figures(now)  # warm up
        dashboard_refresh(now=now)
        raw_times, refresh_times = [], []
        for _ in range(options.rounds):
            seconds, raw = raw_figures(now)
            raw_times.append(seconds)
            seconds, snapshot = timed(lambda: dashboard_refresh(now=now))
            refresh_times.append(seconds)
        mine = snapshot_figures(snapshot)
        mismatched = [name for name in raw if raw[name] != mine[name]]
        best_raw, best_refresh = min(raw_times), min(refresh_times)
        print(
            f"Refresh: best {best_refresh:.2f} s, median {statistics.median(refresh_times):.2f} s"
            f" ({options.rounds} rounds)"
        )
        print(
            f"Raw GROUP BY queries: best {best_raw:.2f} s, "
            f"median {statistics.median(raw_times):.2f} s"
        )
        print(
            f"Refresh / raw: {best_refresh / best_raw:.2f}x best, "
            f"{statistics.median(refresh_times) / statistics.median(raw_times):.2f}x median "
            "(goal <= 1.5x)"
        )
        print("Figures match the raw queries: " + ("yes" if not mismatched else f"NO {mismatched}"))

    latencies, errors, elapsed, loads = managers_at_once(
        managers, page_urls(), options.requests, csv=PAGE_CSV
    )
    print_latencies(latencies, len(managers), elapsed, loads)
    latencies, drill_errors, elapsed, loads = managers_at_once(
        managers, DRILL_DOWNS, options.requests
    )
    print_latencies(latencies, len(managers), elapsed, loads)
    errors += drill_errors
    if options.list_csv:
        seconds, rows = list_csv_alone(managers[0])
        print(f"{LIST_CSV[0]}, one manager alone: {rows:,} rows in {seconds:.1f} s")
    if errors:
        print(f"Errors: {errors[:5]}")
    if errors or mismatched:
        sys.exit(1)


if __name__ == "__main__":
    main()
