"""Logging welfare calls with 20 officers at once, on PostgreSQL: "Save and take next call".

    .venv/bin/python bench/call_logging.py [--officers 20] [--calls 40]

Each officer is a separate process with its own database connection and its own signed-in
Django test client going through the whole middleware stack (sessions, CSRF, two-factor,
CSP). Every officer takes a first call, then loops: submit the call form with "Save and take
next call" (spoke to tenant, one need ticked in a third of calls, or no answer), which records
the call and answers with the next call's page in the same response. That response is timed:
the record plus the next page. Then one more call is logged alone to count its queries.
With --think-ms 0 the officers submit back to back: on a 2-core machine that is a CPU-bound
stress test (20 server processes share 2 cores); --think-ms 500 paces them.
DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/
welfare_calls_bench); it is dropped and created again. Goal: p95 at most 150 ms.
"""

import argparse
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

NEXT_PAGE = re.compile(r'data-page-url="/queue/task/(\d+)/"')
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_calls_bench")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def recreate_database():
    import psycopg

    parsed = urlparse(URL)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def setup(officers, calls_each):
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from accounts.models import Patch, Team, User
    from tenants.models import Tenant
    from welfare.queue import build_call_queue

    team = Team.objects.create(name="Bench team")
    patch = Patch.objects.create(code="PR-RIB", name="Ribble", team=team)
    tenants = [
        Tenant(
            tenancy_ref=f"B-{i:06d}",
            first_name="Bench",
            last_name=f"Tenant {i}",
            date_of_birth="1950-01-01",
            phone=f"+44207946{i % 1000:04d}",
            address_line_1=f"{i} Mill Lane",
            postcode="PR1 2AB",
            patch=patch,
            lives_alone=True,
        )
        for i in range(officers * calls_each * 2)
    ]
    Tenant.objects.bulk_create(tenants, batch_size=2000)
    result = build_call_queue(on=timezone.localdate())
    ids = []
    for n in range(officers):
        user = User.objects.create(username=f"officer{n}", role="officer", team=team)
        ids.append(user.pk)
    return result.opened, ids


def officer(args):
    user_id, calls_each, think, barrier = args
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    connection.close()
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    # Warm up untimed: the first request of a fresh process loads templates and code paths.
    client.get("/queue/")
    barrier.wait()
    latencies, submitted = [], 0
    pause = random.Random(user_id)
    taken = client.post("/queue/next/")
    task_id = int(taken.url.rstrip("/").split("/")[-1])
    for n in range(calls_each):
        if think:
            time.sleep(pause.uniform(0, 2 * think))  # the officer on the phone
        data = {"idempotency_key": str(uuid.uuid4()), "notes": "Bench call", "then": "next"}
        if n % 4 == 3:
            data["outcome"] = "no_answer"
        else:
            data.update({"outcome": "spoke", "wellbeing": "good", "answer_0": "Fine thanks"})
            if n % 3 == 0:
                data["needs"] = ["food"]
        started = time.perf_counter()
        response = client.post(f"/queue/task/{task_id}/log/", data)
        submitted += 1
        if n:  # the first submission of each process loads the form's code: not timed
            latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"save and take next call answered {response.status_code}")
        task_id = int(NEXT_PAGE.search(response.content.decode())[1])
    return latencies, submitted


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--calls", type=int, default=40, help="calls per officer")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="average pause between one officer's calls (0: back to back, a stress test)",
    )
    options = parser.parse_args()
    recreate_database()
    opened, user_ids = setup(options.officers, options.calls)
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(options.officers)
    started = time.perf_counter()
    with context.Pool(options.officers) as pool:
        results = pool.map(
            officer, [(pk, options.calls, options.think_ms / 1000, barrier) for pk in user_ids]
        )
    elapsed = time.perf_counter() - started
    latencies = sorted(ms * 1000 for result, _ in results for ms in result)
    submitted = sum(count for _, count in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    from welfare.call_models import Call

    recorded = Call.objects.count()
    print(
        f"queue: {opened} tasks; {options.officers} officers at once, {len(latencies)} calls "
        f"logged in {elapsed:.1f} s ({len(latencies) / elapsed:.0f} calls/s)"
    )
    print(
        f"save and take next call (record plus next page): "
        f"median {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms (goal: p95 <= 150 ms)"
    )
    print(f"calls in the database: {recorded} for {submitted} submissions")
    print(
        f"queries per logged call: {count_queries('queue')} to record it (Save and return to "
        f"the queue), {count_queries('next')} to record it and show the next call (Save and "
        "take next call)"
    )


def count_queries(then):
    """One more call logged alone, as an officer would: the queries of that one request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="officer0"))
    taken = client.post("/queue/next/")
    task_id = int(taken.url.rstrip("/").split("/")[-1])
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "outcome": "spoke",
        "wellbeing": "good",
        "answer_0": "Fine thanks",
        "needs": ["food"],
        "then": then,
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/queue/task/{task_id}/log/", data)
    assert response.status_code == (200 if then == "next" else 302), response.status_code
    return len(queries)


if __name__ == "__main__":
    main()
