from datetime import date

from celery import shared_task

from .call_actions import queue_check
from .call_drafts import call_drafts_discard_stale
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


@shared_task(name="welfare.discard_stale_drafts")
def discard_stale_drafts_task():
    """The 03:40 beat job: call drafts nobody came back to in a week are deleted."""
    return {"deleted": call_drafts_discard_stale()}


@shared_task(name="welfare.rebuild_queue", bind=True, max_retries=60)
def rebuild_queue_task(self, rebuild_id):
    """Today's queue again after a manager's change (welfare.control_actions). If the morning
    build or another change's rebuild holds the lock, try again shortly: the change must apply."""
    from .control_actions import queue_rebuild_run

    if not queue_rebuild_run(rebuild_id=rebuild_id):
        raise self.retry(countdown=2)
    return rebuild_id
