"""Helpers shared by the help tests (split from test_help.py along its sections)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from here_to_help.models import target_due_at

LONDON = ZoneInfo("Europe/London")


def london(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def due_day(need, raised_at):
    """The London date a request raised at `raised_at` is due by (its end)."""
    due_at = target_due_at(need, raised_at)
    assert due_at.astimezone(LONDON).time() == time(23, 59, 59)
    return due_at.astimezone(LONDON).date()


def request_urls(help_request):
    return {
        "get": [f"/help/{help_request.pk}/", f"/help/{help_request.pk}/signpost/"],
        "post": [
            (f"/help/{help_request.pk}/note/", {"text": "A note"}),
            (f"/help/{help_request.pk}/take/", {}),
            (f"/help/{help_request.pk}/release/", {}),
            (f"/help/{help_request.pk}/status/", {"status": "in_progress"}),
            (f"/help/{help_request.pk}/signpost/", {"organisation": "1", "notes": "x"}),
        ],
    }


LIST_URLS = ["/help/", "/help/team/", "/help/directory/"]
