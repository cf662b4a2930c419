"""Reads for the campaign pages: the list, one campaign, and its progress."""

from django.db.models import Case, Count, DateField, Exists, OuterRef, Q, Subquery, When
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .call_models import Call, Escalation
from .campaign_models import Campaign, CampaignCall, CampaignReach
from .campaign_rules import joined_on, members
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
    the campaign since they joined it), attempted (called in it since then, not reached) and
    escalated (an escalation open now). They joined it when it began, when they were added
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
    return tenants.annotate(
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
