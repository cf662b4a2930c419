"""Reads for support providers: the list by staffing status, one provider, counts for panels."""

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import team_scoped
from tenants.models import SupportProvider, Tenant

from .provider_models import ProviderCheckInTask, ProviderOversight, Staffing

STATUS_ORDER = {Staffing.CRITICAL: 0, Staffing.STRETCHED: 1, "": 2, Staffing.ADEQUATE: 3}


def providers_for_user(user):
    """Providers in the user's team scope: a manager's all, an officer's those their team owns
    the relationship with; each with its oversight."""
    providers = SupportProvider.objects.select_related("oversight__team").order_by("name")
    return team_scoped(providers, user, "oversight__team_id")


def provider_list(user, on, *, staffing=None, overdue=False, no_team=False):
    """Every provider in the user's scope, each with its oversight: first those no team checks
    in with (a manager chooses the team), then critical, stretched, not checked in, adequate;
    the earliest check-in first within each, then by name. `staffing` "" is "not checked in";
    None is any. One query; providers number in the hundreds, so no index orders them."""
    rows = providers_for_user(user)
    if staffing is not None:
        rows = rows.filter(oversight__staffing=staffing)
    if overdue:
        rows = rows.filter(oversight__next_check_in_on__lt=on)
    if no_team:
        rows = rows.filter(oversight__isnull=True)
    rank = Case(
        When(oversight__isnull=True, then=Value(-1)),
        *(When(oversight__staffing=code, then=Value(rank)) for code, rank in STATUS_ORDER.items()),
        output_field=IntegerField(),
    )
    return rows.annotate(status_rank=rank).order_by(
        "status_rank", F("oversight__next_check_in_on").asc(nulls_first=True), "name", "pk"
    )


def provider_counts(user, on):
    """The figures of the providers list, over the same providers (one query): each staffing
    status, not checked in and no team yet add up to `total`; `overdue` is among them."""
    return (
        providers_for_user(user)
        .order_by()
        .aggregate(
            total=Count("id"),
            critical=Count("id", filter=Q(oversight__staffing=Staffing.CRITICAL)),
            stretched=Count("id", filter=Q(oversight__staffing=Staffing.STRETCHED)),
            adequate=Count("id", filter=Q(oversight__staffing=Staffing.ADEQUATE)),
            not_checked_in=Count("id", filter=Q(oversight__staffing="")),
            needs_team=Count("id", filter=Q(oversight__isnull=True)),
            overdue=Count("id", filter=Q(oversight__next_check_in_on__lt=on)),
        )
    )


def needing_a_team():
    """Providers no team checks in with (made in the admin, or by the tenant import when none
    of their tenants has a patch): never checked in on until a manager chooses the team."""
    return SupportProvider.objects.filter(oversight__isnull=True)


def get_provider_for_user(user, pk):
    """A provider in the user's team scope; 404 for another team's, as for none. No tenant's
    data is shown on its page (a count of tenants), so nothing is logged."""
    return get_object_or_404(providers_for_user(user), pk=pk)


def supported_tenants(provider):
    """Current tenants the provider supports, directly or through their scheme."""
    return Tenant.objects.current().filter(
        Q(support_provider=provider) | Q(scheme__support_provider=provider)
    )


def staffing_summary(user):
    """How many providers are at each staffing status, and how many check-ins are overdue."""
    return staffing_counts(team_scoped(ProviderOversight.objects.all(), user, "team_id"))


def staffing_counts(oversight):
    """The counts of `staffing_summary` over any set of providers' oversight (one query)."""
    return oversight.order_by().aggregate(
        critical=Count("id", filter=Q(staffing=Staffing.CRITICAL)),
        stretched=Count("id", filter=Q(staffing=Staffing.STRETCHED)),
        adequate=Count("id", filter=Q(staffing=Staffing.ADEQUATE)),
        unknown=Count("id", filter=Q(staffing="")),
        overdue=Count("id", filter=Q(next_check_in_on__lt=timezone.localdate())),
    )


class _Count(Subquery):
    template = "(SELECT count(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def supported_count(on):
    """The current tenants each provider supports, directly or through a scheme, as a
    subquery over `provider_id` (two index probes a provider)."""
    tenants = Tenant.objects.current(on).order_by().values("pk")
    direct = tenants.filter(support_provider_id=OuterRef("provider_id"))
    via_scheme = tenants.filter(scheme__support_provider_id=OuterRef("provider_id")).exclude(
        support_provider_id=OuterRef("provider_id")
    )
    return _Count(direct) + _Count(via_scheme)


def oversight_list(on, *, staffing=None, overdue=False, team_id=None):
    """Providers a team checks in with, with the tenants each supports: critical first, then
    stretched, not checked in, adequate; the longest overdue first within each. `staffing` ""
    is "not checked in"; None is any."""
    rows = ProviderOversight.objects.select_related("provider", "team")
    if staffing is not None:
        rows = rows.filter(staffing=staffing)
    if overdue:
        rows = rows.filter(next_check_in_on__lt=on)
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    order = Case(
        *(When(staffing=code, then=Value(rank)) for code, rank in STATUS_ORDER.items()),
        output_field=IntegerField(),
    )
    return rows.annotate(tenant_count=supported_count(on), status_rank=order).order_by(
        "status_rank", "next_check_in_on", "provider__name", "id"
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


def team_check_in_tasks(team_id):
    """A team's open check-ins in the order "Take next call" hands them out."""
    return (
        ProviderCheckInTask.objects.open()
        .filter(team_id=team_id)
        .select_related("provider", "claimed_by")
        .order_by(*ProviderCheckInTask.RANK)
    )


def get_check_in_task_for_user(user, pk):
    """A check-in task in the user's team scope (404 otherwise). A provider's page shows no
    tenant's data (a count), so nothing is logged."""
    tasks = ProviderCheckInTask.objects.select_related("provider", "team", "claimed_by")
    return get_object_or_404(team_scoped(tasks, user, "team_id"), pk=pk)


def my_held_check_in(user, exclude=None):
    """The check-in `user` holds now, if any (the newest)."""
    from .models import claim_cutoff  # welfare.models imports the provider models at its end

    held = ProviderCheckInTask.objects.open().filter(
        claimed_by=user, claimed_at__gte=claim_cutoff()
    )
    if exclude is not None:
        held = held.exclude(pk=exclude.pk)
    return held.order_by("-claimed_at").first()
