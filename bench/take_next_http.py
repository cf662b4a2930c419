""" "Take next call" as officers use it: 50 signed-in officers pressing the button over HTTP.

    .venv/bin/python bench/take_next_http.py [--tenants N] [--officers 50] [--claims 40]
                                             [--workers 4] [--worker-class sync|gthread]
                                             [--threads 4] [--think-ms 0] [--rounds 2]

On PostgreSQL (see queue_data.py for the database and the generated tenants; the queue is built
first if it has no open tasks). gunicorn serves the app on a spare port of 127.0.0.1 with the
production settings (bench/hello_settings.py: DEBUG off, the same middleware) and the
benchmark's own two extra URLs (bench/hello_urls.py), one of them a signed-in no-op: a POST that
needs an officer's sign-in and CSRF token like "Take next call", and does nothing else.

Each officer is one client thread (in two processes) with a session of its own, made by the test
client's force_login in this process against the same database and SECRET_KEY, and a CSRF token
of its own. Each presses "Take next call" (`POST /queue/next/`) --claims times, pausing between
presses for --think-ms on average (each pause drawn between half and one and a half times it,
and the first press after a pause drawn within one, so that officers do not press in step), and
the server answers with a redirect to the call it was given. The same officers POST the no-op
the same number of times, in --rounds alternating rounds of each. Printed: presses per second of
each, "Take next call"'s against the no-op's (goal at least 0.8x), p50/p95/p99 of a press (goal
p95 <= 100 ms) and duplicates, which must be 0: a call given to an officer while another officer
still held it. "Take next call" gives back the call an officer held before, so a call may
rightly be given again after its holder pressed once more; a duplicate is a call given to B
between A being given it and A's next press.

What the two paces measure:

- --think-ms 0 (back to back, the default): 50 clients keep the server saturated, so the rate
  is the server's capacity and the ratio compares the cost of a press with the no-op's. With 50
  clients on 4 sync workers, a press waits for a free worker most of its time: p95 is then mostly
  queueing (about 50 / 4 requests ahead of it), not the claim, on either URL.
- --think-ms 2000 or more (a pace): an officer presses "Take next call" once per call, minutes
  apart; a pause of seconds is already more than 50 officers offer in real use. The rate is then
  set by the pause (both URLs get the same), so the ratio is about 1 by design; p95 is what a
  pressing officer waits, with the server not saturated: this is the figure the goal
  (p95 <= 100 ms) is about.

--worker-class gthread runs each of the --workers processes with --threads threads (gunicorn's
threaded workers): a press waits for a thread, not a process.
"""

import argparse
import http.client
import multiprocessing
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from itertools import combinations
from pathlib import Path

from queue_data import URL, ensure_tenants, setup_django
from status_load import free_port, percentile, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
TAKE_NEXT, NOOP = "/queue/next/", "/_bench/noop"
TASK = re.compile(r"/task/(\d+)/")


def server_env(static_root, secret_key):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.hello_settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "consolemail://",
        "DATABASE_URL": URL,
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
    }


def post(port, path, cookie, token):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=b"",
            headers={
                "Cookie": cookie,
                "X-CSRFToken": token,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def _client_process(port, path, officers, presses, think, results):
    """One process of officer threads: each presses `path` `presses` times."""
    rows, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(len(officers))

    def officer(name, cookie, token):
        mine, bad = [], []
        pauses = random.Random(name)
        barrier.wait()
        if think:
            # Officers at a pace start at random moments within one pause, not all at once.
            time.sleep(think * pauses.uniform(0, 1))
        for _ in range(presses):
            sent = time.perf_counter()
            try:
                status, location = post(port, path, cookie, token)
            except OSError as error:
                bad.append(repr(error))
                continue
            received = time.perf_counter()
            if status != 302:
                bad.append(f"HTTP {status}")
            found = TASK.search(location)
            mine.append((name, sent, received, int(found[1]) if found else None))
            if think:
                time.sleep(think * pauses.uniform(0.5, 1.5))
        with lock:
            rows.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=officer, args=item) for item in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((rows, errors))


def drive(port, path, officers, presses, think):
    """Every officer presses `path`: (seconds, [(officer, sent, received, task)], errors)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    halves = [officers[0::2], officers[1::2]]
    workers = [
        context.Process(target=_client_process, args=(port, path, half, presses, think, results))
        for half in halves
        if half
    ]
    for worker in workers:
        worker.start()
    gathered = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    rows = [row for part in gathered for row in part[0]]
    errors = [error for part in gathered for error in part[1]]
    seconds = max(row[2] for row in rows) - min(row[1] for row in rows)
    return seconds, rows, errors


def duplicates(rows):
    """Calls given to one officer while another still held them (see the module's text)."""
    by_officer = {}
    for name, sent, received, task in sorted(rows, key=lambda row: row[1]):
        by_officer.setdefault(name, []).append((sent, received, task))
    held = {}  # task: [(from, until, officer)]
    for name, presses in by_officer.items():
        for index, (_sent, received, task) in enumerate(presses):
            if task is None:
                continue
            until = presses[index + 1][0] if index + 1 < len(presses) else float("inf")
            held.setdefault(task, []).append((received, until, name))
    found = 0
    for spans in held.values():
        spans.sort()
        for (start, until, name), (later_start, _u, later_name) in combinations(spans, 2):
            if later_name != name and start <= later_start < until:
                found += 1
    return found


def report(label, seconds, rows, errors):
    latencies = [(received - sent) * 1000 for _n, sent, received, _t in rows]
    rate = len(rows) / seconds
    print(
        f"{label:<16}{len(rows):>8}{len(errors):>8}{rate:>10.1f}"
        f"{percentile(latencies, 0.5):>9.1f}{percentile(latencies, 0.95):>9.1f}"
        f"{percentile(latencies, 0.99):>9.1f}"
    )
    if errors:
        print(f"  first errors: {errors[:3]}")
    return rate, percentile(latencies, 0.95)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--claims", type=int, default=40, help="presses per officer")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads a gthread worker")
    parser.add_argument(
        "--think-ms", type=int, default=0, help="average pause between an officer's presses"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each")
    options = parser.parse_args()

    static_root = Path(tempfile.mkdtemp(prefix="welfare-bench-static-"))
    secret_key = "bench-only-" + secrets.token_urlsafe(40)
    env = server_env(static_root, secret_key)
    # This process makes the sessions: the server's settings, so its SECRET_KEY signs them.
    os.environ.update({k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"})
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Team, User
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
    team = Team.objects.filter(name__startswith="Bench team").order_by("name").first()
    officers = []
    for n in range(options.officers):
        user, _ = User.objects.update_or_create(
            username=f"bench.officer.{n:02d}", defaults={"role": User.Role.OFFICER, "team": team}
        )
        client = Client()
        client.force_login(user)
        token = secrets.token_hex(16)  # a CSRF secret of 32 characters, sent as cookie and header
        cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}"
        officers.append((user.username, cookie, token))
    waiting = CallTask.objects.open().filter(team=team).count()
    print(
        f"{options.officers} officers of {team.name} ({waiting:,} open tasks in its queue), "
        f"{options.claims} presses each a round, {options.rounds} rounds, "
        f"{options.think_ms} ms between presses"
    )

    server = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--worker-class",
                options.worker_class,
                "--threads",
                str(options.threads if options.worker_class == "gthread" else 1),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port, server, timeout=180)
        kind = (
            f"gthread workers of {options.threads} threads"
            if options.worker_class == "gthread"
            else "sync workers"
        )
        print(
            f"gunicorn: {options.workers} {kind} on port {port}, {os.cpu_count()} CPUs "
            f"shared with the clients and PostgreSQL; load average {os.getloadavg()[0]:.1f}"
        )
        for path in (NOOP, TAKE_NEXT):  # warm-up: every worker's imports and connection
            for _name, cookie, token in officers[:8]:
                status, _location = post(port, path, cookie, token)
                assert status == 302, (path, status)
        think = options.think_ms / 1000
        # Rounds alternate, so that a change in the machine's other load falls on both.
        results = {"no-op": (0.0, [], []), "take next call": (0.0, [], [])}
        for _round in range(options.rounds):
            for label, path in (("no-op", NOOP), ("take next call", TAKE_NEXT)):
                seconds, rows, errors = drive(port, path, officers, options.claims, think)
                total = results[label]
                results[label] = (total[0] + seconds, total[1] + rows, total[2] + errors)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(static_root, ignore_errors=True)

    print(
        f"{'':<16}{'presses':>8}{'errors':>8}{'per s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    noop_rate, _p95 = report("no-op", *results["no-op"])
    rate, p95 = report("take next call", *results["take next call"])
    rows = results["take next call"][1]
    given = [row for row in rows if row[3] is not None]
    found = duplicates(rows)
    held = CallTask.objects.filter(claimed_by__username__startswith="bench.officer.").count()
    print(
        f"claims: {len(given):,} calls given; {rate / noop_rate:.2f}x the no-op rate "
        f"(goal >= 0.8x); p95 {p95:.1f} ms (goal <= 100 ms); duplicates {found} (must be 0); "
        f"calls held by the officers at the end {held} (at most {options.officers}); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    assert found == 0 and held <= options.officers, "a call was given to two officers"


if __name__ == "__main__":
    main()
