"""Fixtures shared by the service-status tests."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from services import cache
from services.models import Service
from tests.factories import ManagerFactory, load_seeded_services

REPAIRS = "routine-repairs-and-maintenance"


@pytest.fixture(autouse=True)
def fresh_public_cache(db):
    load_seeded_services()
    # The cache outlives each test's database rollback: start every test on a new version, with
    # no copy or Redis failure remembered from another test.
    cache.reset()
    cache.invalidate()


@pytest.fixture
def repairs(db):
    return Service.objects.get(slug=REPAIRS)


@pytest.fixture
def boss(db):
    """A manager with a name we can look for on the public outputs."""
    return ManagerFactory(
        username="zbrightwell", first_name="Zenobia", last_name="Brightwell",
        email="zenobia.brightwell@example.org",
    )  # fmt: skip


def local(days=0, hour=9, minute=0):
    """A time in Europe/London, `days` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
