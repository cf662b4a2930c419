"""Reads for support providers: the list by staffing status, one provider, counts for panels."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tenants.models import SupportProvider, Tenant

from .provider_models import ProviderOversight, Staffing

STATUS_ORDER = {Staffing.CRITICAL: 0, Staffing.STRETCHED: 1, "": 2, Staffing.ADEQUATE: 3}


def providers_for_user(user):
    """Providers a manager sees (all) or an officer's team owns, with their oversight."""
    providers = SupportProvider.objects.select_related("oversight__team").order_by("name")
    if not user.is_manager:
        providers = providers.filter(oversight__team_id=user.team_id)
    return providers


def get_provider_for_user(user, pk):
    """A provider a manager, or an officer of the team that owns it, may see; else 404."""
    provider = get_object_or_404(providers_for_user(user), pk=pk)
    if not user.is_manager and provider.oversight.team_id != user.team_id:
        raise Http404
    return provider


def supported_tenants(provider):
    """Current tenants the provider supports, directly or through their scheme."""
    return Tenant.objects.current().filter(
        Q(support_provider=provider) | Q(scheme__support_provider=provider)
    )


def staffing_summary(user):
    """How many providers are at each staffing status, and how many check-ins are overdue."""
    oversight = ProviderOversight.objects.all()
    if not user.is_manager:
        oversight = oversight.filter(team_id=user.team_id)
    return oversight.aggregate(
        critical=Count("id", filter=Q(staffing=Staffing.CRITICAL)),
        stretched=Count("id", filter=Q(staffing=Staffing.STRETCHED)),
        adequate=Count("id", filter=Q(staffing=Staffing.ADEQUATE)),
        unknown=Count("id", filter=Q(staffing="")),
        overdue=Count("id", filter=Q(next_check_in_on__lt=timezone.localdate())),
    )


def critical_providers():
    return ProviderOversight.objects.filter(staffing=Staffing.CRITICAL).select_related(
        "provider", "team"
    )


def check_ins_due(team_id, on=None):
    """A team's provider check-ins due on `on` (default today) or before, oldest first."""
    return (
        ProviderOversight.objects.filter(
            team_id=team_id, next_check_in_on__lte=on or timezone.localdate()
        )
        .select_related("provider")
        .order_by("next_check_in_on", "id")
    )
