"""The income officer decides on a flag with the facts in view: the "Raise a flag" and "No flag
needed" pages show the tenant's current rent balance and, for a request raised on a welfare
call, what the tenant answered to the call script (as the request page does)."""

import html
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.arrears.helpers import text_of
from tests.factories import CallTaskFactory, RentBalanceFactory, load_default_cohorts
from welfare.call_actions import call_log

pytestmark = [pytest.mark.django_db, pytest.mark.date_free]

ANSWERS = ["Worried sick", "", "", "", "", "Hours cut at the care home, rent is behind"]


@pytest.fixture
def money(tenant, officer):
    """A financial-difficulty request raised on a welfare call, with two answers recorded."""
    load_default_cohorts()
    task = CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())
    call = call_log(
        task=task, officer=officer, outcome="spoke", idempotency_key=uuid.uuid4(),
        wellbeing="struggling", needs=["financial_difficulty"], answers=ANSWERS,
        notes="Rang back after the shift",
    )  # fmt: skip
    return call.raised_requests[0]


@pytest.fixture
def balances(tenant):
    today = timezone.localdate()
    RentBalanceFactory(tenant=tenant, balance=Decimal("300.00"), as_at=today - timedelta(7))
    RentBalanceFactory(
        tenant=tenant,
        balance=Decimal("1204.37"),
        weekly_rent=Decimal("100.00"),
        as_at=today - timedelta(days=1),
    )
    return today - timedelta(days=1)


def facts_of(page):
    return page.split('id="decision-facts"')[1].split("</dl>")[0]


def assert_shows_the_call_and_balance(page, as_at):
    facts = facts_of(page)
    balance = facts.split('id="current-rent-balance"')[1].split("</dd>")[0]
    assert f"£1,204.37 in arrears, as at {as_at.day} {as_at:%B %Y}" in balance
    assert "12.0 weeks of rent owed" in balance
    answers = facts.split('id="call-answers"')[1].split("</ul>")[0]
    assert "How are you doing? <strong>Worried sick</strong>" in answers
    assert "<strong>Hours cut at the care home, rent is behind</strong>" in answers
    assert answers.count("<li>") == 2  # the questions not answered are left out
    assert "Call notes: Rang back after the shift" in facts


def test_raise_a_flag_shows_the_call_answers_and_current_balance(
    income_client, tenant, money, balances
):
    page = text_of(income_client.get(f"/arrears/raise/?tenant={tenant.pk}&request={money.pk}"))

    assert_shows_the_call_and_balance(page, balances)


def test_no_flag_needed_shows_the_call_answers_and_current_balance(income_client, money, balances):
    page = text_of(income_client.get(f"/help/{money.pk}/arrears-considered/"))

    assert_shows_the_call_and_balance(page, balances)


def test_a_refused_decision_still_shows_them(income_client, money, balances):
    page = text_of(income_client.post(f"/help/{money.pk}/arrears-considered/", {"reason": ""}))

    assert "Enter why no arrears flag is needed" in page
    assert_shows_the_call_and_balance(page, balances)


def test_a_tenant_with_no_balance_held_is_said_to_have_none(income_client, tenant):
    page = text_of(income_client.get(f"/arrears/raise/?tenant={tenant.pk}"))

    balance = facts_of(page).split('id="current-rent-balance"')[1].split("</dd>")[0]
    assert "No balance held" in balance
    assert 'id="call-answers"' not in page  # not from a request: no call to show


def test_raised_without_a_request_it_shows_the_tenants_latest_spoken_call(
    income_client, tenant, officer, money, balances
):
    """From the worklist or the record (no request): the last call the tenant was spoken on,
    not an earlier one, nor a later no answer."""
    later = CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())
    call_log(task=later, officer=officer, outcome="no_answer", idempotency_key=uuid.uuid4())

    page = text_of(income_client.get(f"/arrears/raise/?tenant={tenant.pk}"))

    assert_shows_the_call_and_balance(page, balances)
    latest = facts_of(page).split('id="latest-call"')[1].split("</dd>")[0]
    assert f", by {officer}; the tenant was struggling" in html.unescape(latest)


def test_a_tenant_never_spoken_to_is_said_to_have_no_call(income_client, tenant):
    page = text_of(income_client.get(f"/arrears/raise/?tenant={tenant.pk}"))

    latest = facts_of(page).split('id="latest-call"')[1].split("</dd>")[0]
    assert "No welfare call where" in latest and "was spoken to" in latest
