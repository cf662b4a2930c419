import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives here, in code, in Europe/London time. RedBeat keeps it in Redis and
# holds the lock that keeps a single beat running; each job also takes a PostgreSQL advisory lock.
app.conf.beat_schedule = {
    # Uploaded import files (personal data) are deleted once a day old. Safe to run twice.
    "imports-discard-stale-files": {
        "task": "imports.discard_stale_files",
        "schedule": crontab(minute=10),
    },
    # What officers typed on calls they left and never finished (welfare.CallDraft) is deleted
    # a week after it was last kept. Safe to run twice (an advisory lock; a second run finds none).
    "welfare-discard-stale-drafts": {
        "task": "welfare.discard_stale_drafts",
        "schedule": crontab(hour=3, minute=40),
    },
    # The day's welfare call queue, before the first officer signs in. Running it twice is safe.
    "welfare-build-call-queue": {
        "task": "welfare.build_call_queue",
        "schedule": crontab(hour=6, minute=0),
    },
    # After the build: any due tenant with neither a call task nor an escalation is listed on
    # managers' home pages (a vulnerable tenant must never silently drop out). Safe to run twice.
    "welfare-queue-check": {
        "task": "welfare.queue_check",
        "schedule": crontab(hour=6, minute=20),
    },
    # Arrears flags whose review date has come are marked "review due". Safe to run twice.
    "arrears-mark-reviews-due": {
        "task": "arrears.mark_reviews_due",
        "schedule": crontab(hour=6, minute=30),
    },
    # Delivery receipts Notify's callback did not bring: asked for by id. Safe to run twice.
    "messaging-poll-receipts": {
        "task": "messaging.poll_receipts",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Single messages whose task never reached the broker (Redis was down when they were
    # recorded) go to a worker again. Safe to run twice: a message is claimed before it is sent.
    "messaging-requeue-stuck": {
        "task": "messaging.requeue_stuck",
        "schedule": crontab(minute="5-59/10"),
        "options": {"expires": 9 * 60},
    },
    # The manager dashboard's summary tables, worked out again from the live data. Safe to run
    # twice (a second at the same time skips); one not started within 14 minutes is dropped,
    # as the next is on its way.
    "welfare-refresh-dashboard": {
        "task": "welfare.refresh_dashboard",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # Status page subscribers told of changes that took effect or are 24 hours away. Safe to
    # run twice (an advisory lock, and one Notification row per subscriber and change).
    "subscriptions-notify": {
        "task": "subscriptions.notify_subscribers",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
    # Status page subscribers who never confirmed are deleted once their link or code has
    # expired (24 hours), so an address no one confirms is kept 25 hours at most. Safe to run
    # twice (an advisory lock; a second run finds none).
    "subscriptions-discard-lapsed": {
        "task": "subscriptions.discard_lapsed",
        "schedule": crontab(minute=25),
    },
}


@app.task(name="config.ping")
def ping():
    """Round trip for health checks and the worker test."""
    return "pong"
