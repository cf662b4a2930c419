"""Fixtures for status page subscriptions."""

import pytest
from django.core.cache import cache as django_cache

from services import cache
from services.models import Service
from subscriptions.views import rate_key

REPAIRS = "routine-repairs-and-maintenance"
EMAIL = "rosalind.pemberton@example.net"
MOBILE = "+447700900001"  # Notify's test-mode "delivered" number


@pytest.fixture(autouse=True)
def fresh_limits_and_cache(db):
    # Redis outlives each test: clear the limits counted for the addresses the tests use.
    django_cache.delete_many(
        [rate_key("ip", "127.0.0.1")]
        + [rate_key("address", address) for address in (EMAIL, MOBILE)]
    )
    cache.reset()
    cache.invalidate()


@pytest.fixture
def repairs(db):
    return Service.objects.get(slug=REPAIRS)
