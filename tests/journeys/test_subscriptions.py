import re
import time
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from messaging.models import Kind, Message
from services import actions as service_actions
from services.models import Service, Status
from subscriptions import actions
from subscriptions.models import Subscriber
from tests.factories import ManagerFactory, load_seeded_services
from tests.journeys.conftest import sign_in_manager

EMAIL = "rosalind.pemberton@example.net"
REPAIRS = "Routine repairs and maintenance"


def latest_message():
    return Message.objects.filter(recipient=EMAIL, kind=Kind.SERVICE_STATUS).latest("pk")


def path_of(url):
    return url[url.index("/status/") :]


def test_a_tenant_subscribes_confirms_hears_of_a_change_and_unsubscribes(journey, live_server):
    load_seeded_services()
    page = journey.goto("/status/subscribe/")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Email address (if by email)").fill(EMAIL)
    page.get_by_label(REPAIRS).check()
    page.get_by_role("button", name="Subscribe").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    # The link in the email (kept in the outbox: no Notify key here).
    confirm = re.search(
        r"(/status/subscribe/confirm/\S+/)", latest_message().personalisation["body"]
    )
    page = journey.goto(confirm[1])
    page.get_by_role("button", name="Confirm").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("You will get updates")

    # A manager reads Messages: the subscriber's message is listed, its address and links not.
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")
    page = journey.goto("/messages/")
    messages = page.locator("#messages")
    expect(messages).to_contain_text("A status page subscriber")
    html = page.content()
    assert EMAIL not in html and "/status/subscribe/confirm/" not in html
    assert "/status/unsubscribe/" not in html

    # A manager's scheduled change takes effect; the beat job tells the subscriber.
    repairs = Service.objects.get(name=REPAIRS)
    change = service_actions.status_change_create(
        service=repairs,
        status=Status.REDUCED,
        message="Urgent repairs only this week.",
        user=ManagerFactory(),
        effective_at=timezone.now() + timedelta(seconds=1),
    )
    time.sleep(max(0, (change.effective_at - timezone.now()).total_seconds()) + 0.2)
    actions.notify_subscribers()
    message = latest_message()
    assert message.personalisation["body"] == (
        f"{REPAIRS}: Reduced service. Urgent repairs only this week."
    )

    # One click from the message, no sign-in.
    page = journey.goto(path_of(message.personalisation["unsubscribe_url"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
    assert not Subscriber.objects.exists()
