"""Thin Celery task: the beat job that tells subscribers (subscriptions.actions)."""

from celery import shared_task

from . import actions


@shared_task(name="subscriptions.notify_subscribers")
def notify_subscribers():
    return actions.notify_subscribers()
