"""Per officer, over a period: calls made, the contact rate, Here to Help requests raised and
open, escalations raised (issue 20). One GROUP BY per figure, whatever the number of officers
or rows."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from here_to_help.models import HelpRequest
from welfare.models import Call, Escalation

PERIODS = {"7": 7, "30": 30, "90": 90}


@dataclass
class OfficerLine:
    officer: User
    calls: int = 0
    spoke: int = 0
    raised: int = 0
    open_owned: int = 0
    escalations: int = 0

    @property
    def contact_rate(self):
        return self.spoke * 100 // self.calls if self.calls else None


def _since(days, today):
    start = today - timedelta(days=days - 1)
    return timezone.make_aware(datetime.combine(start, time.min))


def workload(*, days=30, team_id=None, today=None):
    """One line per active officer (of `team_id`, or every team), busiest first."""
    today = today or timezone.localdate()
    since = _since(days, today)
    officers = User.objects.filter(role=User.Role.OFFICER, is_active=True).select_related("team")
    if team_id:
        officers = officers.filter(team_id=team_id)
    lines = {o.pk: OfficerLine(o) for o in officers.order_by("team__name", "first_name", "id")}
    calls = (
        Call.objects.filter(made_on__gte=since.date(), officer__in=list(lines))
        .values("officer")
        .annotate(n=Count("id"), spoke=Count("id", filter=Q(outcome=Call.Outcome.SPOKE)))
        .order_by()
    )
    for row in calls:
        lines[row["officer"]].calls, lines[row["officer"]].spoke = row["n"], row["spoke"]
    raised = (
        HelpRequest.objects.filter(raised_at__gte=since, raised_by__in=list(lines))
        .values("raised_by")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in raised:
        lines[row["raised_by"]].raised = row["n"]
    owned = (
        HelpRequest.objects.open()
        .filter(owner__in=list(lines))
        .values("owner")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in owned:
        lines[row["owner"]].open_owned = row["n"]
    # An escalation is raised by the call that made it: the task's last call before it opened.
    last_caller = (
        Call.objects.filter(task=OuterRef("task"), made_at__lte=OuterRef("opened_at"))
        .order_by("-made_at", "-id")
        .values("officer")[:1]
    )
    escalations = (
        Escalation.objects.filter(opened_at__gte=since, task__isnull=False)
        .annotate(raiser=Subquery(last_caller))
        .filter(raiser__in=list(lines))
        .values("raiser")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in escalations:
        lines[row["raiser"]].escalations = row["n"]
    return list(lines.values())
