from datetime import date

from celery import shared_task

from .actions import mark_reviews_due


@shared_task(name="arrears.mark_reviews_due")
def mark_reviews_due_task(on=None):
    """The 06:30 beat job (config/celery_app.py): mark today's reviews due, or `on`'s."""
    return mark_reviews_due(on=date.fromisoformat(on) if on else None).as_dict()
