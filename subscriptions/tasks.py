"""Thin Celery tasks: the beat jobs that tell subscribers and delete the unconfirmed
(subscriptions.actions)."""

from celery import shared_task

from . import actions


@shared_task(name="subscriptions.notify_subscribers")
def notify_subscribers():
    return actions.notify_subscribers()


@shared_task(name="subscriptions.discard_lapsed")
def discard_lapsed():
    """Hourly: subscribers who never confirmed go once their link or code has expired."""
    return actions.discard_lapsed()
