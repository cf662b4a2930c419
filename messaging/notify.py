"""The one place that builds GOV.UK Notify's client, and reads its answers."""

from django.conf import settings
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient


def notify_client():
    """Notify's official client from NOTIFY_API_KEY and NOTIFY_BASE_URL; None means the outbox.

    The client is not thread-safe: take one per task, never share one between threads.
    """
    if not settings.NOTIFY_API_KEY:
        return None
    return NotificationsAPIClient(
        settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=15
    )


def is_retryable(error):
    """Notify's documented advice: 429 (rate or daily limit) and 5xx are worth trying again;
    400 (bad request, trial mode) and 403 (bad key, clock) will fail the same way every time.
    The client reports a connection failure or timeout as 503."""
    return error.status_code == 429 or error.status_code >= 500


def describe(error):
    """`HTTPError.message` is Notify's list of {"error", "message"}: one line for people."""
    message = error.message
    if isinstance(message, list):
        message = "; ".join(
            f"{item.get('error')}: {item.get('message')}" if isinstance(item, dict) else str(item)
            for item in message
        )
    return f"{error.status_code} {message}"[:300]


__all__ = ["HTTPError", "describe", "is_retryable", "notify_client"]
