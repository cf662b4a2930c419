"""Reaching tenants the phone does not: a no-answer call sends a text that shows on the record
as delivered, and an escalation becomes a doorstep visit where the officer records "card left"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from config.celery_app import app
from messaging.models import MessageKind
from tests.factories import (
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
)
from tests.journeys.conftest import sign_in_manager
from tests.messaging.notify_stub import API_KEY, NotifyStub
from welfare.call_models import Escalation
from welfare.models import CallTask, Visit
from welfare.queue import build_call_queue

TOKEN = "a-long-random-callback-token-for-the-visits-journey"


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def north_team():
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    OfficerFactory(username="olivia", first_name="Olivia", last_name="Reed", team=team)
    return team, patch


def test_a_no_answer_call_sends_a_text_that_shows_as_delivered(journey, settings, live_server):
    stub = NotifyStub().start()
    try:
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = stub.url
        settings.NOTIFY_CALLBACK_TOKEN = TOKEN
        kind = MessageKind.objects.setting("no_answer")
        kind.sms_template_id = "11111111-2222-4333-8444-555555555555"
        kind.save()
        load_default_cohorts()
        _, patch = north_team()
        # Notify's test-mode number that is always delivered.
        tenant = TenantFactory(
            first_name="Margaret", last_name="Holt", patch=patch, mobile="+447700900001"
        )
        build_call_queue()
        page = journey.sign_in("olivia")
        page.get_by_role("link", name="Call queue", exact=True).click()
        journey.check()
        page.get_by_role("button", name="Take next call").click()
        journey.check()
        page.get_by_label("No answer").check()
        page.get_by_role("button", name="Save the call").click()
        journey.check()
        sent = stub.sends()
        assert len(sent) == 1 and sent[0]["phone_number"] == "+447700900001"

        callback = live_server.url + reverse("messaging:notify_callback")
        assert stub.post_callbacks(callback, TOKEN) == [204]
        journey.goto(reverse("messaging:tenant_preferences", args=[tenant.pk]))
        recent = page.locator("#recent-messages")
        expect(recent).to_contain_text("After a no answer")
        expect(recent).to_contain_text("Delivered")
    finally:
        stub.stop()


def test_an_escalation_becomes_a_visit_and_the_officer_leaves_a_card(journey):
    team, patch = north_team()
    tenant = TenantFactory(
        first_name="Arthur", last_name="Pike", patch=patch, address_line_1="7 Weir View"
    )
    Escalation.objects.create(tenant=tenant, team=team, reason=Escalation.Reason.WRONG_NUMBER)
    ManagerFactory(username="maya")
    page = sign_in_manager(journey, "maya")
    journey.goto(reverse("welfare:escalations"))
    page.get_by_role("link", name="Arthur Pike").click()
    journey.check()
    page.get_by_role("link", name="Raise a doorstep visit").click()
    journey.check()
    day = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Officer (optional)").select_option(label="Olivia Reed")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("What to ask").fill("Has the phone been cut off?")
    page.get_by_role("button", name="Raise the visit").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arthur Pike")
    page.get_by_role("button", name="Sign out").click()
    journey.check()

    page = journey.sign_in("olivia")
    expect(page.locator("#panel-visit-list")).to_contain_text("7 Weir View")
    page.get_by_role("link", name="Printable visit list").click()
    journey.check()
    expect(page.locator("#visit-list")).to_contain_text("Has the phone been cut off?")
    page.get_by_role("link", name="Arthur Pike").click()
    journey.check()
    page.get_by_label("Card left").check()
    page.get_by_label("Number to call (optional)").fill("07911 123456")
    page.get_by_label("Notes").fill("No answer; card through the door")
    page.get_by_role("button", name="Record the visit").click()
    journey.check()
    expect(
        page.get_by_role("alert").or_(page.locator(".govuk-notification-banner"))
    ).to_contain_text("Visit to Arthur Pike recorded")
    visit = Visit.objects.get()
    assert visit.outcome == Visit.Outcome.CARD_LEFT
    # The call comes back at once, to the number the card brought.
    task = CallTask.objects.open().get(tenant=tenant)
    assert task.available_from is not None
    assert str(tenant.numbers_to_dial()[0]) == "+447911123456"
