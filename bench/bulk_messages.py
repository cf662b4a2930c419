"""How long a bulk message to 100,000 tenants takes to queue, and how fast workers drain it.

    .venv/bin/python bench/bulk_messages.py [--tenants N] [--rate R] [--drain SECONDS]

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/welfare_msg_bench,
created and migrated if missing) and Redis (REDIS_URL, default redis://127.0.0.1:6379/14, on a
queue of its own). N tenants who can be texted are generated in SQL in one scheme, with 2%
more who opted out, 1% with no mobile and 0.5% who died, kept between runs. Each run empties
the messages, then times:

* preview: the recipient count and the left-out reasons (what the manager sees first);
* queue: `bulk_message_send` from the click to the last batch task in Redis: the rows written
  by INSERT ... SELECT in batches, and one task per 500 rows. Goal: under 30 s for 100,000.

It prints the process's peak memory (max RSS) before and after queueing. With --drain, a real
Celery worker (no Notify key: the outbox) then drains the queue for that many seconds at the
bulk message's rate limit (--rate, default 3,000 a minute, Notify's default), and the rate
achieved is printed; the rest of the queue is purged.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_msg_bench")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUE = "bench-messages"
SCHEME = "Bench bulk scheme"
# Read by the settings when queue_data's setup_django() starts Django (and by the worker).
os.environ.update(
    REDIS_URL=REDIS,
    CELERY_TASK_DEFAULT_QUEUE=QUEUE,
    CELERY_TASK_ALWAYS_EAGER="false",
    NOTIFY_API_KEY="",
)

from queue_data import setup_django  # noqa: E402


def ensure_tenants(count):
    from django.db import connection

    from accounts.models import Patch, Team
    from tenants.models import Scheme

    team, _ = Team.objects.get_or_create(name="Bench messages team")
    patch, _ = Patch.objects.get_or_create(code="MB-1", defaults={"name": "Bench", "team": team})
    scheme, _ = Scheme.objects.get_or_create(name=SCHEME, defaults={"type": "independent_living"})
    extra = count // 50 + count // 100 + count // 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_tenant WHERE scheme_id = %s", [scheme.pk])
        if cursor.fetchone()[0] == count + extra:
            print(f"Using the {count + extra:,} generated tenants already in the database")
            return scheme
        started = time.monotonic()
        cursor.execute(
            "TRUNCATE messaging_message, messaging_bulkmessage, messaging_contactpreference, "
            "messaging_historicalcontactpreference, messaging_failingcontact, "
            "tenants_accesslog, tenants_historicaltenant, tenants_tenant CASCADE"
        )
        # g <= count: reachable; then opted out, no mobile, died.
        cursor.execute(
            """
            INSERT INTO tenants_tenant (
                tenancy_ref, first_name, last_name, date_of_birth, phone, mobile, no_phone,
                email, address_line_1, address_line_2, town, postcode, patch_id, scheme_id,
                lifeline, interpreter_language, communication_needs, deceased_on,
                created_at, updated_at)
            SELECT 'MB-' || lpad(g::text, 7, '0'),
                (ARRAY['Margaret','Peter','Agnieszka','John','Susan'])[1 + g %% 5],
                (ARRAY['Holt','Ashworth','Nowak','Smith','Patel','Walsh'])[1 + g %% 6],
                current_date - 25000, '',
                CASE WHEN g > %(no_mobile_from)s AND g <= %(died_from)s THEN ''
                     ELSE '+4477009' || lpad((g %% 100000)::text, 5, '0') END,
                false, '', g || ' Mill Lane', '', 'Preston', 'PR1 2AB', %(patch)s, %(scheme)s,
                false, '', '',
                CASE WHEN g > %(died_from)s THEN current_date - 1 END,
                now(), now()
            FROM generate_series(1, %(total)s) g
            """,
            {
                "no_mobile_from": count + count // 50,
                "died_from": count + count // 50 + count // 100,
                "total": count + extra,
                "patch": patch.pk,
                "scheme": scheme.pk,
            },
        )
        cursor.execute(
            """
            INSERT INTO messaging_contactpreference
                (tenant_id, no_sms, no_email, preferred_channel, source, note, updated_at)
            SELECT id, true, false, '', 'housing_system', '', now() FROM tenants_tenant
            WHERE scheme_id = %s AND tenancy_ref > %s AND tenancy_ref <= %s
            """,
            [scheme.pk, f"MB-{count:07d}", f"MB-{count + count // 50:07d}"],
        )
        cursor.execute("VACUUM ANALYZE tenants_tenant")
        cursor.execute("ANALYZE messaging_contactpreference")
    print(f"Generated {count + extra:,} tenants in SQL in {time.monotonic() - started:.1f} s")
    return scheme


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def drain(seconds, bulk):
    from config.celery_app import app
    from messaging.models import Message, Status

    env = {**os.environ, "DEBUG": "true"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            "-Q",
            QUEUE,
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(5)  # the worker starting
        before = Message.objects.filter(bulk=bulk).exclude(status=Status.QUEUED).count()
        started = time.monotonic()
        time.sleep(seconds)
        done = Message.objects.filter(bulk=bulk).exclude(status=Status.QUEUED).count()
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        app.control.purge()
    per_minute = (done - before) * 60 / elapsed
    print(
        f"drain: {done - before:,} messages in {elapsed:.0f} s = {per_minute:,.0f} a minute "
        f"(limit {bulk.rate_per_minute:,}); {done:,} done in all"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=3000)
    parser.add_argument("--drain", type=int, default=0, help="seconds of draining to measure")
    options = parser.parse_args()

    setup_django()
    from django.db import connection

    from accounts.models import User
    from config.celery_app import app
    from messaging import bulk

    scheme = ensure_tenants(options.tenants)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE messaging_message, messaging_bulkmessage CASCADE")
    app.control.purge()
    manager, _ = User.objects.get_or_create(
        username="bench.manager", defaults={"role": "manager", "first_name": "Bench"}
    )
    draft = bulk.bulk_message_create(
        user=manager,
        title="Bench",
        body="Easy-read guidance: keep warm this winter.",
        channel="sms",
        scheme=scheme,
        rate_per_minute=options.rate,
    )
    rss_before = max_rss_mb()
    started = time.perf_counter()
    preview = bulk.bulk_preview(draft)
    preview_s = time.perf_counter() - started
    print(
        f"preview: {preview['recipients']:,} recipients, left out "
        + ", ".join(f"{reason} {n:,}" for reason, n in preview["left_out"])
        + f" in {preview_s:.2f} s"
    )
    # Above 500 recipients a second manager approves; the approval is the step that queues.
    bulk.bulk_message_send(bulk=draft, user=manager)
    approver, _ = User.objects.get_or_create(
        username="bench.approver", defaults={"role": "manager", "first_name": "Approver"}
    )
    started = time.perf_counter()
    queued = bulk.bulk_message_approve(bulk=draft, user=approver)
    queue_s = time.perf_counter() - started
    waiting = app.connection().default_channel.client.llen(QUEUE)
    print(
        f"queue: {queued.recipient_count:,} messages written and {waiting:,} batch tasks in "
        f"Redis in {queue_s:.2f} s (goal < 30 s); peak memory {rss_before:.0f} MB before, "
        f"{max_rss_mb():.0f} MB after"
    )
    if options.drain:
        drain(options.drain, queued)
    else:
        app.control.purge()


if __name__ == "__main__":
    main()
