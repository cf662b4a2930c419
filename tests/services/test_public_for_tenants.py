"""What a tenant meets around the public pages: their own accessibility statement (not the staff
one, which leads to staff sign-in), updates by email or text offered before feeds, the number to
call when the help centre lists no one, and what the sign-up does with an address."""

import re

import pytest
from django.conf import settings

from services import actions, cache
from services.models import Service, Status
from tests.services.conftest import REPAIRS

pytestmark = [pytest.mark.django_db, pytest.mark.date_free]

PHONE_LINK = '<a class="govuk-link" href="tel:+441614960000">0161 496 0000</a>'
CENTRE = "customer-contact-centre"


def page_of(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, url
    return response.content.decode()


FOOTER_LINK = re.compile(r'<a class="govuk-footer__link" href="([^"]*)">Accessibility statement')


def footer_link(page):
    return FOOTER_LINK.search(page)[1]


@pytest.mark.parametrize(
    ("url", "statement"),
    [
        ("/status/", "/status/accessibility/"),
        (f"/status/{REPAIRS}/", "/status/accessibility/"),
        ("/status/subscribe/", "/status/accessibility/"),
        ("/status/no-such-service/", "/status/accessibility/"),
        ("/help-centre/", "/status/accessibility/?from=help-centre"),
    ],
)
def test_public_pages_link_the_tenants_accessibility_statement(client, url, statement):
    response = client.get(url)
    assert footer_link(response.content.decode()) == statement


def test_staff_pages_keep_the_staff_statement(client):
    page = page_of(client, "/accounts/sign-in/")
    assert footer_link(page) == "/accessibility/"
    staff = page_of(client, "/accessibility/")
    assert "Incident Support Team" in staff  # the staff banner, for staff


def test_the_tenants_statement_is_in_their_layout_with_the_way_back_and_how_to_contact_us(
    client,
):
    page = page_of(client, "/status/accessibility/")
    assert '<h1 class="govuk-heading-xl">Accessibility statement</h1>' in page
    assert "Incident Support Team" not in page and "govuk-phase-banner" not in page
    assert 'class="govuk-header__homepage-link"' in page
    assert re.search(r'href="/status/" class="govuk-header__homepage-link"', page)
    assert '<a href="/status/" class="govuk-back-link">All our services</a>' in page
    assert 'href="/help-centre/"' in page  # the help centre, in the header
    contact = page[page.index('id="accessibility-contact"') : page.index("How we test")]
    assert PHONE_LINK in contact
    assert f'href="mailto:{settings.CONTACT_EMAIL}"' in contact

    from_help = page_of(client, "/status/accessibility/", **{"from": "help-centre"})
    assert '<a href="/help-centre/" class="govuk-back-link">Help centre</a>' in from_help


def test_the_statement_gives_no_number_while_the_contact_centre_is_closed(client, boss):
    centre = Service.objects.get(slug=CENTRE)
    actions.status_change_create(
        service=centre, status=Status.UNAVAILABLE, message="Closed today.", user=boss
    )
    cache.invalidate()
    page = page_of(client, "/status/accessibility/")
    contact = page[page.index('id="accessibility-contact"') : page.index("How we test")]
    assert "tel:" not in contact
    assert f'href="mailto:{settings.CONTACT_EMAIL}"' in contact
    assert f'href="/status/{CENTRE}/"' in contact


def get_updates(page):
    return page[page.index('id="get-updates"') :]


def test_the_statement_says_how_to_report_a_problem_and_where_to_go_next(client):
    # What an accessibility statement must hold (a tester found only "We aim to meet"):
    # compliance status, how to report a problem, where to go next, when it was prepared.
    page = page_of(client, "/status/accessibility/")
    assert "We know of no part of these pages that does not meet it" in page
    assert "Reporting accessibility problems" in page
    assert 'href="https://www.equalityadvisoryservice.com/"' in page
    assert "This statement was prepared on" in page


def test_a_service_page_offers_updates_by_email_or_text_first(client):
    updates = get_updates(page_of(client, f"/status/{REPAIRS}/"))
    lead, developers = updates.split('id="for-developers"')
    assert (
        f'<a class="govuk-link" href="/status/subscribe/?service={REPAIRS}">'
        "Get updates by email or text message</a>"
    ) in lead
    assert "feed.atom" not in lead
    assert 'class="govuk-body-s"' in updates and "For developers and other websites:" in developers
    assert f'href="/status/{REPAIRS}/feed.atom"' in developers


def test_the_status_page_puts_the_feed_and_the_api_under_for_developers(client):
    updates = get_updates(page_of(client, "/status/"))
    lead, developers = updates.split('id="for-developers"')
    assert '<a class="govuk-link" href="/status/subscribe/">Get updates by email' in lead
    assert "Statuspage" not in lead and "Atom" not in lead
    assert "Statuspage API (JSON)" in developers and 'href="/status/feed.atom"' in developers


def ticked(page):
    boxes = re.findall(r'<input class="govuk-checkboxes__input"[^>]*>', page)
    return [re.search(r'value="(\d+)"', box)[1] for box in boxes if " checked" in box]


def test_the_sign_up_comes_with_the_service_it_was_opened_from_ticked(client, repairs):
    page = page_of(client, "/status/subscribe/", service=REPAIRS)
    assert ticked(page) == [str(repairs.pk)]
    assert "We have ticked Routine repairs and maintenance for you below." in page
    assert ticked(page_of(client, "/status/subscribe/")) == []
    assert ticked(page_of(client, "/status/subscribe/", service="no-such-service")) == []


def test_the_sign_up_says_what_happens_to_the_address(client):
    page = page_of(client, "/status/subscribe/")
    privacy = page[page.index('id="privacy"') : page.index('type="submit"')]
    assert "What we do with your email address or mobile number" in privacy
    assert "We use it only to send you these updates" in privacy
    assert "a link to unsubscribe at any time" in privacy
    assert "deletes your subscription at once" in privacy
    assert "We keep your subscription until you unsubscribe" in privacy
    assert (
        "If you do not confirm it within 24 hours, we send you nothing more, and we delete it"
        in privacy
    )
    assert f'href="mailto:{settings.CONTACT_EMAIL}"' in privacy  # whom to ask about it


def test_the_help_centre_gives_the_number_to_call_when_no_one_is_listed(client):
    page = page_of(client, "/help-centre/", need="utility_credit")
    assert "0 places can help" in page
    no_one = page[page.index('id="no-one-listed"') :]
    no_one = no_one[: no_one.index("</p>")]
    assert "We have no one listed for this yet." in no_one
    assert PHONE_LINK in no_one
