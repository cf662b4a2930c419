"""Reads for the managers' control room: changes that can be undone, redeployments and their
history, the assignment audit per task and per officer, and escalations past their target."""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from config.dates import add_working_days

from .control_models import UNDO_MINUTES
from .models import AssignmentBatch, AssignmentEvent, Escalation, QueueSettings, Redeployment


def undoable_batches(team, now):
    """A team's changes of the last 10 minutes that can still be undone, newest first."""
    return list(
        AssignmentBatch.objects.filter(
            team=team,
            undone_at__isnull=True,
            at__gt=now - timedelta(minutes=UNDO_MINUTES),
        )
        .exclude(kind=AssignmentBatch.Kind.REDEPLOY)
        .select_related("by")
    )


def redeploy_context(form, today=None):
    """The redeployment page: current and planned ones (to end or cancel) and the history."""
    today = today or timezone.localdate()
    current = Redeployment.objects.filter(
        ends_on__gte=today, cancelled_at__isnull=True
    ).select_related("patch", "team", "created_by")
    history = Redeployment.history.select_related("history_user", "patch", "team").order_by(
        "-history_date", "-history_id"
    )[:30]
    return {"form": form, "current": current, "history": history, "today": today}


def _events():
    return AssignmentEvent.objects.select_related(
        "task__tenant", "officer_before", "officer_after", "team_before", "team_after", "by"
    )


def task_assignment_history(task):
    return _events().filter(task=task)


def officer_assignment_history(officer):
    """Every call given to or taken from `officer`, newest first."""
    return _events().filter(Q(officer_after=officer) | Q(officer_before=officer))


def escalation_target_cutoff(now=None):
    """Escalations opened before this moment are past their age target: the end of the Nth
    working day after the (Europe/London) day they were opened has gone by."""
    now = timezone.localtime(now)
    days = QueueSettings.current()["escalation_target_working_days"]
    today = now.date()
    day = today
    # The latest opening day whose target day has ended before today: step back from today.
    while add_working_days(day, days) >= today:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def escalations_past_target(now=None):
    return Escalation.objects.filter(
        status=Escalation.Status.OPEN, opened_at__lt=escalation_target_cutoff(now)
    )


def escalation_target_due(escalation):
    """The end of the last working day of the escalation's age target."""
    days = QueueSettings.current()["escalation_target_working_days"]
    opened_on = timezone.localtime(escalation.opened_at).date()
    due_on = add_working_days(opened_on, days)
    return timezone.make_aware(datetime.combine(due_on, time(23, 59, 59)))
