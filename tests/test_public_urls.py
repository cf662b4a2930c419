"""Every public URL keeps issue 19's three promises, checked one by one from the URL resolver:

- it answers from the database when Redis cannot be reached (the cache points at a port where
  nothing listens), showing what the database holds;
- a cached output makes no database query on a cache hit;
- no personal data (a tenant's, a subscriber's or a member of staff's name, email or phone) is
  ever in it, signed in or not.

A public URL added without a line in PAGES fails `test_every_public_url_is_listed`.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.html import escape

from here_to_help import openreferral
from here_to_help.models import Need
from services import actions, cache, statuspage
from services.models import Service, Status
from subscriptions.models import Channel, Subscriber
from tests.factories import ManagerFactory, OrganisationFactory, TenantFactory, load_seeded_services

pytestmark = pytest.mark.django_db

REPAIRS = "routine-repairs-and-maintenance"
# Nothing listens here: connections are refused at once, as when Redis is down.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# The public URL names: the status outputs, the Statuspage API, subscribing, the help centre and
# the Open Referral UK feed. (Signing in, password resets and health are in test_every_url.py.)
PUBLIC_NAMESPACES = ("services", "help_centre", "subscriptions")
STAFF = {"services:register", "services:change", "services:history", "services:cancel"}
STAFF |= {"services:register_csv"}
STAFF |= {"subscriptions:counts"}

SCHEDULED = "Boiler room works planned."


@pytest.fixture
def world(db):
    """Something of every kind on every public output, and personal data that must stay off."""
    load_seeded_services()
    cache.reset()
    cache.invalidate()
    repairs = Service.objects.get(slug=REPAIRS)
    boss = ManagerFactory(
        username="zbrightwell", first_name="Zenobia", last_name="Brightwell",
        email="zenobia.brightwell@example.org",
    )  # fmt: skip
    actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Urgent repairs only.", user=boss
    )
    actions.status_change_create(
        service=repairs, status=Status.UNAVAILABLE, message=SCHEDULED, user=boss,
        effective_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    food_bank = OrganisationFactory(
        name="Preston Food Bank", needs=[Need.FOOD], areas=["PR1"], validated_by=boss
    )
    tenant = TenantFactory(
        first_name="Philomena", last_name="Quartermaine", email="philomena.q@example.net",
        mobile="+447700900456",
    )  # fmt: skip
    subscriber = Subscriber.objects.create(
        channel=Channel.EMAIL, address="rosalind.pemberton@example.net",
        confirmed_at=timezone.now(),
    )  # fmt: skip
    Subscriber.objects.create(
        channel=Channel.SMS, address="+447700900987", confirmed_at=timezone.now()
    )
    personal = [
        "Zenobia", "Brightwell", "zbrightwell", "zenobia.brightwell",
        tenant.first_name, tenant.last_name, tenant.tenancy_ref, "philomena.q",
        "7700900456", "0 900456", escape(tenant.address_line_1), str(tenant.phone),
        tenant.phone.as_national,
        "rosalind.pemberton", "pemberton", "7700900987", "0 900987",
    ]  # fmt: skip
    return {
        "repairs": repairs, "food_bank": food_bank, "subscriber": subscriber,
        "personal": personal,
    }  # fmt: skip


def _service_id(world):
    return openreferral._service_uuid(world["food_bank"])


API = "/api/v2/"
# name: (the URL for the world, what it shows from the database, cached)
PAGES = {
    "services:public": (lambda w: "/status/", "Urgent repairs only.", True),
    "services:json": (lambda w: "/status.json", "Urgent repairs only.", True),
    "services:feed": (lambda w: "/status/feed.atom", "Urgent repairs only.", True),
    "services:service": (lambda w: f"/status/{REPAIRS}/", SCHEDULED, True),
    "services:accessibility": (lambda w: "/status/accessibility/", "0161 496 0000", True),
    "services:service_feed": (lambda w: f"/status/{REPAIRS}/feed.atom", "Urgent", True),
    "services:statuspage-summary": (lambda w: f"{API}summary.json", "Urgent", True),
    "services:statuspage-status": (lambda w: f"{API}status.json", '"indicator": "major"', True),
    "services:statuspage-components": (lambda w: f"{API}components.json", "Routine", True),
    "services:statuspage-incidents": (lambda w: f"{API}incidents.json", "Urgent", True),
    "services:statuspage-incidents/unresolved": (
        lambda w: f"{API}incidents/unresolved.json", "Urgent", True,
    ),
    "services:statuspage-scheduled-maintenances": (
        lambda w: f"{API}scheduled-maintenances.json", SCHEDULED, True,
    ),
    "services:statuspage-scheduled-maintenances/upcoming": (
        lambda w: f"{API}scheduled-maintenances/upcoming.json", SCHEDULED, True,
    ),
    "services:statuspage-scheduled-maintenances/active": (
        lambda w: f"{API}scheduled-maintenances/active.json", '"scheduled_maintenances": []',
        True,
    ),
    "help_centre:home": (lambda w: "/help-centre/?need=food&postcode=PR1", "Preston Food", True),
    "help_centre:oruk-root": (lambda w: "/openreferral/", '"version":"3.0"', True),
    "help_centre:oruk-services": (lambda w: "/openreferral/services", "Preston Food", True),
    "help_centre:oruk-service": (
        lambda w: f"/openreferral/services/{_service_id(w)}", "Preston Food", True,
    ),
    "help_centre:oruk-service_at_locations": (
        lambda w: "/openreferral/service_at_locations", "PR1 postcode district", True,
    ),
    "help_centre:oruk-taxonomies": (lambda w: "/openreferral/taxonomies", "Here to Help", True),
    "help_centre:oruk-taxonomy_terms": (lambda w: "/openreferral/taxonomy_terms", "Food", True),
    # Forms and one-off answers: never cached (each carries a CSRF token or acts on a token).
    "subscriptions:subscribe": (lambda w: "/status/subscribe/", "Routine repairs", False),
    "subscriptions:check_email": (lambda w: "/status/subscribe/check-your-email/", "", False),
    "subscriptions:code": (lambda w: "/status/subscribe/code/", "", False),
    "subscriptions:confirm": (lambda w: "/status/subscribe/confirm/not-a-token/", "", False),
    "subscriptions:unsubscribe": (
        lambda w: f"/status/unsubscribe/{w['subscriber'].token}/", "", False,
    ),
}  # fmt: skip
CACHED = sorted(name for name, (_path, _shows, cached) in PAGES.items() if cached)


def public_names(patterns=None, namespace=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from public_names(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace in PUBLIC_NAMESPACES:
            name = f"{namespace}:{entry.name}"
            if name not in STAFF:
                yield name


def test_every_public_url_is_listed():
    assert set(public_names()) == set(PAGES)
    assert {f"services:statuspage-{name}" for name in statuspage.BODIES} <= set(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_works_with_redis_down_from_the_database(name, world, settings, caplog):
    path, shows, cached = PAGES[name]
    url = path(world)
    settings.CACHES = UNREACHABLE_REDIS
    cache.reset()

    response = Client().get(url)

    assert response.status_code == 200, name
    assert shows in response.content.decode(), name
    if cached:
        assert "Redis unreachable: public output built from the database" in caplog.text
    if name == "subscriptions:unsubscribe":  # deleted at once, Redis or not
        assert not Subscriber.objects.filter(pk=world["subscriber"].pk).exists()


def without_nonce(response):
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


@pytest.mark.parametrize("name", CACHED)
def test_a_cache_hit_makes_no_query(name, world, django_assert_num_queries):
    path, shows, _cached = PAGES[name]
    url, client = path(world), Client()
    first = client.get(url)
    assert first.status_code == 200, name
    with django_assert_num_queries(0):
        again = client.get(url)
    assert without_nonce(again) == without_nonce(first)  # the same copy, with its own nonce
    assert shows in again.content.decode(), name


@pytest.mark.parametrize("name", sorted(PAGES))
def test_shows_no_personal_data(name, world, client, manager):
    path, _shows, _cached = PAGES[name]
    url = path(world)
    signed_in = Client()
    signed_in.force_login(manager)
    for visitor in (client, signed_in):
        response = visitor.get(url)
        assert response.status_code == 200, name
        body = response.content.decode()
        found = [text for text in world["personal"] if text in body]
        assert found == [], f"{name} shows {found}"
