"""Reads for the campaign pages: the list, one campaign, and its progress."""

from datetime import datetime, time

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .call_models import Call, Escalation
from .campaign_models import Campaign, CampaignCall, CampaignReach
from .campaign_rules import members


def campaign_list():
    """Every campaign, running ones first, with their question counts."""
    return Campaign.objects.annotate(question_count=Count("questions")).order_by(
        "status", "-starts_on", "id"
    )


def get_campaign_for_user(user, pk):
    """A campaign for a manager (the views let no one else in); 404 for one that is not there."""
    queryset = Campaign.objects.select_related("created_by", "closed_by").prefetch_related(
        "questions", "teams", "patches"
    )
    return get_object_or_404(queryset, pk=pk)


def _start(campaign):
    return timezone.make_aware(datetime.combine(campaign.starts_on, time.min))


def with_progress(campaign, on):
    """The campaign's current tenants, each marked reached (spoken to since the campaign
    began), attempted (called, not reached) and escalated (an escalation open now)."""
    reached = CampaignReach.objects.filter(
        campaign=campaign, tenant=OuterRef("pk"), reached_at__gte=_start(campaign)
    )
    called = CampaignCall.objects.filter(campaign=campaign, call__tenant=OuterRef("pk"))
    escalated = Escalation.objects.filter(tenant=OuterRef("pk"), status=Escalation.Status.OPEN)
    return members(campaign, on).annotate(
        is_reached=Exists(reached), was_called=Exists(called), is_escalated=Exists(escalated)
    )


FIGURES = {
    "tenants": Count("id"),
    "reached": Count("id", filter=Q(is_reached=True)),
    "attempted": Count("id", filter=Q(is_reached=False, was_called=True)),
    "not_tried": Count("id", filter=Q(is_reached=False, was_called=False)),
    "escalated": Count("id", filter=Q(is_escalated=True)),
}


def campaign_progress(campaign, on):
    """Totals and one row per team (None: tenants with no patch), in two queries, plus the
    calls made in the campaign by day."""
    tenants = with_progress(campaign, on).order_by()
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


def not_reached(campaign, on):
    """The campaign's current tenants not reached since it began, by team then name."""
    return (
        with_progress(campaign, on)
        .filter(is_reached=False)
        .select_related("patch__team")
        .order_by("patch__team__name", "last_name", "first_name", "id")
    )
