"""Atlassian Statuspage's public API v2, read-only, so that the clients, aggregators and monitoring
exporters built for Statuspage work when given our URL. The README maps our data to its fields.

- A service is a component; its group (repairs and maintenance, ...) is a component group.
- Operating is `operational`, reduced service `partial_outage`, currently unavailable
  `major_outage`.
- A stretch of time in which a service is reduced or unavailable is an incident: it opens with the
  first change away from operating, every later change is an update, and the change back to
  operating resolves it.
- A change scheduled ahead (made before the time it takes effect) is a scheduled maintenance:
  `scheduled` until it takes effect, then `completed`. It takes effect at one moment, so
  `scheduled_for` and `scheduled_until` are the same time and none is ever `in_progress`.

Every body is built once from two queries and cached like the public page.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from . import cache, selectors
from .models import ServiceGroup, Status
from .public import origin, public_response

COMPONENT_STATUS = {
    Status.OPERATING: "operational",
    Status.REDUCED: "partial_outage",
    Status.UNAVAILABLE: "major_outage",
}
IMPACT = {Status.OPERATING: "none", Status.REDUCED: "minor", Status.UNAVAILABLE: "major"}
IMPACT_ORDER = ["none", "minor", "major", "critical"]
INDICATOR_DESCRIPTION = {
    "none": "All Systems Operational",
    "minor": "Partial System Outage",
    "major": "Major System Outage",
    "critical": "Critical System Outage",
}
# What incidents.json and scheduled-maintenances.json list, newest first (Statuspage's own cap).
LIST_LIMIT = 50


def _iso(value):
    """Statuspage's form: UTC to the millisecond, '2020-04-06T08:00:00.000Z'."""
    if not value:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


@dataclass
class Incident:
    service: object
    changes: list = field(default_factory=list)  # oldest first, the resolving change last
    resolved_by: object = None


@dataclass
class Snapshot:
    """Everything the endpoints need, from selectors.public_history."""

    at: object
    base: str  # scheme and host, for the absolute URLs Statuspage gives
    services: list
    current: dict  # service pk -> change in force
    incidents: list  # newest first
    maintenances: list  # (change, status before it), newest first
    page_id: str = ""
    by_slug: dict | None = None  # component by id, once components() has run

    def url(self, name, *args):
        return self.base + reverse(name, args=args)


def snapshot(*, at, base):
    services, changes = selectors.public_history(at=at)
    by_pk = {service.pk: service for service in services}
    current, open_incidents, incidents, maintenances = {}, {}, [], []
    previous = {}  # service pk -> the status before this change, scheduled ones included
    for change in changes:
        change.service = by_pk[change.service_id]
        if change.created_at < change.effective_at:  # made ahead of time
            maintenances.append((change, previous.get(change.service_id)))
        previous[change.service_id] = change.status
        if change.effective_at > at:
            continue
        current[change.service_id] = change
        incident = open_incidents.get(change.service_id)
        if change.status != Status.OPERATING:
            if incident is None:
                incident = open_incidents[change.service_id] = Incident(change.service)
                incidents.append(incident)
            incident.changes.append(change)
        elif incident is not None:
            incident.changes.append(change)
            incident.resolved_by = change
            del open_incidents[change.service_id]
    incidents.sort(key=lambda i: (i.changes[-1].effective_at, i.changes[-1].pk), reverse=True)
    maintenances.reverse()
    return Snapshot(
        at=at,
        base=base,
        services=services,
        current=current,
        incidents=incidents,
        maintenances=maintenances,
        page_id=slugify(settings.ORGANISATION_NAME),
    )


def page(snap):
    updated = max((c.effective_at for c in snap.current.values()), default=None)
    return {
        "id": snap.page_id,
        "name": settings.ORGANISATION_NAME,
        "url": snap.url("services:public"),
        "time_zone": settings.TIME_ZONE,
        "updated_at": _iso(updated),
    }


def _component(snap, service, position):
    change = snap.current[service.pk]
    return {
        "id": service.slug,
        "name": service.name,
        "status": COMPONENT_STATUS[change.status],
        "created_at": _iso(service.first_change_at),
        "updated_at": _iso(change.effective_at),
        "position": position,
        "description": change.message,
        "showcase": True,
        "start_date": timezone.localtime(service.first_change_at).date().isoformat(),
        "group_id": f"group-{service.group}",
        "page_id": snap.page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def components(snap):
    """Groups, each followed by its services, in the public page's order."""
    shown = [s for s in snap.services if s.pk in snap.current]
    result, position = [], 0
    for group in dict.fromkeys(s.group for s in sorted(shown, key=_group_order)):
        members = [s for s in shown if s.group == group]
        position += 1
        children = []
        for service in members:
            position += 1
            children.append(_component(snap, service, position))
        worst = max(children, key=lambda c: _severity(c["status"]))
        result.append(
            {
                "id": f"group-{group}",
                "name": str(members[0].get_group_display()),
                "status": worst["status"],
                "created_at": min(c["created_at"] for c in children),
                "updated_at": max(c["updated_at"] for c in children),
                "position": position - len(children),
                "description": None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": snap.page_id,
                "group": True,
                "only_show_if_degraded": False,
                "components": [c["id"] for c in children],
            }
        )
        result.extend(children)
    return result


def _group_order(service):
    return list(ServiceGroup).index(service.group)


def _severity(component_status):
    return list(COMPONENT_STATUS.values()).index(component_status)


def status(snap):
    statuses = [c.status for c in snap.current.values()]
    if statuses and all(s == Status.UNAVAILABLE for s in statuses):
        indicator = "critical"
    else:
        indicator = max((IMPACT[s] for s in statuses), key=IMPACT_ORDER.index, default="none")
    return {"indicator": indicator, "description": INDICATOR_DESCRIPTION[indicator]}


def _update(change, incident_id, update_status, old_status):
    # A scheduled change was announced when it was made; the others when they took effect.
    when = _iso(change.created_at if update_status == "scheduled" else change.effective_at)
    return {
        "id": f"update-{change.pk}",
        "status": update_status,
        "body": change.message,
        "incident_id": incident_id,
        "created_at": when,
        "updated_at": when,
        "display_at": when,
        "affected_components": [
            {
                "code": change.service.slug,
                "name": change.service.name,
                "old_status": COMPONENT_STATUS[old_status or Status.OPERATING],
                "new_status": COMPONENT_STATUS[change.status],
            }
        ],
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _service_components(snap, service):
    if snap.by_slug is None:
        snap.by_slug = {c["id"]: c for c in components(snap)}
    component = snap.by_slug.get(service.slug)
    return [component] if component else []


def incident(snap, item):
    first, last = item.changes[0], item.changes[-1]
    incident_id = f"incident-{first.pk}"
    latest = next(c for c in reversed(item.changes) if c.status != Status.OPERATING)
    updates, old = [], None
    for change in item.changes:
        state = "resolved" if change is item.resolved_by else "identified"
        updates.append(_update(change, incident_id, state, old))
        old = change.status
    return {
        "id": incident_id,
        "name": f"{item.service.name}: {latest.get_status_display()}",
        "status": "resolved" if item.resolved_by else "identified",
        "created_at": _iso(first.effective_at),
        "updated_at": _iso(last.effective_at),
        "monitoring_at": None,
        "resolved_at": _iso(item.resolved_by.effective_at) if item.resolved_by else None,
        "impact": max((IMPACT[c.status] for c in item.changes), key=IMPACT_ORDER.index),
        "shortlink": snap.url("services:service", item.service.slug),
        "started_at": _iso(first.effective_at),
        "page_id": snap.page_id,
        "incident_updates": list(reversed(updates)),
        "components": _service_components(snap, item.service),
    }


def maintenance(snap, change, before):
    maintenance_id = f"maintenance-{change.pk}"
    done = change.effective_at <= snap.at
    return {
        "id": maintenance_id,
        "name": f"{change.service.name}: {change.get_status_display()}",
        "status": "completed" if done else "scheduled",
        "created_at": _iso(change.created_at),
        "updated_at": _iso(change.effective_at if done else change.created_at),
        "monitoring_at": None,
        "resolved_at": _iso(change.effective_at) if done else None,
        "impact": IMPACT[change.status],
        "shortlink": snap.url("services:service", change.service.slug),
        "started_at": _iso(change.effective_at),
        "page_id": snap.page_id,
        "incident_updates": [_update(change, maintenance_id, "scheduled", before)],
        "components": _service_components(snap, change.service),
        "scheduled_for": _iso(change.effective_at),
        "scheduled_until": _iso(change.effective_at),
    }


def _unresolved(snap):
    return [i for i in snap.incidents if i.resolved_by is None]


def _upcoming(snap):
    upcoming = [(c, b) for c, b in snap.maintenances if c.effective_at > snap.at]
    return sorted(upcoming, key=lambda item: (item[0].effective_at, item[0].pk))


BODIES = {
    "summary": lambda s: {
        "page": page(s),
        "components": components(s),
        "incidents": [incident(s, i) for i in _unresolved(s)],
        "scheduled_maintenances": [maintenance(s, c, b) for c, b in _upcoming(s)],
        "status": status(s),
    },
    "status": lambda s: {"page": page(s), "status": status(s)},
    "components": lambda s: {"page": page(s), "components": components(s)},
    "incidents": lambda s: {
        "page": page(s),
        "incidents": [incident(s, i) for i in s.incidents[:LIST_LIMIT]],
    },
    "incidents/unresolved": lambda s: {
        "page": page(s),
        "incidents": [incident(s, i) for i in _unresolved(s)],
    },
    "scheduled-maintenances": lambda s: {
        "page": page(s),
        "scheduled_maintenances": [maintenance(s, c, b) for c, b in s.maintenances[:LIST_LIMIT]],
    },
    "scheduled-maintenances/upcoming": lambda s: {
        "page": page(s),
        "scheduled_maintenances": [maintenance(s, c, b) for c, b in _upcoming(s)],
    },
    # A change of ours takes effect at one moment: none is ever in progress.
    "scheduled-maintenances/active": lambda s: {"page": page(s), "scheduled_maintenances": []},
}


def endpoint(request, name):
    base = origin(request)

    def build():
        at = timezone.now()
        snap = snapshot(at=at, base=base)
        body = json.dumps(BODIES[name](snap), ensure_ascii=False, cls=DjangoJSONEncoder)
        return body, selectors.next_change_at(at=at)

    entry = cache.get_or_build(f"statuspage:{name}:{base}", build)
    return public_response(entry, entry["body"], "application/json", cors=True, request=request)
