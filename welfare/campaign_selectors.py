"""Reads for the campaign pages: the list, one campaign, and its progress."""

from django.db.models import Case, Count, DateField, Exists, OuterRef, Q, Subquery, When
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import team_scoped
from tenants.models import Tenant

from . import call_config
from .cadence import call_tenants
from .call_models import Call, Escalation
from .campaign_models import Campaign, CampaignCall, CampaignReach
from .campaign_rules import due_in, joined_on, members
from .models import CallTask
from .provider_models import ProviderOversight, Staffing


def _critical():
    """The providers whose staffing is critical now (a handful), longest critical first."""
    return ProviderOversight.objects.filter(staffing=Staffing.CRITICAL).order_by(
        "staffing_since", "id"
    )


def campaign_list():
    """Every campaign, running ones first, with their question counts and, for the
    provider-critical campaign, `critical_since`: the day the provider critical longest went
    critical (None: none is), its "From" rather than the seeded 2020 start."""
    first_critical = _critical().annotate(day=TruncDate("staffing_since")).values("day")[:1]
    return Campaign.objects.annotate(
        question_count=Count("questions"),
        critical_since=Case(
            When(kind=Campaign.Kind.PROVIDER_CRITICAL, then=Subquery(first_critical)),
            output_field=DateField(),
        ),
    ).order_by("status", "-starts_on", "id")


def critical_spells(campaign):
    """For the provider-critical campaign: each provider critical now with the day it went
    critical, which is when its tenants joined the campaign (its "Period"); else None."""
    if campaign.kind != Campaign.Kind.PROVIDER_CRITICAL:
        return None
    rows = _critical().select_related("provider").only("provider__name", "staffing_since")
    return [
        {"provider": row.provider.name, "since": timezone.localdate(row.staffing_since)}
        for row in rows
        if row.staffing_since
    ]


def get_campaign_for_user(user, pk):
    """A campaign for a manager (the views let no one else in); 404 for one that is not there."""
    queryset = Campaign.objects.select_related("created_by", "closed_by").prefetch_related(
        "questions", "teams", "patches"
    )
    return get_object_or_404(queryset, pk=pk)


def with_progress(campaign, on):
    """The campaign's current tenants, each marked reached (spoken to on a call that covered
    the campaign since they joined it), attempted (called in it since then, not reached),
    escalated (an escalation open now) and whether they can be called (`can_be_called`: not
    declined calls nor in hospital on `on`, cadence.eligible_for_calls: no call is made to
    the others). They joined it when it began, when they were added
    to its list, or when their provider went critical (campaign_rules.joined_on): a call from
    an earlier critical spell, or from before they were on the list, does not count."""
    tenants = members(campaign, on).annotate(campaign_joined_on=joined_on(campaign))
    reached = CampaignReach.objects.filter(
        campaign=campaign,
        tenant=OuterRef("pk"),
        reached_at__date__gte=OuterRef("campaign_joined_on"),
    )
    called = CampaignCall.objects.filter(
        campaign=campaign,
        call__tenant=OuterRef("pk"),
        call__made_on__gte=OuterRef("campaign_joined_on"),
    )
    escalated = Escalation.objects.filter(tenant=OuterRef("pk"), status=Escalation.Status.OPEN)
    callable_ = call_tenants().eligible_for_calls(on).filter(pk=OuterRef("pk"))
    return tenants.annotate(
        is_reached=Exists(reached),
        was_called=Exists(called),
        is_escalated=Exists(escalated),
        can_be_called=Exists(callable_),
    )


# Each figure on the campaign page, as the condition its tenants meet: the figures count them
# and the figures' lists (`figure_tenants`) filter by them, so a list always holds its figure.
# Each tenant is in one of reached, attempted, not yet tried and not called (they add up to
# the tenants); a tenant not reached who declined calls or is in hospital is "not called", not
# "not yet tried": no call will be made. Escalated counts across them.
FIGURE_FILTERS = {
    "tenants": Q(),
    "reached": Q(is_reached=True),
    "attempted": Q(is_reached=False, was_called=True, can_be_called=True),
    "not_tried": Q(is_reached=False, was_called=False, can_be_called=True),
    "not_called": Q(is_reached=False, can_be_called=False),
    "escalated": Q(is_escalated=True),
}
# The lists: each figure's, and the close page's "not reached" (attempted or not yet tried).
LIST_FILTERS = {**FIGURE_FILTERS, "not_reached": Q(is_reached=False, can_be_called=True)}
FIGURE_NAMES = {
    "tenants": "Tenants",
    "reached": "Reached",
    "attempted": "Attempted",
    "not_tried": "Not yet tried",
    "not_called": "Not called: declined calls or in hospital",
    "escalated": "Escalated",
    "not_reached": "Not reached: attempted or not yet tried",
}
FIGURES = {
    name: Count("id", filter=condition) if condition else Count("id")
    for name, condition in FIGURE_FILTERS.items()
}
NO_TEAM = "none"  # the figures' row of tenants with no patch


def campaign_progress(campaign, on, user=None):
    """Totals and one row per team (None: tenants with no patch), in two queries, plus the
    calls made in the campaign by day. `user`: only the tenants they may see (the figures'
    lists are scoped the same way)."""
    tenants = with_progress(campaign, on).order_by()
    if user is not None:
        tenants = tenants.visible_to(user)
    totals = tenants.aggregate(**FIGURES)
    by_team = list(
        tenants.values("patch__team_id", "patch__team__name")
        .annotate(**FIGURES)
        .order_by("patch__team__name")
    )
    by_day = list(
        CampaignCall.objects.filter(campaign=campaign)
        .values("call__made_on")
        .annotate(
            calls=Count("id"),
            reached=Count("id", filter=Q(call__outcome=Call.Outcome.SPOKE)),
        )
        .order_by("-call__made_on")
    )
    return {"totals": totals, "by_team": by_team, "by_day": by_day}


def figure_tenants(campaign, on, *, user, figure, team=""):
    """The tenants one figure on the campaign page counts: `figure` a key of LIST_FILTERS,
    `team` a team's id, NO_TEAM or "" (every team), those `user` may see. Each with
    `last_call_at` and `last_outcome`: their latest call in the campaign since they joined it.
    By team, then name: one query however many."""
    tenants = with_progress(campaign, on).visible_to(user).filter(LIST_FILTERS[figure])
    if team == NO_TEAM:
        tenants = tenants.filter(patch__team__isnull=True)
    elif team:
        tenants = tenants.filter(patch__team_id=team)
    last = CampaignCall.objects.filter(
        campaign=campaign,
        call__tenant=OuterRef("pk"),
        call__made_on__gte=OuterRef("campaign_joined_on"),
    ).order_by("-call__made_at", "-call_id")
    return (
        tenants.annotate(
            last_call_at=Subquery(last.values("call__made_at")[:1]),
            last_outcome=Subquery(last.values("call__outcome")[:1]),
        )
        .select_related("patch__team")
        .order_by("patch__team__name", "last_name", "first_name", "id")
    )


def figure_state(tenant):
    """A figure list's "State" cell, in the words of the campaign page's columns."""
    if tenant.is_reached:
        state = "Reached"
    elif not tenant.can_be_called:
        state = "Not called: " + ("declined calls" if tenant.declined_calls_on else "in hospital")
    else:
        state = "Attempted" if tenant.was_called else "Not yet tried"
    return f"{state}, escalated" if tenant.is_escalated else state


def outcome_label(tenant):
    """The outcome of a figure list's tenant's last call in the campaign ("No answer"), or ""."""
    return Call.Outcome(tenant.last_outcome).label if tenant.last_outcome else ""


def last_attempt(tenant):
    """A figure list's "Last attempt" cell: "2 Dec 2026, 10:15: No answer", or ""."""
    if tenant.last_call_at is None:
        return ""
    return f"{timezone.localtime(tenant.last_call_at):%-d %b %Y, %H:%M}: {outcome_label(tenant)}"


# The campaign page's "Today's queue" figures, as the condition their tenants meet: counted by
# `in_todays_queue`, listed by `todays_queue_tenants`.
QUEUE_FILTERS = {
    "queued": Q(has_call=True),
    "with_manager": Q(has_call=False, held=True),
    "waiting": Q(has_call=False, held=False),
}
QUEUE_NAMES = {
    "queued": "In today's queue",
    "with_manager": "Due today, with a manager",
    "waiting": "Due today, joining at the next build",
}


def _due_today(campaign, on):
    """The campaign's tenants due on `on` (campaign_rules.due_in, as the build reads them),
    each marked `has_call` (an open call task) and `held` (an open escalation)."""
    open_task = CallTask.objects.filter(tenant=OuterRef("pk"), status=CallTask.Status.OPEN)
    escalated = Escalation.objects.filter(tenant=OuterRef("pk"), status=Escalation.Status.OPEN)
    # The due rule's own annotations include aggregates: read through it as a semi-join.
    return Tenant.objects.filter(pk__in=due_in(campaign, on).order_by().values("pk")).annotate(
        has_call=Exists(open_task), held=Exists(escalated)
    )


def in_todays_queue(campaign, on):
    """Of the campaign's tenants due on `on`: how many have a call in the queue, how many are
    with a manager instead (an open escalation: no call until it closes), and how many wait
    for the next build. One query."""
    counts = (
        _due_today(campaign, on)
        .order_by()
        .aggregate(
            due=Count("id"),
            **{name: Count("id", filter=condition) for name, condition in QUEUE_FILTERS.items()},
        )
    )
    return counts


def todays_queue_tenants(campaign, on, *, user, show):
    """The tenants one of the "Today's queue" figures counts (`show`, a key of QUEUE_FILTERS),
    those `user` may see, by team then name: one query."""
    return (
        _due_today(campaign, on)
        .visible_to(user)
        .filter(QUEUE_FILTERS[show])
        .select_related("patch__team")
        .order_by("patch__team__name", "last_name", "first_name", "id")
    )


def day_calls(campaign, day, *, user, reached_only=False):
    """The calls made in the campaign on `day` (a row of its "Calls by day"), to tenants `user`
    may see; `reached_only`: those that spoke to the tenant (its "Reached"). Earliest first,
    with tenant, team and officer: one query."""
    calls = team_scoped(
        Call.objects.filter(campaigns__campaign=campaign, made_on=day),
        user,
        "tenant__patch__team_id",
    )
    if reached_only:
        calls = calls.filter(outcome=Call.Outcome.SPOKE)
    return calls.select_related("tenant__patch__team", "officer").order_by("made_at", "id")


CLOSE_FIGURES = ("attempted", "not_tried", "not_called")


def not_reached(campaign, on, *, user):
    """The close page's list: the campaign's tenants `user` may see who have not been reached
    since they joined it and can still be called (the campaign page's Attempted and Not yet
    tried), by team then name. Those who will not be called (declined calls, in hospital) are
    its "Not called" figure, counted apart (`close_figures`)."""
    return (
        with_progress(campaign, on)
        .visible_to(user)
        .filter(LIST_FILTERS["not_reached"])
        .select_related("patch__team")
        .order_by("patch__team__name", "last_name", "first_name", "id")
    )


def close_figures(campaign, on, *, user):
    """The close page's counts, by the campaign page's rules (FIGURE_FILTERS): attempted, not
    yet tried, their sum `not_reached`, and not called. One query."""
    tenants = with_progress(campaign, on).visible_to(user).order_by()
    figures = tenants.aggregate(**{name: FIGURES[name] for name in CLOSE_FIGURES})
    figures["not_reached"] = figures["attempted"] + figures["not_tried"]
    return figures


def campaigns_due_among(tenant_ids, on):
    """{tenant id: [campaign]}: the running campaigns each of `tenant_ids` is due in on `on`
    (campaign_rules.due_in, as the build reads them), for the queue's "why now". Not the
    programme nor provider critical: the cohorts' cadence rule calls their tenants, and the
    queue names them with the cohorts (selectors.cohorts_of). One query for a page of tenants
    (the running campaigns are the process's copy, welfare.call_config)."""
    campaigns = [
        campaign
        for campaign in call_config.running_campaigns(on)
        if not campaign.follows_cadence_rule
    ]
    if not campaigns or not tenant_ids:
        return {}
    cadences = call_config.active_cadences()
    checks = {
        f"due_{n}": Exists(due_in(campaign, on, cadences).filter(pk=OuterRef("pk")))
        for n, campaign in enumerate(campaigns)
    }
    rows = (
        Tenant.objects.filter(pk__in=tenant_ids)
        .annotate(**checks)
        .values_list("pk", *checks)
        .order_by()
    )
    return {
        pk: [campaign for campaign, due in zip(campaigns, flags, strict=True) if due]
        for pk, *flags in rows
    }
