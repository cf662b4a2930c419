from django.db.models import Count, Min, Q
from django.utils import timezone

from . import provider_selectors, selectors
from .call_models import Escalation, QueueGap
from .models import CallTask, booked_call_back, claim_cutoff, queue_state_q
from .visit_selectors import visit_list_for_print, visit_round

PANEL_VISITS = 10


def queue_panels(user):
    """Officers see their team's queue and their own calls; managers the total waiting."""
    if not (user.is_officer or user.is_manager):
        return []
    tasks = CallTask.objects.open()
    if not user.is_manager:
        tasks = tasks.filter(team_id=user.team_id)
    mine = Q(claimed_by=user, claimed_at__gte=claim_cutoff(timezone.now())) | Q(assigned_to=user)
    now = timezone.now()
    # Only the times tenants asked for: a retry after no answer on a call-back stays assigned
    # to the officer, from midnight, and is not a call-back "due now" (nor one "at 00:00").
    call_backs = Q(assigned_to=user, available_from__isnull=False) & Q(booked_call_back())
    counts = tasks.order_by().aggregate(
        # As the queue page counts them (QUEUE_STATES): not held, and not a retry or
        # call-back before its time.
        waiting=Count("id", filter=queue_state_q("waiting", now)),
        mine=Count("id", filter=mine),
        call_backs_due=Count("id", filter=call_backs & Q(available_from__lte=now)),
        next_call_back=Min("available_from", filter=call_backs & Q(available_from__gt=now)),
    )
    # One call held: the panel names its tenant and links back to it (one more query, only
    # then). A list, so home logs the tenant named (config.views.home).
    counts["my_call"] = (
        list(tasks.filter(mine).select_related("tenant")[:1]) if counts["mine"] == 1 else []
    )
    if user.is_manager:
        # The overview's own figures (its rows added up), so home's "waiting now across all
        # teams" is the sum of the overview's "Waiting now" column, said beside the calls in the
        # queue that it does not count (being made, not due yet).
        totals = selectors.overview_totals(selectors.team_overview(timezone.localdate(), now))
        counts["waiting"] = totals["waiting"]
        counts["totals"] = totals
    return [
        {
            "template": "welfare/panels/queue.html",
            # A manager's figures are every team's, whichever team they belong to.
            "team": None if user.is_manager else user.team,
            "takes_calls": user.is_officer,
            **counts,
        }
    ]


def call_back_panels(user):
    """Officers: a banner for each call-back they booked whose time has come (issue 14)."""
    if not user.is_officer:
        return []
    call_backs = selectors.call_backs_due(user)
    if not call_backs:
        return []
    return [{"template": "welfare/panels/call_backs_due.html", "call_backs": call_backs}]


def escalation_panels(user):
    """Managers: open escalations, and any due tenant the morning check found uncovered."""
    if not user.is_manager:
        return []
    summary = Escalation.objects.filter(status=Escalation.Status.OPEN).aggregate(
        open=Count("id"), oldest=Min("opened_at")
    )
    gaps = QueueGap.objects.filter(resolved_at__isnull=True).count()
    return [{"template": "welfare/panels/escalations.html", "gaps": gaps, **summary}]


def visit_panels(user):
    """Officers: the doorstep visits they make, in round order (welfare.visit_selectors)."""
    if not user.is_officer:
        return []
    visits = visit_list_for_print(user, page="/", limit=PANEL_VISITS)
    # "And 4 more": the visits past the first PANEL_VISITS, counted only when the panel is full
    # (never a negative count; the ones not shown are neither listed nor logged as read).
    more = visit_round(user).count() - len(visits) if len(visits) == PANEL_VISITS else 0
    return [{"template": "welfare/panels/visits.html", "visits": visits, "more": more}]


CHECK_INS_SHOWN = 5


def provider_panels(user):
    """Officers: their team's provider check-ins due. Managers: providers whose last check-in
    found staffing critical (the escalation), and overdue check-ins."""
    if user.is_officer:
        due = provider_selectors.check_ins_due(user.team_id)
        shown = list(due[:CHECK_INS_SHOWN])
        if not shown:
            return []
        count = len(shown) if len(shown) < CHECK_INS_SHOWN else due.count()
        return [{"template": "welfare/panels/check_ins.html", "due": shown, "count": count}]
    if not user.is_manager:
        return []
    critical = list(provider_selectors.critical_providers())
    overdue = provider_selectors.staffing_summary(user)["overdue"]
    if not critical and not overdue:
        return []
    return [{"template": "welfare/panels/providers.html", "critical": critical, "overdue": overdue}]


def panels(user):
    return [
        *call_back_panels(user),
        *escalation_panels(user),
        *provider_panels(user),
        *queue_panels(user),
        *visit_panels(user),
    ]
