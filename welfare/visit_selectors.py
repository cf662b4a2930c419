"""Reads for doorstep visits, through the one team scope (accounts.access)."""

from django.shortcuts import get_object_or_404

from accounts.access import team_scoped
from tenants.models import AccessLog
from tenants.selectors import log_tenant_read

from .visit_models import Visit


def get_visit_for_user(user, pk, *, page):
    """The visit if `user` may see it: their team's, or any for a manager; else 404. Logged
    as a read of the tenant on `page`."""
    queryset = team_scoped(Visit.objects, user, "team_id").select_related(
        "tenant__patch", "tenant__scheme", "team", "officer", "escalation", "recorded_by"
    )
    visit = get_object_or_404(queryset, pk=pk)
    log_tenant_read(user=user, tenant=visit.tenant, page=page)
    return visit


def visit_round(user):
    """The open visits `user` makes (officers: theirs and their team's unnamed ones; managers:
    every team's), in round order: patch, then address."""
    visits = team_scoped(Visit.objects.open(), user, "team_id")
    if not user.is_manager:
        visits = visits.for_officer(user)
    return visits.round_order().select_related("tenant__patch", "team", "officer")


def visit_list_for_print(user, *, page, limit=None):
    """`visit_round(user)` as a list, with one access-log row per tenant on it: the printed
    list carries addresses and what to ask, so each tenant on it counts as read. Two queries,
    however many visits. The home panel shows the first `limit`."""
    visits = list(visit_round(user)[:limit])
    AccessLog.objects.bulk_create(
        AccessLog(user=user, kind=AccessLog.Kind.VIEW, tenant_id=visit.tenant_id, page=page[:200])
        for visit in visits
    )
    return visits
