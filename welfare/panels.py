from django.db.models import Count, Min, Q
from django.utils import timezone

from .call_models import Escalation, QueueGap
from .models import CallTask, claim_cutoff


def queue_panels(user):
    """Officers see their team's queue and their own calls; managers the total waiting."""
    if not (user.is_officer or user.is_manager):
        return []
    tasks = CallTask.objects.open()
    if not user.is_manager:
        tasks = tasks.filter(team_id=user.team_id)
    mine = Q(claimed_by=user, claimed_at__gte=claim_cutoff(timezone.now())) | Q(assigned_to=user)
    counts = tasks.order_by().aggregate(waiting=Count("id"), mine=Count("id", filter=mine))
    return [{"template": "welfare/panels/queue.html", "team": user.team, **counts}]


def escalation_panels(user):
    """Managers: open escalations, and any due tenant the morning check found uncovered."""
    if not user.is_manager:
        return []
    summary = Escalation.objects.filter(status=Escalation.Status.OPEN).aggregate(
        open=Count("id"), oldest=Min("opened_at")
    )
    gaps = QueueGap.objects.filter(resolved_at__isnull=True).count()
    return [{"template": "welfare/panels/escalations.html", "gaps": gaps, **summary}]


def panels(user):
    return [*escalation_panels(user), *queue_panels(user)]
