"""Subscribing while Redis is down: the limits are counted in the database, so a tenant can
still subscribe, floods are still cut off, and no address is kept to count them."""

import pytest

from messaging.models import Kind, Message
from subscriptions.models import RateCount, Subscriber
from tests.subscriptions.conftest import EMAIL
from tests.test_public_urls import UNREACHABLE_REDIS

pytestmark = pytest.mark.django_db


def test_a_tenant_can_subscribe_with_redis_down(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.post("/status/subscribe/", {"channel": "email", "email": EMAIL})
    assert response.status_code == 302
    assert Subscriber.objects.filter(address=EMAIL).exists()
    assert Message.objects.filter(recipient=EMAIL, kind=Kind.SERVICE_STATUS).count() == 1


def test_with_redis_down_the_limits_still_hold_and_keep_no_address(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    for _ in range(5):
        client.post("/status/subscribe/", {"channel": "email", "email": EMAIL})
    assert Message.objects.filter(recipient=EMAIL).count() == 3
    keys = list(RateCount.objects.values_list("key", flat=True))
    assert keys and not any(EMAIL in key for key in keys)
