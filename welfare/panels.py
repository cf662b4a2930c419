from django.db.models import Count, Q
from django.utils import timezone

from .models import CallTask, claim_cutoff


def panels(user):
    """Officers see their team's queue and their own calls; managers the total waiting."""
    if not (user.is_officer or user.is_manager):
        return []
    tasks = CallTask.objects.open()
    if not user.is_manager:
        tasks = tasks.filter(team_id=user.team_id)
    mine = Q(claimed_by=user, claimed_at__gte=claim_cutoff(timezone.now())) | Q(assigned_to=user)
    counts = tasks.order_by().aggregate(waiting=Count("id"), mine=Count("id", filter=mine))
    return [{"template": "welfare/panels/queue.html", "team": user.team, **counts}]
