"""50 officers pressing "Take next call" at once: no task claimed twice, and how long a claim takes.

    .venv/bin/python bench/queue_claims.py [--tenants N] [--officers 50] [--claims 40]
                                           [--teams 1]

On PostgreSQL (see queue_data.py for the database and the generated tenants; the queue is built
first if it has no open tasks). The officers are threads, each with its own database connection,
all in the same team unless --teams spreads them: the worst case, every one of them racing for
the top of one queue. Each officer claims --claims tasks one after another through
`call_task_claim_next` (what the "Take next call" button runs), keeping them all.

Prints claims per second and the latency of a claim (p50, p95, p99, max; goal p95 <= 100 ms),
and checks that no task was claimed twice, both from what the officers were given and from the
database.
"""

import argparse
import statistics
import threading
import time

from queue_data import TEAMS, ensure_tenants, setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--teams", type=int, default=1, help=f"teams used, 1 to {TEAMS}")
    options = parser.parse_args()

    setup_django()
    from django.db import connection, connections
    from django.utils import timezone

    from accounts.models import Team, User
    from welfare.actions import call_task_claim_next
    from welfare.models import CallTask
    from welfare.queue import build_call_queue

    ensure_tenants(options.tenants)
    if not CallTask.objects.open().exists():
        started = time.perf_counter()
        result = build_call_queue(on=timezone.localdate())
        print(f"Built the queue: {result.opened:,} tasks in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE welfare_calltask SET claimed_by_id = NULL, claimed_at = NULL "
            "WHERE claimed_by_id IS NOT NULL"
        )
        cursor.execute("VACUUM ANALYZE welfare_calltask")

    teams = list(Team.objects.filter(name__startswith="Bench team").order_by("name"))
    teams = teams[: options.teams]
    officers = []
    for n in range(options.officers):
        officer, _ = User.objects.update_or_create(
            username=f"bench.officer.{n:02d}",
            defaults={"role": User.Role.OFFICER, "team": teams[n % len(teams)]},
        )
        officers.append(officer)
    waiting = CallTask.objects.open().filter(team__in=teams).count()
    print(
        f"{options.officers} officers in {len(teams)} team(s) with {waiting:,} open tasks; "
        f"{options.claims} claims each"
    )

    barrier = threading.Barrier(len(officers))
    latencies, claimed, errors = [], [], []
    lock = threading.Lock()

    def officer_work(officer):
        mine, times = [], []
        try:
            connection.ensure_connection()
            barrier.wait()
            for _ in range(options.claims):
                started = time.perf_counter()
                task = call_task_claim_next(user=officer)
                times.append(time.perf_counter() - started)
                if task is None:
                    break
                mine.append(task.pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()
        with lock:
            latencies.extend(times)
            claimed.extend(mine)

    threads = [threading.Thread(target=officer_work, args=(o,)) for o in officers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors

    duplicates = len(claimed) - len(set(claimed))
    in_database = CallTask.objects.filter(claimed_by__in=officers).count()
    latencies.sort()
    ms = [value * 1000 for value in latencies]
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"{len(claimed):,} claims in {elapsed:.1f} s ({len(claimed) / elapsed:,.0f} claims/s); "
        f"duplicates {duplicates}; tasks claimed in the database {in_database:,}"
    )
    print(
        f"claim latency: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms "
        f"(goal <= 100 ms), p99 {ms[int(len(ms) * 0.99) - 1]:.1f} ms, max {ms[-1]:.1f} ms"
    )
    assert duplicates == 0 and in_database == len(claimed), "a task was claimed twice"


if __name__ == "__main__":
    main()
