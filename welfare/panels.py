from django.db.models import Count, Min, Q
from django.utils import timezone

from . import help_selectors
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
    now = timezone.now()
    call_backs = Q(assigned_to=user, available_from__isnull=False)
    counts = tasks.order_by().aggregate(
        waiting=Count("id"),
        mine=Count("id", filter=mine),
        call_backs_due=Count("id", filter=call_backs & Q(available_from__lte=now)),
        next_call_back=Min("available_from", filter=call_backs & Q(available_from__gt=now)),
    )
    return [{"template": "welfare/panels/queue.html", "team": user.team, **counts}]


ARREARS_SHOWN = 10


def help_panels(user):
    """Here to Help: open requests for staff, financial difficulty waiting for an income
    officer's decision on an arrears flag, and directory entries a manager must validate."""
    counts = help_selectors.request_counts(user)
    result = [{"template": "help/panels/requests.html", **counts}]
    if user.is_income_officer:
        waiting = help_selectors.arrears_to_consider(user)
        requests = list(waiting[:ARREARS_SHOWN])
        count = len(requests) if len(requests) < ARREARS_SHOWN else waiting.count()
        if count:
            result.append(
                {"template": "help/panels/arrears.html", "requests": requests, "count": count}
            )
    if user.is_manager:
        stale = help_selectors.directory_needing_validation_count()
        if stale:
            result.append({"template": "help/panels/directory.html", "count": stale})
    return result


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
    return [*escalation_panels(user), *queue_panels(user), *help_panels(user)]
