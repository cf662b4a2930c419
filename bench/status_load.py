"""Requests per second and p95 for the public status page, the Statuspage API summary and the Open
Referral UK services list, against a hello-world view.

    .venv/bin/python bench/status_load.py [--requests N] [--concurrency C] [--workers W]

Serves the app with gunicorn on 127.0.0.1 (production settings: DEBUG off, whitenoise with
collected static files, Redis cache on redis://127.0.0.1:6379/14) and drives it from this machine
with Python processes and threads (http.client, one connection per request, as gunicorn's sync
workers close each one). Each URL gets the same bounded number of requests, after a warm-up, in
two rounds. The hello-world view (bench/hello_urls.py) goes through the same middleware and
gunicorn, so the ratio shows what the status page costs beyond the framework; the goal is at
least 0.7 of the hello-world rate, with no errors.

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/welfare_bench); it
is created and migrated if needed, and given some history (20 past changes per service and one
scheduled a month ahead, so the cache entries live their full 300 seconds) and a directory of 60
validated organisations (so /openreferral/services answers a full page of 50, about 30 KB).
"""

import argparse
import http.client
import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_bench")
REDIS_URL = "redis://127.0.0.1:6379/14"
HELLO = "/_bench/hello"
URLS = [HELLO, "/status/", "/api/v2/summary.json", "/status.json", "/openreferral/services"]
# Each must reach at least 0.7x the hello-world rate with no errors.
GOALS = ["/status/", "/api/v2/summary.json", "/openreferral/services"]
ROUNDS = 2


def bench_env(static_root):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.hello_settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "consolemail://",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        # A prefix of this run's own: no entry from another run is ever served.
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
    }


def create_database():
    parsed = urlparse(DATABASE_URL)
    name = parsed.path.lstrip("/")
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


ADD_HISTORY = """
from datetime import timedelta
from django.utils import timezone
from services.models import Service, Status, StatusChange

now = timezone.now()
services = list(Service.objects.all())
if StatusChange.objects.count() < 20 * len(services):
    statuses = list(Status)
    StatusChange.objects.bulk_create(
        StatusChange(
            service=service,
            status=statuses[i % 3],
            message=f"Bench history {i} for {service.name}.",
            effective_at=now - timedelta(days=400 - i),
            created_at=now - timedelta(days=400 - i),
        )
        for service in services
        for i in range(20)
    )
# A directory for the help centre and the Open Referral feed: 60 validated entries, each with
# two needs and three postcode districts (a page of /openreferral/services holds 50 of them).
from here_to_help.models import Need, Organisation, OrganisationArea, OrganisationNeed

if not Organisation.objects.exists():
    needs = list(Need.values)
    made = Organisation.objects.bulk_create(
        Organisation(
            name=f"Bench pantry {i:02d}", kind="charity", phone="01772 496000",
            email=f"pantry{i}@example.org", website=f"https://pantry{i}.example.org/",
            description="Food parcels, fuel vouchers and a warm space on weekdays.",
            opening_notes="Monday to Friday, 10am to 4pm",
            validated_at=now - timedelta(days=10), created_at=now,
        )
        for i in range(60)
    )
    OrganisationNeed.objects.bulk_create(
        OrganisationNeed(organisation=o, need=needs[(i + k) % len(needs)])
        for i, o in enumerate(made) for k in range(2)
    )
    OrganisationArea.objects.bulk_create(
        OrganisationArea(organisation=o, outward_code=f"PR{(i + k) % 9 + 1}")
        for i, o in enumerate(made) for k in range(3)
    )
if not StatusChange.objects.scheduled(now).exists():
    StatusChange.objects.create(
        service=services[0], status=Status.REDUCED, message="Bench: scheduled.",
        effective_at=now + timedelta(days=30), created_at=now,
    )
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, body
    finally:
        connection.close()


def wait_until_up(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} seconds")


def _client_process(port, path, count, threads, results):
    """One load-generating process: `threads` threads share `count` requests."""
    latencies, errors = [], []
    lock = threading.Lock()
    per_thread = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def run(n):
        mine, bad = [], []
        for _ in range(n):
            started = time.perf_counter()
            try:
                status, body = get(port, path)
                if status != 200 or not body:
                    bad.append(f"HTTP {status}")
            except OSError as error:
                bad.append(repr(error))
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    started = time.monotonic()
    workers = [threading.Thread(target=run, args=(n,)) for n in per_thread]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((started, time.monotonic(), latencies, errors))


def drive(port, path, total, processes, threads):
    """`total` GETs of `path` from processes x threads clients: (seconds, latencies, errors)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    counts = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
    workers = [
        context.Process(target=_client_process, args=(port, path, n, threads, results))
        for n in counts
    ]
    for worker in workers:
        worker.start()
    gathered = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    started = min(item[0] for item in gathered)
    finished = max(item[1] for item in gathered)
    latencies = [value for item in gathered for value in item[2]]
    errors = [value for item in gathered for value in item[3]]
    return finished - started, latencies, errors


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def clean_cache(prefix):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000, help="per URL per round")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help="rounds through every URL (more, shorter rounds spread a busy machine's load evenly)",
    )
    args = parser.parse_args()
    processes = min(args.concurrency, os.cpu_count() or 1)
    threads = max(1, args.concurrency // processes)

    static_root = Path(tempfile.mkdtemp(prefix="welfare-bench-static-"))
    env = bench_env(static_root)
    server = None
    try:
        started = time.monotonic()
        create_database()
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "shell", "-c", ADD_HISTORY)
        database_seconds = time.monotonic() - started

        started = time.monotonic()
        manage(env, "collectstatic", "--no-input", "-v0")
        static_seconds = time.monotonic() - started

        port = free_port()
        started = time.monotonic()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port, server)
        server_seconds = time.monotonic() - started
        print(
            f"Setup: database {database_seconds:.1f} s, collectstatic {static_seconds:.1f} s, "
            f"gunicorn ({args.workers} sync workers) up in {server_seconds:.1f} s"
        )
        print(
            f"Load: {args.requests} requests per URL per round, {args.rounds} rounds, "
            f"{processes} processes x {threads} threads, on {os.cpu_count()} CPUs "
            "shared with the server"
        )

        for path in URLS:  # warm-up: imports, connections, the cache entries
            for _ in range(50):
                status, body = get(port, path)
                assert status == 200, (path, status)
        assert b"Routine repairs and maintenance" in get(port, "/status/")[1]

        totals = {path: [0.0, [], []] for path in URLS}
        for _ in range(args.rounds):
            for path in URLS:
                seconds, latencies, errors = drive(port, path, args.requests, processes, threads)
                totals[path][0] += seconds
                totals[path][1].extend(latencies)
                totals[path][2].extend(errors)

        print(f"{'URL':<24}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}")
        rates = {}
        for path, (seconds, latencies, errors) in totals.items():
            rates[path] = len(latencies) / seconds
            print(
                f"{path:<24}{len(latencies):>10}{len(errors):>8}{rates[path]:>10.0f}"
                f"{percentile(latencies, 0.5) * 1000:>9.1f}"
                f"{percentile(latencies, 0.95) * 1000:>9.1f}"
            )
            if errors:
                print(f"  first errors: {errors[:3]}")
        for path in GOALS:
            ratio = rates[path] / rates[HELLO]
            verdict = "met" if ratio >= 0.7 and not totals[path][2] else "NOT met"
            print(f"{path} at {ratio:.2f}x the hello-world rate (goal 0.70x, no errors): {verdict}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(static_root, ignore_errors=True)
        clean_cache(env["CACHE_KEY_PREFIX"])


if __name__ == "__main__":
    main()
