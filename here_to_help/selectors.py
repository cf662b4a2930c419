"""Here to Help reads: requests scoped to who may see them, the lists, and the directory."""

from datetime import timedelta

from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tenants.selectors import log_tenant_read

from .models import (
    HelpRequest,
    Need,
    Organisation,
    OrganisationArea,
    OrganisationNeed,
    directory_valid_days,
)

OPEN, ALL, UNOWNED, NO_TEAM = "open", "all", "unowned", "none"


def get_request_for_user(user, pk, *, page):
    """The request if `user` may see its tenant: their team's, or any for a manager; else 404.
    The request shows the tenant's name with their health or money needs (special category
    data), so the read is logged on `page` as a view of the tenant's record is."""
    queryset = HelpRequest.objects.visible_to(user).select_related(
        "tenant__patch__team",
        "owner",
        "team",
        "raised_by",
        "arrears_considered_by",
        "source_task",
    )
    help_request = get_object_or_404(queryset, pk=pk)
    log_tenant_read(user=user, tenant=help_request.tenant, page=page)
    return help_request


def request_history(help_request):
    """Notes and signposts, oldest first."""
    notes = help_request.notes.select_related("author")
    signposts = help_request.signposts.select_related("organisation", "given_by")
    return list(notes), list(signposts)


def _filtered(queryset, *, need="", status=OPEN, owner="", past_target=False, team="", now):
    if need:
        queryset = queryset.filter(need=need)
    if status == OPEN or not status:
        queryset = queryset.open()
    elif status != ALL:
        queryset = queryset.filter(status=status)
    if owner == UNOWNED:
        queryset = queryset.filter(owner__isnull=True)
    elif owner:
        queryset = queryset.filter(owner_id=owner)
    if team == NO_TEAM:
        queryset = queryset.filter(team__isnull=True)
    elif team:
        queryset = queryset.filter(team_id=team)
    if past_target:
        queryset = queryset.past_target(now)
    return queryset.ranked(now).select_related("tenant", "owner", "team")


def my_requests(user, now=None, **filters):
    """Requests `user` owns (of tenants they may still see), past target first."""
    now = now or timezone.now()
    queryset = HelpRequest.objects.visible_to(user).filter(owner=user)
    return _filtered(queryset, now=now, **{**filters, "owner": ""})


def team_requests(user, now=None, **filters):
    """Requests of the tenants `user`'s team looks after (every team's for a manager)."""
    now = now or timezone.now()
    if not user.is_manager:
        filters["team"] = ""
    return _filtered(HelpRequest.objects.visible_to(user), now=now, **filters)


def tenant_requests(tenant, limit=20):
    """A tenant's requests for their record: open ones first, then the most recent."""
    return list(
        HelpRequest.objects.filter(tenant=tenant)
        .ranked()
        .select_related("owner")
        .order_by(F("resolved_at").desc(nulls_first=True), "-is_late", "due_at", "-id")[:limit]
    )


def help_context(user, tenant):
    """Context for the Here to Help part of the tenant record (keys start with `help_`)."""
    requests = tenant_requests(tenant)
    return {
        "help_requests": requests,
        "help_open_count": sum(1 for r in requests if r.is_open),
    }


def arrears_to_consider(user):
    """Open financial-difficulty requests of `user`'s team's tenants no one has considered an
    arrears flag for yet, oldest first. Raising a flag from the request counts as considering."""
    return (
        HelpRequest.objects.visible_to(user)
        .open()
        .filter(need=Need.FINANCIAL, arrears_considered_at__isnull=True, arrears_flags__isnull=True)
        .select_related("tenant")
        .order_by("raised_at", "id")
    )


def request_counts(user, now=None):
    """For the home panel: the user's open requests, their team's unowned ones, and how many
    of each are past target, in one query."""
    now = now or timezone.now()
    late = Q(due_at__lt=now)
    return (
        HelpRequest.objects.visible_to(user)
        .open()
        .aggregate(
            mine=Count("id", filter=Q(owner=user)),
            mine_late=Count("id", filter=Q(owner=user) & late),
            unowned=Count("id", filter=Q(owner__isnull=True)),
            unowned_late=Count("id", filter=Q(owner__isnull=True) & late),
        )
    )


# The resource directory.

VALID, NEEDS_VALIDATION, CLOSED = "valid", "needs_validation", "closed"


def _with_needs_and_areas(queryset):
    return queryset.select_related("validated_by").prefetch_related(
        Prefetch("needs", queryset=OrganisationNeed.objects.order_by("need")),
        Prefetch("areas", queryset=OrganisationArea.objects.order_by("outward_code")),
    )


def directory(*, need="", area="", show="", now=None):
    """Directory entries, filtered: by need, by an outward code covered, and by state."""
    queryset = Organisation.objects.all()
    if need:
        queryset = queryset.meeting(need)
    if area:
        queryset = queryset.covering(area)
    if show == VALID:
        queryset = queryset.valid(now)
    elif show == NEEDS_VALIDATION:
        queryset = queryset.needs_validation(now)
    elif show == CLOSED:
        queryset = queryset.filter(temporarily_closed=True)
    return _with_needs_and_areas(queryset)


def get_organisation(pk):
    return get_object_or_404(_with_needs_and_areas(Organisation.objects.all()), pk=pk)


def offered_organisations(help_request, now=None):
    """What a request may be signposted to (`OrganisationQuerySet.offered_for`)."""
    return _with_needs_and_areas(Organisation.objects.offered_for(help_request, now))


def directory_needing_validation_count(now=None):
    return Organisation.objects.needs_validation(now).count()


def public_directory(*, now, need="", district=""):
    """The directory as the public sees it (help centre, Open Referral feed): entries validated
    in the last 90 days (settings.HELP_DIRECTORY_VALID_DAYS) and open, with needs and areas
    prefetched, filtered by need and postcode district when given. Three queries.

    Selected fields only: who validated an entry is staff data and never leaves here.
    """
    organisations = Organisation.objects.valid(now).prefetch_related("needs", "areas")
    if need:
        organisations = organisations.meeting(need)
    if district:
        organisations = organisations.covering(district)
    return list(organisations.defer("validated_by"))


def public_directory_expires_at(organisations):
    """When the first of these entries passes 90 days without validation and must leave the
    public outputs: a cached copy is good until then."""
    validated = [organisation.validated_at for organisation in organisations]
    return min(validated) + timedelta(days=directory_valid_days()) if validated else None
