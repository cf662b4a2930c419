import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min, Prefetch, Q
from django.shortcuts import get_object_or_404

from .models import PUBLIC_ORDER, Service, ServiceGroup, Status, StatusChange


def _with_current(queryset, at):
    # A sliced Prefetch: the database picks each service's latest change in force (a window
    # function), so this is one query however long the history grows.
    return queryset.prefetch_related(
        Prefetch(
            "changes",
            queryset=StatusChange.objects.in_force(at)[:1],
            to_attr="current_changes",
        )
    )


def _current(service):
    return service.current_changes[0] if service.current_changes else None


# A public message "sends tenants to the Contact Centre" when it names it or gives its number:
# "contact centre" (or "contact center") in any case, or `CONTACT_PHONE` with spaces ignored.
# A plain text match, so "Contact the Customer Contact Centre", "Phone or email the customer
# contact centre" and "call 0161 4960000" all count; a message that only says "phone us" does not.
_NAMES_CENTRE = re.compile(r"contact\s+cent(?:re|er)", re.IGNORECASE)


def sends_tenants_to_contact_centre(message):
    """Whether a public message tells tenants to contact or phone the Customer Contact Centre."""
    if _NAMES_CENTRE.search(message):
        return True
    number = re.sub(r"\s", "", settings.CONTACT_PHONE)
    return bool(number) and number in re.sub(r"\s", "", message)


def _mark_messages_sending_to_a_closed_centre(services):
    """While the Contact Centre (`settings.CONTACT_CENTRE_SERVICE`) is currently unavailable,
    mark each other service whose message in force sends tenants to it
    (`sends_to_closed_centre`), for the register to warn beside it; else mark none."""
    centre = next((s for s in services if s.slug == settings.CONTACT_CENTRE_SERVICE), None)
    closed = (
        centre is not None
        and centre.current is not None
        and centre.current.status == Status.UNAVAILABLE
    )
    for service in services:
        service.sends_to_closed_centre = (
            closed
            and service is not centre
            and service.current is not None
            and sends_tenants_to_contact_centre(service.current.message)
        )


def service_register(*, at):
    """Every service with its change in force (`current`) and what is scheduled (`scheduled`),
    and whether its message sends tenants to the Contact Centre while it is unavailable
    (`sends_to_closed_centre`)."""
    services = list(
        _with_current(Service.objects.all(), at).prefetch_related(
            Prefetch(
                "changes",
                queryset=StatusChange.objects.scheduled(at).select_related("created_by"),
                to_attr="scheduled",
            )
        )
    )
    for service in services:
        service.current = _current(service)
        service.needs_review = _needs_review(service, at)
    _mark_messages_sending_to_a_closed_centre(services)
    # As tenants find them on the public page: by group, then the group's own order.
    groups = list(ServiceGroup)
    services.sort(key=lambda s: (groups.index(s.group), s.position, s.name))
    return services


# A message about a reduced or closed service that nobody has touched for this long may no
# longer be true ("Closed for a few days while we make repairs" in force for ten weeks): the
# register asks the manager to check it, unless a change is already scheduled.
REVIEW_AFTER = timedelta(days=14)


def _needs_review(service, at):
    current = service.current
    return (
        current is not None
        and current.status != Status.OPERATING
        and at - current.effective_at >= REVIEW_AFTER
        and not service.scheduled
    )


def get_service(slug):
    """A service by slug, or 404. Services are not team data: any manager may open any of them."""
    return get_object_or_404(Service, slug=slug)


def get_change(pk):
    return get_object_or_404(StatusChange.objects.select_related("service"), pk=pk)


def service_history(*, service, at):
    """Every change to `service`, newest effective time first, with the staff who made it, each
    with a `state`: scheduled, in force, replaced or cancelled."""
    changes = list(service.changes.select_related("created_by", "cancelled_by"))
    current = service.status_at(at)
    for change in changes:
        if change.cancelled_at is not None:
            change.state = "cancelled"
        elif change.effective_at > at:
            change.state = "scheduled"
        elif change == current:
            change.state = "in force"
        else:
            change.state = "replaced"
    return changes


@dataclass
class StatusGroup:
    status: Status
    services: list = field(default_factory=list)


@dataclass
class PublicStatus:
    groups: list
    last_updated: datetime | None
    next_change_at: datetime | None

    @property
    def services(self):
        return [service for group in self.groups for service in group.services]


def public_status(*, at):
    """What the public may see at `at`: services in force, grouped by status, and when the next
    scheduled change takes effect (the moment this answer goes out of date). Three queries,
    however many services and changes.

    Scheduled changes, staff and cancelled rows stay out: only the services, their status, their
    message and when that took effect.
    """
    groups = {status: StatusGroup(status) for status in PUBLIC_ORDER}
    for service in _with_current(Service.objects.all(), at):
        service.current = _current(service)
        if service.current is not None:  # a service whose first change is still to come
            groups[service.current.status].services.append(service)
    last_updated = max(
        (s.current.effective_at for group in groups.values() for s in group.services),
        default=None,
    )
    return PublicStatus(list(groups.values()), last_updated, next_change_at(at=at))


def next_change_at(*, at):
    """When the next scheduled change takes effect: the public outputs are good until then."""
    return StatusChange.objects.scheduled(at).values_list("effective_at", flat=True).first()


def changes_in_force(*, at, service=None, limit=50):
    """The latest changes to have taken effect, for the public feeds (no staff, no cancelled)."""
    changes = StatusChange.objects.in_force(at).select_related("service")
    if service is not None:
        changes = changes.filter(service=service)
    return list(changes[:limit])


# The public pages: what tenants see. No staff, no cancelled rows.

RECENT_DAYS = 7


@dataclass
class ServiceGroupView:
    group: ServiceGroup
    services: list = field(default_factory=list)


@dataclass
class PublicOverview:
    groups: list
    recent: list  # changes in force that took effect in the last RECENT_DAYS, newest first
    upcoming: list  # scheduled changes, soonest first
    last_updated: datetime | None
    next_change_at: datetime | None


def public_overview(*, at):
    """The tenants' page: services by group with their status, what changed in the last week
    and what is scheduled. Four queries, however many services and changes."""
    groups = {group: ServiceGroupView(group) for group in ServiceGroup}
    services = list(_with_current(Service.objects.all(), at))
    for service in services:
        service.current = _current(service)
        if service.current is not None:
            service.current.service = service  # no query to name it in "recent"
            groups[service.group].services.append(service)
    since = at - timedelta(days=RECENT_DAYS)
    recent = sorted(
        (s.current for s in services if s.current and s.current.effective_at >= since),
        key=lambda change: change.effective_at,
        reverse=True,
    )
    upcoming = list(StatusChange.objects.scheduled(at).select_related("service"))
    last_updated = max((s.current.effective_at for s in services if s.current), default=None)
    return PublicOverview(
        groups=[g for g in groups.values() if g.services],
        recent=recent,
        upcoming=upcoming,
        last_updated=last_updated,
        next_change_at=upcoming[0].effective_at if upcoming else None,
    )


@dataclass
class PublicService:
    service: Service
    current: StatusChange | None
    timeline: list  # changes that have taken effect, newest first
    upcoming: list
    next_change_at: datetime | None


TIMELINE_LIMIT = 100


def contact_centre(*, at):
    """The change in force for the service the public pages tell tenants to phone
    (`settings.CONTACT_CENTRE_SERVICE`, the register's Customer Contact Centre), with its
    service, or None: the pages' "call us" follows its status. One query."""
    return (
        StatusChange.objects.in_force(at)
        .filter(service__slug=settings.CONTACT_CENTRE_SERVICE)
        .select_related("service")
        .first()
    )


def public_service(*, slug, at):
    """One service's public page: its status, its timeline and what is scheduled for it."""
    service = get_service(slug)
    timeline = list(service.changes.in_force(at)[:TIMELINE_LIMIT])
    upcoming = list(service.changes.scheduled(at))
    return PublicService(
        service=service,
        current=timeline[0] if timeline else None,
        timeline=timeline,
        upcoming=upcoming,
        next_change_at=next_change_at(at=at),
    )


def public_history(*, at):
    """Every service (with `first_change_at`) and every change not cancelled, past and
    scheduled, oldest first, for the Statuspage API: two queries.

    The whole history is read: a few rows a service a month, and the result is cached.
    """
    services = list(
        Service.objects.annotate(
            first_change_at=Min("changes__effective_at", filter=Q(changes__cancelled_at=None))
        ).order_by("position", "name")  # Meta.ordering does not apply to a GROUP BY
    )
    changes = list(
        StatusChange.objects.filter(cancelled_at__isnull=True).order_by("effective_at", "pk")
    )
    return services, changes
