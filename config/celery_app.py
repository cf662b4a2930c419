import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives here, in code, in Europe/London time. RedBeat keeps it in Redis and
# holds the lock that keeps a single beat running; each job also takes a PostgreSQL advisory lock.
app.conf.beat_schedule = {}


@app.task(name="config.ping")
def ping():
    """Round trip for health checks and the worker test."""
    return "pong"
