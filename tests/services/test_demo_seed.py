"""`seed_demo` and the service-status register: the demo reads as an association months in."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from services.demo import service_list_date
from services.models import Service, StatusChange
from tests.factories import StatusChangeFactory, load_seeded_services

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A Wednesday: with 10 days played, the demo's Monday service changes fall on 1 and 8 March.
NOW = datetime(2027, 3, 10, 7, 30, tzinfo=LONDON)
REGISTER_DAY = datetime(2027, 2, 27, 7, tzinfo=LONDON)  # the day before the first day played


def migrate_then_seed(days):
    """What `make run` does: the data migration loads the service list at the real time, then
    `seed_demo` plays the days before it."""
    Service.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        load_seeded_services()
        call_command("seed_demo", tenants=20, days=days, seed=2020, password="demo-password-123")


@pytest.mark.own_clock  # the demo is played up to NOW, whatever the clock
def test_the_service_list_is_loaded_before_the_days_played(client):
    migrate_then_seed(days=10)

    loaded = StatusChange.objects.filter(created_by__isnull=True)
    assert loaded.count() == Service.objects.count() == 29
    assert set(loaded.values_list("effective_at", flat=True)) == {REGISTER_DAY}
    assert set(loaded.values_list("created_at", flat=True)) == {REGISTER_DAY}
    played = StatusChange.objects.filter(created_by__username="manager")
    assert played.filter(effective_at__lte=NOW).exists()
    # Every service's history starts with the list; the managers' changes come after it.
    for service in Service.objects.all():
        first = service.changes.order_by("effective_at", "pk").first()
        assert first.created_by is None, service

    # The public page's "changed in the last 7 days" holds only what the played days changed.
    week = played.filter(effective_at__gt=NOW - timedelta(days=7), effective_at__lte=NOW)
    changed = set(week.values_list("service__slug", flat=True))
    assert changed
    with time_machine.travel(NOW, tick=False):
        html = client.get("/status/").content.decode()
    recent = html.split('id="recent"')[1].split("</section>")[0]
    assert set(re.findall(r'href="/status/([^/"]+)/"', recent)) == changed


def test_a_history_managers_have_added_to_is_never_redated(repairs, manager):
    StatusChangeFactory(service=repairs, created_by=manager)
    before = set(repairs.changes.values_list("pk", "effective_at"))
    earlier = StatusChange.objects.order_by("effective_at").first().effective_at - timedelta(days=9)

    assert service_list_date(at=earlier) == 28

    assert set(repairs.changes.values_list("pk", "effective_at")) == before
    others = StatusChange.objects.exclude(service=repairs)
    assert set(others.values_list("effective_at", flat=True)) == {earlier}
