from celery import shared_task

from .refresh import dashboard_refresh


# The task keeps its name from before the dashboard was an app of its own, so the beat schedule
# and any message already queued still find it.
@shared_task(name="welfare.refresh_dashboard")
def refresh_dashboard_task():
    """The every-15-minutes beat job (config/celery_app.py). Safe to run twice."""
    snapshot = dashboard_refresh()
    if snapshot is None:
        return {"skipped": True}
    return {
        "skipped": False,
        "snapshot": snapshot.pk,
        "computed_at": snapshot.computed_at.isoformat(),
        "seconds": snapshot.seconds,
    }
