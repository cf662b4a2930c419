"""Bulk messages: a manager previews and sends one to a scheme, then follows it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from config.celery_app import app
from messaging.models import ContactPreference, MessageKind
from tenants.models import Tenant
from tests.factories import ManagerFactory, SchemeFactory, TenantFactory, load_default_cohorts
from tests.journeys.conftest import sign_in_manager
from tests.messaging.notify_stub import API_KEY, NotifyStub

TOKEN = "a-long-random-callback-token-for-the-journey"


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def ribble_court():
    scheme = SchemeFactory(name="Ribble Court")
    TenantFactory(scheme=scheme, first_name="Ada", last_name="Able", mobile="+447700900001")
    TenantFactory(scheme=scheme, first_name="Bo", last_name="Baker", mobile="+447700900002")
    TenantFactory(scheme=scheme, first_name="Cy", last_name="Dean", mobile="")
    opted_out = TenantFactory(
        scheme=scheme, first_name="Di", last_name="Ellis", mobile="+447700900001"
    )
    ContactPreference.objects.create(tenant=opted_out, no_sms=True, source="tenant_phone")
    return scheme


SCHEME = ("Everyone in a scheme", "Scheme", "Ribble Court")


def write_and_send(journey, audience=SCHEME):
    page = journey.page
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="More").click()
    journey.check()
    page.get_by_role("link", name="Messages", exact=True).click()
    journey.check()
    page.get_by_role("link", name="Bulk messages").click()
    journey.check()
    page.get_by_role("link", name="Write a bulk message").click()
    journey.check()
    page.get_by_label("Title").fill("Heatwave advice")
    page.get_by_label("Message", exact=True).fill("Keep cool: drink water, close the curtains.")
    page.get_by_label("Text message").check()
    choice, field, name = audience
    page.get_by_label(choice).check()
    page.get_by_label(field, exact=True).select_option(label=name)
    page.get_by_role("button", name="Preview").click()
    journey.check()

    expect(page.locator("#preview")).to_contain_text("Keep cool: drink water")
    expect(page.locator("#recipient-count")).to_have_text("2 recipients")
    left_out = page.locator("#left-out")
    expect(left_out).to_contain_text("Opted out")
    expect(left_out).to_contain_text("No mobile number")
    page.get_by_text("Who is left out").click()
    expect(page.locator("#left-out-tenants")).to_contain_text("Cy Dean")
    page.get_by_role("button", name="Send to 2 recipients").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("Queued for 2 recipients")
    return page


def test_a_manager_sends_a_bulk_message_to_a_scheme_and_reads_it_in_the_outbox(journey, settings):
    settings.NOTIFY_API_KEY = ""
    ribble_court()
    ManagerFactory(username="maya")
    sign_in_manager(journey, "maya")
    page = write_and_send(journey)

    page.get_by_role("link", name="See every message").click()
    journey.check()
    expect(page.locator("#outbox-mode")).to_contain_text("nothing leaves this machine")
    rows = page.locator("#messages tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("In the outbox (not sent)")
    ada = rows.filter(has_text="Ada Able")
    expect(ada).to_contain_text("+447700900001")
    # The message as Ada reads it, not its template's fields.
    expect(ada).to_contain_text("Dear Ada,")
    expect(ada).to_contain_text("Keep cool: drink water, close the curtains.")
    expect(ada).not_to_contain_text("first_name:")
    expect(page.locator("#messages")).not_to_contain_text("Di Ellis")


def test_a_manager_sends_a_bulk_message_to_a_cohort(journey, settings):
    settings.NOTIFY_API_KEY = ""
    load_default_cohorts()
    scheme = ribble_court()
    Tenant.objects.filter(scheme=scheme).update(lifeline=True)
    TenantFactory(first_name="Ed", last_name="Other", mobile="+447700900001")  # not Lifeline
    ManagerFactory(username="maya")
    sign_in_manager(journey, "maya")
    page = write_and_send(journey, ("Everyone in a cohort", "Cohort", "Lifeline customer"))
    expect(page.locator("h1")).to_contain_text("cohort Lifeline customer")


def test_a_manager_changes_an_email_nobody_can_receive_into_a_text(journey, settings):
    settings.NOTIFY_API_KEY = ""
    ribble_court()  # nobody there has an email address
    ManagerFactory(username="maya")
    sign_in_manager(journey, "maya")
    page = journey.page
    journey.goto(reverse("messaging:bulk_new"))
    # Only the chosen audience's list is shown.
    expect(page.get_by_label("Scheme", exact=True)).to_be_hidden()
    page.get_by_label("Title").fill("Heatwave advice")
    page.get_by_label("Message", exact=True).fill("Keep cool: drink water.")
    expect(page.locator(".govuk-character-count__status")).to_contain_text(
        "877 characters remaining"
    )
    page.get_by_label("Email").check()
    page.get_by_label("Everyone in a scheme").check()
    expect(page.get_by_label("Patch", exact=True)).to_be_hidden()
    page.get_by_label("Scheme", exact=True).select_option(label="Ribble Court")
    page.get_by_role("button", name="Preview").click()
    journey.check()

    expect(page.locator("#nobody-to-send-to")).to_contain_text("No tenants would receive")
    expect(page.get_by_role("button", name="Send to")).to_have_count(0)
    page.get_by_role("link", name="Change the message").click()
    journey.check()
    expect(page.get_by_label("Message", exact=True)).to_have_value("Keep cool: drink water.")
    expect(page.get_by_label("Scheme", exact=True)).to_be_visible()
    page.get_by_label("Text message").check()
    page.get_by_role("button", name="Preview").click()
    journey.check()
    expect(page.locator("#recipient-count")).to_have_text("2 recipients")
    page.get_by_role("link", name="Back to bulk messages").click()
    journey.check()
    expect(page.locator("#bulks tbody tr")).to_have_count(1)  # no draft left behind


def test_a_bulk_message_through_notify_shows_what_was_delivered(journey, settings, live_server):
    stub = NotifyStub().start()
    try:
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = stub.url
        settings.NOTIFY_CALLBACK_TOKEN = TOKEN
        kind = MessageKind.objects.setting("bulk")
        kind.sms_template_id = "11111111-2222-4333-8444-555555555555"
        kind.save()
        ribble_court()
        ManagerFactory(username="maya")
        sign_in_manager(journey, "maya")
        page = write_and_send(journey)
        assert len(stub.sends()) == 2

        # Notify's receipts reach the callback: one delivered, one number that does not exist.
        callback = live_server.url + reverse("messaging:notify_callback")
        assert stub.post_callbacks(callback, TOKEN) == [204, 204]
        page.reload()
        journey.check()
        statuses = page.locator("#bulk-statuses")
        expect(statuses.get_by_role("row", name="Delivered")).to_contain_text("1")
        expect(statuses.get_by_role("row", name="Failed: wrong number or address")).to_contain_text(
            "1"
        )
        page.get_by_role("link", name="See every message").click()
        journey.check()
        page.get_by_label("Status").select_option(label="Delivered")
        page.get_by_role("button", name="Filter").click()
        journey.check()
        expect(page.locator("#messages tbody tr")).to_have_count(1)
        expect(page.locator("#messages")).to_contain_text("Ada Able")
    finally:
        stub.stop()
