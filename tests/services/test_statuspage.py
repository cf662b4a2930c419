"""Atlassian Statuspage's public API v2 (/api/v2/*.json): its shapes field by field, our mapping
onto it, and a real consumer of that API (statuspage-prometheus-exporter, from PyPI) pointed at
our live server."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from services import actions, cache
from services.models import Service, Status, StatusChange
from tests.services.conftest import REPAIRS

# Run again under the fixed clocks of `make test` (dates run through all of these).
pytestmark = pytest.mark.django_db


REPAIRS_NAME = "Routine repairs and maintenance"

# The fields of Statuspage's public v2 objects, as its documentation and live pages give them.
PAGE = {"id", "name", "url", "time_zone", "updated_at"}
STATUS = {"indicator", "description"}
COMPONENT = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
GROUP = COMPONENT | {"components"}
INCIDENT = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
MAINTENANCE = INCIDENT | {"scheduled_for", "scheduled_until"}
UPDATE = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
AFFECTED = {"code", "name", "old_status", "new_status"}
COMPONENT_STATUSES = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
}  # fmt: skip
INDICATORS = {"none", "minor", "major", "critical"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ENDPOINTS = {
    "summary": {"page", "components", "incidents", "scheduled_maintenances", "status"},
    "status": {"page", "status"},
    "components": {"page", "components"},
    "incidents": {"page", "incidents"},
    "incidents/unresolved": {"page", "incidents"},
    "scheduled-maintenances": {"page", "scheduled_maintenances"},
    "scheduled-maintenances/upcoming": {"page", "scheduled_maintenances"},
    "scheduled-maintenances/active": {"page", "scheduled_maintenances"},
}


def api(name, client=None):
    response = (client or Client()).get(f"/api/v2/{name}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def tomorrow_at_nine():
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def check_component(component):
    assert set(component) == (GROUP if component["group"] else COMPONENT)
    assert component["status"] in COMPONENT_STATUSES
    assert TIMESTAMP.match(component["created_at"]) and TIMESTAMP.match(component["updated_at"])
    assert isinstance(component["position"], int)


def check_incident(incident, fields=INCIDENT, statuses=INCIDENT_STATUSES):
    assert set(incident) == fields
    assert incident["status"] in statuses
    assert incident["impact"] in INDICATORS
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE
        assert update["incident_id"] == incident["id"]
        assert update["status"] in statuses
        for affected in update["affected_components"]:
            assert set(affected) == AFFECTED
            assert {affected["old_status"], affected["new_status"]} <= COMPONENT_STATUSES
    for component in incident["components"]:
        check_component(component)


def check_shapes(data, keys):
    assert set(data) == keys
    assert set(data["page"]) == PAGE
    if "status" in data:
        assert set(data["status"]) == STATUS and data["status"]["indicator"] in INDICATORS
    for component in data.get("components", []):
        check_component(component)
    for incident in data.get("incidents", []):
        check_incident(incident)
    for maintenance in data.get("scheduled_maintenances", []):
        check_incident(maintenance, MAINTENANCE, MAINTENANCE_STATUSES)


@pytest.mark.parametrize(("name", "keys"), ENDPOINTS.items())
def test_every_endpoint_has_statuspages_fields_and_values(name, keys, repairs, boss):
    actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Urgent repairs only.", user=boss
    )
    actions.status_change_create(
        service=repairs, status=Status.OPERATING, message="Repairs are back.", user=boss,
        effective_at=tomorrow_at_nine(),
    )  # fmt: skip
    data = api(name)
    check_shapes(data, keys)
    assert data["page"]["url"] == "http://testserver/status/"
    assert data["page"]["time_zone"] == "Europe/London"


def test_services_are_components_in_their_groups():
    data = api("components")
    groups = [c for c in data["components"] if c["group"]]
    assert [g["name"] for g in groups] == [
        "Repairs and maintenance", "Independent living", "Community", "Money and rent",
        "Support and safety",
    ]  # fmt: skip
    services = {c["id"]: c for c in data["components"] if not c["group"]}
    assert len(services) == 29
    repairs = services[REPAIRS]
    assert repairs["name"] == REPAIRS_NAME
    assert repairs["status"] == "major_outage"
    assert repairs["description"].startswith("We have stopped routine repairs")
    group = next(g for g in groups if g["id"] == repairs["group_id"])
    assert REPAIRS in group["components"]
    assert group["status"] == "major_outage"  # the worst of its services
    assert services["estate-caretakers"]["status"] == "partial_outage"  # reduced
    assert services["customer-contact-centre"]["status"] == "operational"
    assert [c["position"] for c in data["components"]] == list(range(1, 35))


def test_the_page_indicator_follows_the_worst_status(boss):
    assert api("status")["status"] == {"indicator": "major", "description": "Major System Outage"}
    for service in Service.objects.all():
        if service.status_at(timezone.now()).status == Status.UNAVAILABLE:
            actions.status_change_create(
                service=service, status=Status.REDUCED, message="Less than usual.", user=boss
            )
    cache.invalidate()
    assert api("status")["status"]["indicator"] == "minor"
    for service in Service.objects.all():
        if service.status_at(timezone.now()).status != Status.OPERATING:
            actions.status_change_create(
                service=service, status=Status.OPERATING, message="As usual.", user=boss
            )
    cache.invalidate()
    assert api("status")["status"] == {
        "indicator": "none", "description": "All Systems Operational",
    }  # fmt: skip
    assert api("incidents/unresolved")["incidents"] == []


def test_a_reduced_or_unavailable_stretch_is_an_incident_with_its_updates(repairs, boss):
    unresolved = api("incidents/unresolved")["incidents"]
    assert len(unresolved) == 11  # 8 unavailable and 3 reduced
    incident = next(i for i in unresolved if i["components"][0]["id"] == REPAIRS)
    assert incident["name"] == f"{REPAIRS_NAME}: Currently unavailable"
    assert (incident["status"], incident["impact"]) == ("identified", "major")
    assert incident["shortlink"] == f"http://testserver/status/{REPAIRS}/"

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        actions.status_change_create(
            service=repairs, status=Status.REDUCED, message="Urgent repairs only.", user=boss
        )
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        actions.status_change_create(
            service=repairs, status=Status.OPERATING, message="Repairs are back.", user=boss
        )
        cache.invalidate()
        assert len(api("incidents/unresolved")["incidents"]) == 10
        incidents = api("incidents")["incidents"]
    resolved = incidents[0]  # the latest to change
    assert resolved["id"] == incident["id"]
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    assert resolved["impact"] == "major"
    updates = resolved["incident_updates"]
    assert [u["status"] for u in updates] == ["resolved", "identified", "identified"]
    assert [u["body"] for u in updates][:2] == ["Repairs are back.", "Urgent repairs only."]
    assert updates[0]["affected_components"][0] == {
        "code": REPAIRS, "name": REPAIRS_NAME,
        "old_status": "partial_outage", "new_status": "operational",
    }  # fmt: skip
    assert resolved["components"][0]["status"] == "operational"


def test_a_scheduled_change_is_a_scheduled_maintenance(repairs, boss):
    at = tomorrow_at_nine()
    change = actions.status_change_create(
        service=repairs, status=Status.OPERATING, message="Repairs are back.", user=boss,
        effective_at=at,
    )  # fmt: skip
    cancelled = actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Never happens.", user=boss,
        effective_at=at + timedelta(days=1),
    )  # fmt: skip
    actions.status_change_cancel(change=cancelled, user=boss)
    upcoming = api("scheduled-maintenances/upcoming")["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == [f"{REPAIRS_NAME}: Operating"]
    maintenance = upcoming[0]
    assert maintenance["status"] == "scheduled"
    expected = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert maintenance["scheduled_for"] == maintenance["scheduled_until"] == expected
    assert maintenance["incident_updates"][0]["body"] == "Repairs are back."
    assert maintenance["incident_updates"][0]["affected_components"][0]["old_status"] == (
        "major_outage"
    )
    assert api("summary")["scheduled_maintenances"] == upcoming
    assert api("scheduled-maintenances/active")["scheduled_maintenances"] == []

    with time_machine.travel(at + timedelta(minutes=1)):
        assert api("scheduled-maintenances/upcoming")["scheduled_maintenances"] == []
        done = api("scheduled-maintenances")["scheduled_maintenances"]
    assert [(m["id"], m["status"]) for m in done] == [(f"maintenance-{change.pk}", "completed")]
    assert "Never happens." not in json.dumps(done)


def test_a_scheduled_changes_old_status_counts_the_ones_scheduled_before_it(repairs, boss):
    at = tomorrow_at_nine()
    for status, when in ((Status.OPERATING, at), (Status.REDUCED, at + timedelta(days=1))):
        actions.status_change_create(
            service=repairs, status=status, message="Planned.", user=boss, effective_at=when
        )
    upcoming = api("scheduled-maintenances/upcoming")["scheduled_maintenances"]
    changes = [m["incident_updates"][0]["affected_components"][0] for m in upcoming]
    assert [(c["old_status"], c["new_status"]) for c in changes] == [
        ("major_outage", "operational"),
        ("operational", "partial_outage"),
    ]


def test_staff_are_never_named(repairs, boss):
    actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Urgent repairs only.", user=boss
    )
    for name in ENDPOINTS:
        body = Client().get(f"/api/v2/{name}.json").content.decode()
        assert "Zenobia" not in body and "Brightwell" not in body and boss.username not in body


# A real consumer: statuspage-prometheus-exporter (PyPI), run as its users run it from cron.
EXPORTER = Path(sys.executable).parent / "statuspage-prometheus-exporter"


def run_exporter(live_server, tmp_path):
    config = tmp_path / "services.json"
    config.write_text(
        json.dumps(
            {"northshore": {"name": "Northshore", "url": f"{live_server.url}/api/v2/summary.json"}}
        )
    )
    metrics = tmp_path / "statuspage.prom"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SERVICES_JSON_PATH": str(config),
        "RUN_MODE": "once",
        "METRICS_TEXTFILE_PATH": str(metrics),
        "CLEAR_CACHE": "true",
    }
    subprocess.run([EXPORTER], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=60)
    samples = {}
    for family in text_string_to_metric_families(metrics.read_text()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples, name, **labels):
    matches = [v for found, v in samples[name] if labels.items() <= found.items()]
    assert len(matches) == 1, (name, labels, samples.get(name))
    return matches[0]


@pytest.mark.django_db(transaction=True)
def test_a_statuspage_exporter_reads_our_page(live_server, tmp_path, repairs, boss):
    actions.status_change_create(
        service=repairs, status=Status.OPERATING, message="Repairs are back.", user=boss,
        effective_at=tomorrow_at_nine(),
    )  # fmt: skip
    samples = run_exporter(live_server, tmp_path)
    assert value(samples, "statuspage_probe_check", service_name="Northshore") == 1
    assert value(samples, "statuspage_service_status", service_name="Northshore") == 0
    assert value(samples, "statuspage_component_status", component_name=REPAIRS_NAME) == 0
    assert value(samples, "statuspage_component_status", component_name="Allocations") == 1
    incident = f"{REPAIRS_NAME}: Currently unavailable"
    assert value(samples, "statuspage_incident_info", incident_name=incident, impact="major") == 1
    assert (
        value(
            samples,
            "statuspage_maintenance_info",
            maintenance_name=f"{REPAIRS_NAME}: Operating",
            shortlink=f"{live_server.url}/status/{REPAIRS}/",
        )
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_the_exporter_sees_all_services_operating(live_server, tmp_path, boss):
    now = timezone.now()
    StatusChange.objects.bulk_create(
        StatusChange(service=s, status=Status.OPERATING, message="As usual.", effective_at=now)
        for s in Service.objects.all()
    )
    cache.invalidate()
    samples = run_exporter(live_server, tmp_path)
    assert value(samples, "statuspage_service_status", service_name="Northshore") == 1
    assert value(samples, "statuspage_incident_info", incident_id="none") == 0
