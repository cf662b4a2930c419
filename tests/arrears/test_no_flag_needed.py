"""A financial-difficulty request's arrears decision when it is not a flag: "No flag needed",
with a required reason, on a page that says what it records; the reason is shown on the request
afterwards, and a refused post keeps what was typed."""

from html import escape

import pytest
from django.test import Client

from conftest import sign_in
from here_to_help.models import HelpRequest, Need, RequestNote
from tenants.models import AccessLog
from tests.arrears.helpers import text_of
from tests.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def money(tenant):
    return HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)


def url(help_request, query=""):
    return f"/help/{help_request.pk}/arrears-considered/{query}"


def test_the_page_says_what_it_records_and_logs_the_read(income_client, income_officer, money):
    page = text_of(income_client.get(url(money)))
    assert '<h1 class="govuk-heading-xl">No arrears flag needed</h1>' in page
    assert "decided the tenant does not need one" in page
    assert "Why no arrears flag is needed" in page
    assert "Record: no flag needed" in page
    assert f"/arrears/raise/?tenant={money.tenant_id}&amp;request={money.pk}" in page
    entry = AccessLog.objects.get()
    assert (entry.user, entry.tenant_id) == (income_officer, money.tenant_id)
    money.refresh_from_db()
    assert money.arrears_considered_at is None  # opening the page records nothing


def test_a_post_without_a_reason_is_refused_and_keeps_what_was_typed(income_client, money):
    response = income_client.post(url(money), {"reason": "   ", "next": "/"})
    assert response.status_code == 200
    page = text_of(response)
    assert "Enter why no arrears flag is needed" in page
    assert 'name="next" value="/"' in page  # still goes back to the home page once saved

    too_long = "Paid up in full " * 15
    response = income_client.post(url(money), {"reason": too_long})
    page = text_of(response)
    assert "The reason must be 200 characters or fewer" in page
    assert escape(too_long.strip()) in page  # in the box, to shorten, not to type again
    money.refresh_from_db()
    assert money.arrears_considered_at is None


def test_the_decision_and_reason_are_shown_on_the_request(
    income_client, income_officer, officer, money
):
    response = income_client.post(
        url(money), {"reason": "Back at work full time; rent paid up to date"}
    )
    assert response.status_code == 302 and response.url == f"/help/{money.pk}/"
    money.refresh_from_db()
    assert money.arrears_considered_by == income_officer
    assert money.arrears_no_flag_reason == "Back at work full time; rent paid up to date"
    note = RequestNote.objects.filter(request=money).latest("created_at")
    assert note.text == "No arrears flag needed: Back at work full time; rent paid up to date"

    page = text_of(income_client.get(f"/help/{money.pk}/"))
    decided = page.split('id="no-flag-needed"')[1].split("</dd>")[0]
    assert "<strong>No flag needed</strong>: Back at work full time; rent paid up to date" in (
        decided
    )
    assert f"Decided by {escape(str(income_officer))} on" in decided
    # Not final: a flag can still be raised from the request.
    assert "Raise an arrears flag after all" in decided
    assert "Success" in page or "Recorded: no arrears flag needed for" in page

    # An officer sees the decision and its reason, with no way into the arrears pages.
    officer_page = text_of(sign_in(Client(), officer).get(f"/help/{money.pk}/"))
    assert "No flag needed</strong>: Back at work full time" in officer_page
    assert "Raise an arrears flag after all" not in officer_page


def test_a_decision_already_recorded_is_not_replaced(income_client, income_officer, money):
    income_client.post(url(money), {"reason": "Paid up"})
    response = income_client.post(url(money), {"reason": "Something else"})
    assert response.status_code == 302 and response.url == f"/help/{money.pk}/"
    money.refresh_from_db()
    assert money.arrears_no_flag_reason == "Paid up"
    assert income_client.get(url(money)).status_code == 302


def test_the_home_panel_offers_both_decisions_and_returns_there(income_client, money):
    home = text_of(income_client.get("/"))
    panel = home.split('id="panel-help-arrears"')[1]
    raise_url = f"/arrears/raise/?tenant={money.tenant_id}&amp;request={money.pk}"
    assert f'href="{raise_url}">Raise a flag' in panel
    assert f'href="{url(money, "?next=/")}">No flag needed' in panel
    assert "<form" not in panel.split("</table>")[0]  # no decision recorded in one click

    page = text_of(income_client.get(url(money, "?next=/")))
    assert 'name="next" value="/"' in page
    response = income_client.post(url(money), {"reason": "Paid up", "next": "/"})
    assert response.url == "/"
    assert 'id="panel-help-arrears"' not in text_of(income_client.get("/"))


def test_another_page_on_this_site_only_as_next(income_client, money):
    page = text_of(income_client.get(url(money, "?next=https://example.com/")))
    assert "example.com" not in page
    response = income_client.post(url(money), {"reason": "Paid up", "next": "//example.com/"})
    assert response.url == f"/help/{money.pk}/"


def test_who_may_record_it(client, officer, income_officer, other_income_client, money, tenant):
    food = HelpRequestFactory(tenant=tenant, need=Need.FOOD)
    assert other_income_client.get(url(money)).status_code == 404  # another team's tenant
    assert other_income_client.post(url(money), {"reason": "x"}).status_code == 404
    sign_in(client, officer)
    assert client.get(url(money)).status_code == 403
    assert client.post(url(money), {"reason": "x"}).status_code == 403
    assert HelpRequest.objects.get(pk=money.pk).arrears_considered_at is None
    client.logout()
    response = client.get(url(money))
    assert response.status_code == 302 and "/accounts/sign-in/" in response.url
    income = sign_in(Client(), income_officer)
    assert income.get(url(food)).status_code == 404  # no arrears decision for a food request
