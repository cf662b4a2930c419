"""The public status outputs as tenants and their tools meet them: the page, a page per service,
the feeds, and every public URL's promises (no queries on a cache hit, Redis down, no personal
data). The Statuspage API is in test_statuspage.py; the managers' register in test_services.py."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from services import actions, cache, statuspage
from services.models import ServiceGroup, Status, StatusChange
from tests.factories import TenantFactory
from tests.services.conftest import REPAIRS, local

# Run again under the fixed clocks of `make test` (dates run through all of these).
pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"

PUBLIC_URLS = [
    "/status/",
    "/status.json",
    "/status/feed.atom",
    f"/status/{REPAIRS}/",
    f"/status/{REPAIRS}/feed.atom",
    *[f"/api/v2/{name}.json" for name in statuspage.BODIES],
]
# Nothing listens here: connections are refused at once, as when Redis is down.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def page_of(client, url="/status/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def between(page, start, end):
    """The HTML from the heading with id `start` to the one with id `end`."""
    return page[page.index(f'id="{start}"') : page.index(f'id="{end}"')]


class TestPageForTenants:
    def test_no_staff_banner_and_the_contact_numbers_are_links(self, client):
        page = page_of(client)
        assert "Incident Support Team" not in page and "govuk-phase-banner" not in page
        assert '<a class="govuk-link" href="tel:+441614960000">0161 496 0000</a>' in page
        assert 'href="tel:+441614960999">0161 496 0999</a>' in page
        assert 'href="mailto:contact@northshore-housing.example"' in page

    def test_contact_details_come_from_settings(self, client, settings):
        settings.CONTACT_PHONE = "0300 123 4567"
        page = page_of(client)
        assert '<a class="govuk-link" href="tel:+443001234567">0300 123 4567</a>' in page

    def test_while_the_contact_centre_is_closed_no_page_tells_tenants_to_call_it(
        self, client, repairs, boss
    ):
        centre = repairs.__class__.objects.get(slug=settings.CONTACT_CENTRE_SERVICE)
        actions.status_change_create(
            service=centre,
            status=Status.UNAVAILABLE,
            message="Our phone lines are closed until Monday.",
            user=boss,
        )
        cache.invalidate()
        for url in ("/status/", f"/status/{REPAIRS}/"):
            page = page_of(client, url)
            assert "tel:+441614960000" not in page, url
            assert "Call the Customer Contact Centre" not in page, url
            assert "Our phone lines are closed until Monday." in page, url
            assert 'href="tel:+441614960999"' in page, url  # emergency repairs still
            assert 'href="mailto:contact@northshore-housing.example"' in page, url  # email too
        assert "Our Customer Contact Centre is closed at the moment" in page_of(client)
        actions.status_change_create(
            service=centre, status=Status.REDUCED, message="Shorter hours.", user=boss
        )
        cache.invalidate()
        page = page_of(client)
        assert "Call the Customer Contact Centre on" in page
        assert "a reduced service at the moment" in page
        assert 'href="tel:+441614960000"' in page

    def test_the_status_pages_lead_to_the_help_centre(self, client):
        for url in ("/status/", f"/status/{REPAIRS}/"):
            assert 'href="/help-centre/"' in page_of(client, url), url

    def test_numbers_emails_and_links_in_messages_are_links_and_html_is_not(
        self, client, repairs, boss
    ):
        actions.status_change_create(
            service=repairs,
            status=Status.REDUCED,
            message=(
                "Call 01632 960123, email repairs@northshore-housing.example or see "
                "https://www.gov.uk/repairs. <script>alert(1)</script> <a href=x>x</a>"
            ),
            user=boss,
        )
        cache.invalidate()
        page = page_of(client)
        assert '<a class="govuk-link" href="tel:+441632960123">01632 960123</a>' in page
        assert 'href="mailto:repairs@northshore-housing.example"' in page
        assert 'href="https://www.gov.uk/repairs" rel="noopener noreferrer nofollow"' in page
        assert "https://www.gov.uk/repairs</a>. " in page  # the full stop is not in the link
        assert "<script>alert(1)</script>" not in page and "<a href=x>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_services_are_grouped_as_tenants_look_for_them(self, client):
        page = page_of(client)
        headings = re.findall(r'<h2 class="govuk-heading-l" id="([a-z-]+)">', page)
        assert headings == ["recent", "upcoming", *ServiceGroup.values]
        repairs_group = between(page, "repairs", "independent-living")
        assert "Routine repairs and maintenance" in repairs_group
        assert "Emergency Repairs Service" in repairs_group
        assert "Income Collection" in between(page, "money", "support")
        assert "Refuges" in page[page.index('id="support"') :]

    def test_changed_in_the_last_7_days_comes_first(self, client, repairs, boss):
        long_ago = timezone.now() - timedelta(days=30)
        StatusChange.objects.update(effective_at=long_ago, created_at=long_ago)
        with time_machine.travel(timezone.now() - timedelta(days=2)):
            actions.status_change_create(
                service=repairs, status=Status.REDUCED, message="Some repairs again.", user=boss
            )
        cache.invalidate()
        recent = between(page_of(client), "recent", "upcoming")
        assert "Routine repairs and maintenance" in recent
        assert "Reduced service" in recent
        with time_machine.travel(timezone.now() + timedelta(days=6)):
            assert "Routine repairs and maintenance" not in between(
                page_of(client), "recent", "upcoming"
            )

    def test_upcoming_changes_show_with_their_dates(self, client, repairs, boss):
        at = local(days=3, hour=9)
        actions.status_change_create(
            service=repairs, status=Status.OPERATING, message="Repairs restart.",
            effective_at=at, user=boss,
        )  # fmt: skip
        cache.invalidate()
        upcoming = between(page_of(client), "upcoming", "groups-heading")
        assert "Routine repairs and maintenance" in upcoming
        assert f"from {at.day} {at:%B %Y} at 9am" in upcoming
        assert "Repairs restart." in upcoming

    def test_a_page_per_service_with_its_timeline(self, client, repairs, boss):
        with time_machine.travel(timezone.now() + timedelta(hours=1)):
            actions.status_change_create(
                service=repairs, status=Status.REDUCED, message="Urgent repairs only.", user=boss
            )
            page = page_of(client, f"/status/{REPAIRS}/")
        assert '<h1 class="govuk-heading-xl">Routine repairs and maintenance</h1>' in page
        timeline = page[page.index('id="timeline"') :]
        assert timeline.index("Urgent repairs only.") < timeline.index(
            "We have stopped routine repairs"
        )
        assert f'href="/status/{REPAIRS}/feed.atom"' in page
        assert "govuk-phase-banner" not in page

    def test_an_unknown_service_is_not_found(self, client):
        response = client.get("/status/no-such-service/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "Page not found" in page and 'href="/status/"' in page
        assert "govuk-phase-banner" not in page
        assert client.get("/status/no-such-service/feed.atom").status_code == 404


# Every string in the public templates goes through the translation tags (Welsh-ready).
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "services"
PUBLIC_TEMPLATES = [
    "public_base.html", "public.html", "public_service.html", "public_404.html",
    "public_accessibility.html", "includes/contact.html",
]  # fmt: skip


@pytest.mark.parametrize("name", PUBLIC_TEMPLATES)
def test_every_string_in_the_public_templates_is_translatable(name):
    text = (TEMPLATES / name).read_text()
    text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
    text = re.sub(r"{% blocktranslate.*?{% endblocktranslate %}", "", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}", "", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    leftover = re.findall(r"[A-Za-z]{2,}", text)
    assert leftover == [], f"untranslated text in {name}: {leftover}"


class TestFeeds:
    def test_entry_ids_do_not_depend_on_the_host(self, repairs):
        bodies = [
            Client(HTTP_HOST=host).get("/status/feed.atom").content
            for host in ("localhost", "127.0.0.1")
        ]
        ids = [[e.text for e in ET.fromstring(b).iter(f"{ATOM}id")] for b in bodies]  # noqa: S314
        assert ids[0] == ids[1]
        assert all(i.startswith("urn:uuid:") for i in ids[0])
        assert b"localhost" not in b"".join(re.findall(rb"<id>[^<]*</id>", bodies[0]))

    def test_a_feed_per_service_has_only_its_changes(self, client, repairs, boss):
        actions.status_change_create(
            service=repairs, status=Status.REDUCED, message="Urgent ones only.", user=boss
        )
        response = client.get(f"/status/{REPAIRS}/feed.atom")
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)  # noqa: S314 (our own output)
        titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
        assert titles == [
            "Routine repairs and maintenance: Reduced service",
            "Routine repairs and maintenance: Currently unavailable",
        ]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_cache_hit_makes_no_database_queries(url, client, django_assert_num_queries):
    client.get(url)
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_served_from_the_database_when_redis_is_down(url, client, settings, repairs, boss, caplog):
    actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Urgent repairs only.", user=boss
    )
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(url)
    assert response.status_code == 200
    # What each output shows of the change just made, read from the database.
    expected = {
        "/api/v2/status.json": '"indicator": "major"',
        "/api/v2/scheduled-maintenances.json": '"scheduled_maintenances": []',
        "/api/v2/scheduled-maintenances/upcoming.json": '"scheduled_maintenances": []',
        "/api/v2/scheduled-maintenances/active.json": '"scheduled_maintenances": []',
    }.get(url, "Urgent repairs only.")
    assert expected in response.content.decode()
    assert "Redis unreachable: public output built from the database" in caplog.text


class TestRedisDown:
    def test_a_status_change_is_committed_and_answered_normally(
        self, manager_client, settings, repairs, django_capture_on_commit_callbacks
    ):
        settings.CACHES = UNREACHABLE_REDIS
        with django_capture_on_commit_callbacks(execute=True):
            response = manager_client.post(
                f"/services/{REPAIRS}/change/",
                {"status": "operating", "message": "Repairs are back.", "when": "now"},
            )
        assert response.status_code == 302
        assert repairs.status_at(timezone.now()).message == "Repairs are back."
        assert "Repairs are back." in page_of(Client())

    def test_once_redis_is_back_no_copy_from_before_the_change_is_served(
        self, manager, settings, repairs, django_capture_on_commit_callbacks, monkeypatch
    ):
        visitor = Client()
        assert "Repairs are back." not in page_of(visitor)  # cached in Redis
        working = settings.CACHES
        settings.CACHES = UNREACHABLE_REDIS
        with django_capture_on_commit_callbacks(execute=True):
            actions.status_change_create(
                service=repairs, status=Status.OPERATING, message="Repairs are back.",
                user=manager,
            )  # fmt: skip
        settings.CACHES = working
        monkeypatch.setattr(cache, "RETRY_SECONDS", 0)
        assert "Repairs are back." in page_of(visitor)


def test_no_personal_data_on_any_public_url(boss, repairs, manager_client):
    tenant = TenantFactory(first_name="Philomena", last_name="Quartermaine")
    actions.status_change_create(
        service=repairs, status=Status.REDUCED, message="Some repairs.", user=boss
    )
    later = actions.status_change_create(
        service=repairs, status=Status.OPERATING, message="Cancelled plan.",
        effective_at=local(days=2), user=boss,
    )  # fmt: skip
    actions.status_change_cancel(change=later, user=boss)
    personal = [
        "Zenobia", "Brightwell", "zbrightwell", "zenobia.brightwell", "Cancelled plan.", "maya",
        tenant.first_name, tenant.last_name, tenant.tenancy_ref, tenant.phone,
        tenant.phone.as_national if hasattr(tenant.phone, "as_national") else tenant.phone,
        escape(tenant.address_line_1), tenant.date_of_birth.isoformat(),
    ]  # fmt: skip
    for url in PUBLIC_URLS:
        for client in (Client(), manager_client):
            response = client.get(url)
            assert response.status_code == 200
            body = response.content.decode()
            found = [str(p) for p in personal if str(p) in body]
            assert found == [], f"{url} shows {found}"


def test_services_imports_no_app_with_personal_data():
    import ast

    personal = {"tenants", "welfare", "arrears", "here_to_help"}
    found = []
    for path in (Path(settings.BASE_DIR) / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in personal]
    assert found == []


@pytest.mark.parametrize(
    ("message", "html"),
    [
        ("In danger, call 999.", 'call <a class="govuk-link" href="tel:999">999</a>.'),
        ("Press 55 when asked.", "Press 55 when asked."),
        ("Ring +44 161 496 0123 today", 'href="tel:+441614960123">+44 161 496 0123</a> today'),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("See (https://www.gov.uk/x).", 'href="https://www.gov.uk/x" rel'),
        ('"><img src=x onerror=alert(1)>', "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("Line one\nLine two", "Line one<br>Line two"),
    ],
)
def test_messages_are_escaped_and_only_numbers_emails_and_web_links_become_links(message, html):
    from services.linkify import linkify

    assert html in linkify(message)
