from datetime import date

from celery import shared_task

from .queue import build_call_queue


@shared_task(name="welfare.build_call_queue")
def build_call_queue_task(on=None):
    """The 06:00 beat job (config/celery_app.py): today's call queue, or `on` (YYYY-MM-DD)."""
    result = build_call_queue(on=date.fromisoformat(on) if on else None)
    return result.as_dict()
