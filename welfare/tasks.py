from datetime import date

from celery import shared_task

from .call_actions import queue_check
from .queue import build_call_queue


@shared_task(name="welfare.build_call_queue")
def build_call_queue_task(on=None):
    """The 06:00 beat job (config/celery_app.py): today's call queue, or `on` (YYYY-MM-DD)."""
    result = build_call_queue(on=date.fromisoformat(on) if on else None)
    return result.as_dict()


@shared_task(name="welfare.queue_check")
def queue_check_task():
    """The 06:20 beat job: due tenants with neither a call task nor an escalation, for managers."""
    return {"missing": queue_check()}
