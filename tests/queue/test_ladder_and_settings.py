"""The ladder says what the message before the first call does now (its switch on the messages
page and the cohorts that have it), and the queue settings' hint names the number the text
uses, or says plainly that none is set."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from messaging.models import Kind, MessageKind
from welfare.models import Cohort, QueueSettings

pytestmark = pytest.mark.django_db


def switch(*, enabled):
    """The message's switch on the messages page (its row made if the database has none)."""
    row = MessageKind.objects.setting(Kind.BEFORE_CALL)
    row.enabled = enabled
    row.save()


def before_call_tag(client):
    page = client.get(reverse("welfare:ladder")).content.decode()
    tag = page.split('id="ladder-before_call">')[1].split("<")[0]
    now = page.split('id="ladder-before_call-now">')[1].split("<a")[0].strip()
    return tag, now


def test_switched_on_but_no_cohort_has_it_says_no_tenant_gets_it(manager_client):
    switch(enabled=True)
    Cohort.objects.update(before_call_message=False)
    tag, now = before_call_tag(manager_client)
    assert tag == "Off for every cohort"  # it said "Switched on"
    assert now == escape("Switched on, but no cohort has it on: no tenant gets it.")


def test_on_for_some_cohorts_names_them(manager_client):
    switch(enabled=True)
    Cohort.objects.filter(code__in=["aged_70", "lifeline"]).update(before_call_message=True)
    active = Cohort.objects.filter(active=True).count()
    tag, now = before_call_tag(manager_client)
    assert tag == f"On for 2 of {active} cohorts"
    assert now == "Sent only to tenants in: Aged 70+, Lifeline customer."


def test_switched_off_on_the_messages_page_wins(manager_client):
    switch(enabled=False)
    Cohort.objects.update(before_call_message=True)
    tag, now = before_call_tag(manager_client)
    assert tag == "Switched off" and "no tenant gets it" in now


def settings_hint(client):
    page = client.get(reverse("welfare:queue_settings")).content.decode()
    return page.split('id="id_calls_from_number_hint" class="govuk-hint">')[1].split("</div>")[0]


def test_the_hint_names_the_servers_number_when_none_is_saved(manager_client, settings):
    settings.CALLS_FROM_NUMBER = "0300 111 2222"
    hint = settings_hint(manager_client)
    assert "\u201cWe\u2019ll call you today from 0300 111 2222\u201d" in hint  # it read "from ”"
    assert escape("Leave blank to use the server's number, 0300 111 2222.") in hint


def test_the_hint_names_the_saved_number(manager_client, settings):
    settings.CALLS_FROM_NUMBER = "0300 111 2222"
    QueueSettings(claim_minutes=30, calls_from_number="0161 000 9999").save()
    assert "We\u2019ll call you today from 0161 000 9999" in settings_hint(manager_client)


def test_the_hint_says_plainly_that_no_number_is_set(manager_client, settings):
    settings.CALLS_FROM_NUMBER = ""
    hint = settings_hint(manager_client)
    assert "No number is set" in hint and "names none" in hint
    assert "call you today from" not in hint
