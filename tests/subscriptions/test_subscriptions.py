"""Subscribing to the status page by email or text, confirming, unsubscribing in one click, and
what managers see: counts, never addresses."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from conftest import sign_in
from messaging.models import Channel as MessageChannel
from messaging.models import Kind, Message
from subscriptions import actions
from subscriptions.models import Subscriber
from tests.factories import ManagerFactory
from tests.subscriptions.conftest import EMAIL, MOBILE

pytestmark = pytest.mark.django_db


def subscribe(client, **data):
    return client.post("/status/subscribe/", {"channel": "email", "email": EMAIL, **data})


def last_message(to):
    return Message.objects.filter(recipient=to, kind=Kind.SERVICE_STATUS).latest("pk")


def link_in(message, path):
    return re.search(rf"https?://[^/\s]+({path}[^\s]+/)", message.personalisation["body"])[1]


def test_email_needs_its_link_confirmed_and_a_get_does_not_confirm(client):
    response = subscribe(client)
    assert (
        response.status_code == 302
        and response["Location"] == "/status/subscribe/check-your-email/"
    )
    message = last_message(EMAIL)
    assert message.channel == MessageChannel.EMAIL and message.tenant is None
    confirm = link_in(message, "/status/subscribe/confirm/")
    assert client.get(confirm).status_code == 200  # a mail scanner opening the link
    assert not Subscriber.objects.get(address=EMAIL).is_confirmed
    assert "You will get updates" in client.post(confirm).content.decode()
    assert Subscriber.objects.get(address=EMAIL).is_confirmed


def test_every_message_carries_a_one_click_unsubscribe_link(client):
    subscribe(client)
    message = last_message(EMAIL)
    unsubscribe = message.personalisation["unsubscribe_url"]
    assert "/status/unsubscribe/" in unsubscribe
    page = client.get(unsubscribe[unsubscribe.index("/status/") :]).content.decode()
    assert "You have unsubscribed" in page
    assert not Subscriber.objects.filter(address=EMAIL).exists()


def test_the_answer_is_the_same_whether_or_not_an_address_is_subscribed(client):
    first = subscribe(client)
    Subscriber.objects.filter(address=EMAIL).update(confirmed_at="2026-01-01T00:00Z")
    second = subscribe(client)
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    # The subscriber is told, by their own channel, that they already subscribe.
    assert "already subscribed" in last_message(EMAIL).personalisation["body"]


def test_someone_who_knows_an_address_cannot_change_its_choice(client, repairs):
    subscribe(client)
    Subscriber.objects.filter(address=EMAIL).update(confirmed_at="2026-01-01T00:00Z")
    subscribe(client, services=[repairs.pk])
    assert Subscriber.objects.get(address=EMAIL).all_services


def test_limited_per_address(client):
    for _ in range(5):
        subscribe(client)
    assert Message.objects.filter(recipient=EMAIL).count() == 3


def test_limited_per_ip_address(client):
    for n in range(12):
        client.post("/status/subscribe/", {"channel": "email", "email": f"tenant{n}@example.net"})
    assert Message.objects.filter(kind=Kind.SERVICE_STATUS).count() == 10


def test_a_text_needs_its_code(client):
    response = client.post("/status/subscribe/", {"channel": "sms", "phone": "07700 900001"})
    assert response["Location"] == "/status/subscribe/code/"
    code = re.search(r"\b(\d{6})\b", last_message(MOBILE).personalisation["body"])[1]
    wrong = "000000" if code != "000000" else "111111"
    page = client.post("/status/subscribe/code/", {"phone": "07700900001", "code": wrong})
    assert "The code is wrong or has expired" in page.content.decode()
    assert not Subscriber.objects.get(address=MOBILE).is_confirmed
    page = client.post("/status/subscribe/code/", {"phone": "07700 900001", "code": code})
    assert "You will get updates" in page.content.decode()


def test_a_code_stops_working_after_five_wrong_tries(client):
    client.post("/status/subscribe/", {"channel": "sms", "phone": MOBILE})
    code = re.search(r"\b(\d{6})\b", last_message(MOBILE).personalisation["body"])[1]
    subscriber = Subscriber.objects.get(address=MOBILE)
    for _ in range(5):
        assert actions.confirm_code(address=MOBILE, code="abcdef") is None
    assert actions.confirm_code(address=MOBILE, code=code) is None
    subscriber.refresh_from_db()
    assert not subscriber.is_confirmed


def test_a_refused_form_shows_what_was_typed(client):
    page = client.post("/status/subscribe/", {"channel": "sms", "phone": "0161 496 0000"})
    body = page.content.decode()
    assert "Not a UK mobile number" in body and 'value="0161 496 0000"' in body
    assert not Subscriber.objects.exists()


def test_subscribers_never_appear_on_public_pages(client):
    subscribe(client)
    actions.confirm_link(token=Subscriber.objects.get().token)
    for url in ("/status/", "/status.json", "/status/feed.atom", "/api/v2/summary.json"):
        assert "pemberton" not in client.get(url).content.decode().lower()


class TestManagers:
    def test_see_counts_not_addresses(self, manager_client, client, repairs):
        subscribe(client)
        actions.confirm_link(token=Subscriber.objects.get().token)
        page = manager_client.get("/services/subscribers/").content.decode()
        assert "Confirmed subscribers: 1" in page
        assert escape(repairs.name) in page
        assert "pemberton" not in page.lower()

    def test_officers_may_not_look(self, officer_client):
        assert officer_client.get("/services/subscribers/").status_code == 403

    def test_the_messages_page_never_shows_a_subscriber_or_their_links(
        self, manager_client, client, settings
    ):
        settings.NOTIFY_API_KEY = ""  # the outbox: each message kept as it would have gone
        subscribe(client)
        client.post("/status/subscribe/", {"channel": "sms", "phone": MOBILE})
        by_email, by_text = last_message(EMAIL), last_message(MOBILE)
        code = re.search(r"\b(\d{6})\b", by_text.personalisation["body"])[1]
        secrets = [
            EMAIL,
            MOBILE,
            code,
            by_email.personalisation["unsubscribe_url"],
            by_text.personalisation["unsubscribe_url"],
            link_in(by_email, "/status/subscribe/confirm/"),
            *Subscriber.objects.values_list("token", flat=True),
        ]
        page = manager_client.get("/messages/").content.decode()
        assert not [secret for secret in secrets if secret in page]
        assert "/status/unsubscribe/" not in page and "/status/subscribe/confirm/" not in page
        assert "2 messages" in page and page.count("A status page subscriber") == 2
        counts = manager_client.get("/services/subscribers/").content.decode()
        assert "2 waiting to confirm" in counts
        # One whose link has lapsed waits for nothing (the hourly job deletes it).
        Subscriber.objects.filter(channel="sms").update(
            created_at=timezone.now() - timedelta(hours=25)
        )
        counts = manager_client.get("/services/subscribers/").content.decode()
        assert "1 waiting to confirm" in counts

    def test_the_admin_holds_no_subscriber_nor_any_message_to_one(self, client):
        subscribe(client)
        subscriber, message = Subscriber.objects.get(), last_message(EMAIL)
        admin = sign_in(client, ManagerFactory(is_staff=True, is_superuser=True))
        index = admin.get("/django-admin/")
        assert index.status_code == 200 and "subscri" not in index.content.decode().lower()
        for path in (
            "subscriptions/subscriber/",
            f"subscriptions/subscriber/{subscriber.pk}/change/",
            "subscriptions/notification/",
            "messaging/message/",
            f"messaging/message/{message.pk}/change/",
        ):
            assert admin.get(f"/django-admin/{path}").status_code == 404, path


def test_the_services_to_choose_are_grouped_as_on_the_status_page(client):
    from services.models import Service, ServiceGroup
    from tests.factories import load_seeded_services

    load_seeded_services()
    page = client.get("/status/subscribe/").content.decode()
    headings = [page.index(f">{escape(group.label)}</p>") for group in ServiceGroup]
    assert headings == sorted(headings)  # the groups in the status page's order
    for service in Service.objects.all():
        at = page.index(f">{escape(service.name)}</label>")
        group = list(ServiceGroup).index(service.group)
        assert headings[group] < at, service.name
        assert group == len(headings) - 1 or at < headings[group + 1], service.name
