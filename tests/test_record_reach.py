"""The tenant record when the call queue cannot reach the tenant: it says what happens (a
manager has the call; a doorstep visit), who has it, and offers the officer's next step; and
every record leads to the tenant's messages and contact preferences."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from conftest import sign_in
from tests.factories import TenantFactory
from welfare.call_models import Escalation
from welfare.visit_actions import visit_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_number(patch):
    """As the demo's PHG-0000421: "No phone", no email, never spoken to."""
    return TenantFactory(phone="", mobile="", email="", no_phone=True, patch=patch)


def record(client, tenant):
    return client.get(reverse("tenants:record", args=[tenant.pk])).content.decode()


def links(page):
    """{link text: href} of the page's links, the visually hidden words dropped."""
    found = {}
    for href, inner in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', page, re.S):
        text = re.sub(r"<span class=\"govuk-visually-hidden\">.*?</span>", "", inner, flags=re.S)
        found[" ".join(re.sub(r"<[^>]+>", "", text).split())] = href
    return found


def test_no_number_says_a_manager_has_the_call_and_offers_the_next_step(
    officer_client, no_number, team
):
    escalation = Escalation.objects.create(
        tenant=no_number, team=team, reason=Escalation.Reason.NO_NUMBER
    )
    page = record(officer_client, no_number)
    assert "there is no number to dial, so the call queue passes" in page
    assert "to a manager (“No number to dial”), not to an officer" in page
    with_manager = re.search(r'id="open-escalation">(.*?)</dd>', page, re.S).group(1)
    assert "Escalation: no number to dial" in with_manager
    assert "no manager has taken it yet" in with_manager
    # Officers cannot open escalations: the facts, without a link that would answer 403.
    assert reverse("welfare:escalation", args=[escalation.pk]) not in page
    found = links(page)
    assert found["Add a phone number"] == reverse("tenants:numbers", args=[no_number.pk])
    assert found["Messages and contact preferences"] == reverse(
        "messaging:tenant_preferences", args=[no_number.pk]
    )
    assert "None can be sent: no mobile number or email address" in page


def test_a_manager_sees_who_has_the_escalation_and_opens_it(
    manager_client, manager, no_number, team
):
    escalation = Escalation.objects.create(
        tenant=no_number, team=team, reason=Escalation.Reason.NO_NUMBER, owner=manager
    )
    page = record(manager_client, no_number)
    with_manager = re.search(r'id="open-escalation">(.*?)</dd>', page, re.S).group(1)
    assert reverse("welfare:escalation", args=[escalation.pk]) in with_manager
    assert f"{escape(str(manager))} has it" in with_manager


def test_a_doorstep_visit_is_named_with_who_makes_it(
    client, officer, income_officer, manager, no_number, team
):
    escalation = Escalation.objects.create(
        tenant=no_number, team=team, reason=Escalation.Reason.NO_NUMBER
    )
    day = timezone.localdate() + timedelta(days=2)
    visit = visit_raise(
        escalation=escalation, team=team, officer=officer, target_on=day, what_to_ask="", by=manager
    )
    url = reverse("welfare:visit", args=[visit.pk])
    page = record(sign_in(client, officer), no_number)
    shown = re.search(r'id="open-visit">(.*?)</dd>', page, re.S).group(1)
    assert f"To visit by {day:%-d %b %Y}" in shown
    assert escape(str(officer)) in shown
    assert url in shown
    # An income officer sees the same facts; the visit's page is not theirs to open.
    page = record(sign_in(client, income_officer), no_number)
    shown = re.search(r'id="open-visit">(.*?)</dd>', page, re.S).group(1)
    assert f"To visit by {day:%-d %b %Y}" in shown
    assert url not in shown


def test_a_tenant_with_a_number_is_not_said_to_have_none(officer_client, patch):
    tenant = TenantFactory(patch=patch, mobile="+447700900555")
    page = record(officer_client, tenant)
    assert "no number to dial" not in page.lower()
    assert "Add a phone number" not in links(page)
    assert "By text message to 07700 900555" in page


def test_every_record_links_its_messages_and_contact_preferences(officer_client, patch):
    tenant = TenantFactory(patch=patch)
    found = links(record(officer_client, tenant))
    assert found["Messages and contact preferences"] == reverse(
        "messaging:tenant_preferences", args=[tenant.pk]
    )
