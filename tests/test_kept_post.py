"""A form sent after the session ended is kept through sign-in, and sent again only when the
person presses "Send it" (accounts.kept_post); a form's POST-only address opened as a page shows
the app's own page, not a blank 405."""

import html
import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts import kept_post
from accounts.kept_labels import readable_rows
from accounts.kept_post import MAX_BYTES, OWNER_COOKIE, OWNER_SALT
from conftest import sign_in
from tests.factories import (
    PASSWORD,
    CallTaskFactory,
    TenantFactory,
    TOTPDeviceFactory,
    load_default_cohorts,
)
from tests.test_accounts import code_for
from welfare.call_models import Call

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
KEPT = "/accounts/what-you-typed/"
NOTES = "Daughter visits on Tuesdays.\nAsked about a <b>pendant</b> alarm & a grab rail"


@pytest.fixture
def task(patch, officer):
    load_default_cohorts()
    tenant = TenantFactory(first_name="Margaret", last_name="Holt", patch=patch)
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def end_session(client):
    """What SESSION_IDLE_MINUTES without a request leaves: the browser still sends the cookie,
    the session it names has expired. A page was open first (it tells the browser who is
    signed in, for `kept_post.belongs_to`)."""
    client.get("/")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )


def call_form(**fields):
    return {
        "idempotency_key": str(uuid.uuid4()),
        "outcome": "spoke",
        "wellbeing": "good",
        "notes": NOTES,
        **fields,
    }


def sign_in_from(client, response, username="olivia"):
    """Sign in on the page `response` sent the browser to, and return where sign-in leads."""
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)
    response = client.post(response.url, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response.url


def kept_form(page):
    """The form on "Send what you typed?": its address and what pressing "Send it" sends."""
    action = html.unescape(
        re.search(r'<form method="post" id="kept-form" action="([^"]*)"', page).group(1)
    )
    fields = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page):
        fields.setdefault(html.unescape(name), []).append(html.unescape(value))
    return action, fields


class TestExpiredSession:
    def test_the_call_form_is_kept_through_sign_in_and_saved_once_when_sent(
        self, officer_client, task
    ):
        end_session(officer_client)
        log_url = f"/queue/task/{task.pk}/log/"
        response = officer_client.post(log_url, call_form())
        assert not Call.objects.exists()
        assert parse_qs(urlsplit(response.url).query) == {"next": [KEPT]}

        page = officer_client.get(response.url).content.decode()
        assert "Your session ended after 30 minutes without activity." in page
        assert "what you typed has been kept" in page

        assert sign_in_from(officer_client, response) == KEPT
        page = officer_client.get(KEPT).content.decode()
        assert "Send what you typed?" in page
        assert html.escape(NOTES).replace("\n", "<br>") in page  # readable, and escaped
        action, fields = kept_form(page)
        assert action == log_url
        assert "csrfmiddlewaretoken" in fields  # a fresh one, from this page
        assert fields["notes"] == [NOTES]

        response = officer_client.post(action, fields)
        assert response.status_code == 302
        call = Call.objects.get()
        assert call.notes == NOTES and call.task_id == task.pk
        assert officer_client.get(KEPT).url == "/"  # nothing kept any more
        officer_client.post(action, fields)  # sent again (Back, then the button)
        assert Call.objects.count() == 1

    def test_nothing_is_sent_until_the_button_is_pressed(self, officer_client, task):
        end_session(officer_client)
        response = officer_client.post(f"/queue/task/{task.pk}/log/", call_form())
        officer_client.get(sign_in_from(officer_client, response))
        officer_client.get(KEPT)
        assert not Call.objects.exists()

    def test_discard_drops_what_was_kept(self, officer_client, task):
        end_session(officer_client)
        response = officer_client.post(f"/queue/task/{task.pk}/log/", call_form())
        sign_in_from(officer_client, response)
        response = officer_client.post(KEPT)
        assert response.url == "/"
        assert "What you typed was discarded" in officer_client.get("/").content.decode()
        assert officer_client.get(KEPT).url == "/"
        assert not Call.objects.exists()

    def test_a_form_with_nothing_typed_is_offered_again(self, officer_client, task):
        end_session(officer_client)
        response = officer_client.post("/queue/next/")  # "Take next call" on the home page
        assert parse_qs(urlsplit(response.url).query) == {"next": [KEPT]}
        page = officer_client.get(response.url).content.decode()
        assert "the form you sent has been kept" in page
        sign_in_from(officer_client, response)
        page = officer_client.get(KEPT).content.decode()
        assert "Send the form again?" in page
        assert kept_form(page)[0] == "/queue/next/"

    def test_signed_out_elsewhere_says_so(self, officer_client, task):
        officer_client.get(f"/queue/task/{task.pk}/")  # the call page, open in this tab
        officer_client.post("/accounts/logout/")  # another tab
        response = officer_client.post(f"/queue/task/{task.pk}/log/", call_form())
        page = officer_client.get(response.url).content.decode()
        assert "You were signed out." in page and "what you typed has been kept" in page

    def test_someone_else_signing_in_is_never_shown_it(self, officer_client, task, other_officer):
        end_session(officer_client)
        response = officer_client.post(f"/queue/task/{task.pk}/log/", call_form())
        assert sign_in_from(officer_client, response, username="sam") == KEPT  # a shared PC

        response = officer_client.get(KEPT)

        assert response.url == "/"
        page = officer_client.get("/").content.decode()
        assert "was not yours, so it was discarded without being shown or sent" in page
        assert "pendant" not in page
        assert officer_client.get(KEPT).url == "/"  # gone
        assert not Call.objects.exists()

    def test_a_form_from_a_browser_no_one_signed_in_on_is_not_kept(self, client, task):
        """Else anyone could store 64 KB on the server with each request, for no one."""
        client.get(SIGN_IN)  # the CSRF cookie, as a script would get it
        response = client.post(f"/queue/task/{task.pk}/log/", call_form(notes="x" * 60_000))

        assert parse_qs(urlsplit(response.url).query) == {"next": ["/"]}
        assert "kept_post" not in client.session
        assert all(len(row.session_data) < 1_000 for row in Session.objects.all())

    def test_the_page_says_where_it_is_sent_and_what_the_page_added(self, officer_client, task):
        end_session(officer_client)
        form = call_form()
        response = officer_client.post(f"/queue/task/{task.pk}/log/", form)
        sign_in_from(officer_client, response)

        page = officer_client.get(KEPT).content.decode()

        assert f"<code>/queue/task/{task.pk}/log/</code>" in page
        assert form["idempotency_key"] in page.split('id="kept-by-page"')[1].split("</details>")[0]

    def test_the_browser_is_told_again_who_is_signed_in_once_an_hour_old(
        self, officer_client, officer
    ):
        """Else the cookie lapsed 12 hours after it was first set, in the middle of a long day,
        and the officer's own kept form was then discarded as someone else's."""
        signer = signing.get_cookie_signer(salt=OWNER_COOKIE + OWNER_SALT)
        with time_machine.travel(timezone.now() - timedelta(minutes=61), tick=False):
            old = signer.sign(str(officer.pk))
        officer_client.cookies[OWNER_COOKIE] = old

        response = officer_client.get("/")

        assert response.cookies[OWNER_COOKIE].value not in {"", old}  # told again
        assert officer_client.get("/").cookies.get(OWNER_COOKIE) is None  # fresh: not set again

    def test_a_form_kept_is_offered_on_every_page_until_sent_or_discarded(
        self, officer_client, task
    ):
        """Signing in from the plain sign-in page (or Back to it) skipped the kept page, and
        the form was then only reachable by typing its address."""
        end_session(officer_client)
        response = officer_client.post(f"/queue/task/{task.pk}/log/", call_form())
        officer_client.post(SIGN_IN, {"username": "olivia", "password": PASSWORD})  # no `next`

        home = officer_client.get("/").content.decode()
        assert 'id="kept-waiting"' in home and f'href="{KEPT}"' in home
        assert 'id="kept-waiting"' not in officer_client.get(KEPT).content.decode()

        officer_client.post(KEPT)  # discard
        assert 'id="kept-waiting"' not in officer_client.get("/").content.decode()
        assert response.status_code == 302

    def test_the_page_that_answers_the_kept_form_does_not_offer_it_again(
        self, officer_client, task
    ):
        end_session(officer_client)
        response = officer_client.post(f"/queue/task/{task.pk}/log/", call_form(wellbeing=""))
        sign_in_from(officer_client, response)
        action, fields = kept_form(officer_client.get(KEPT).content.decode())

        refused = officer_client.post(action, fields)  # wellbeing missing: shown again

        assert "Select how the tenant is" in refused.content.decode()  # 400, what was typed kept
        assert 'id="kept-waiting"' not in refused.content.decode()

    def test_a_form_whose_typist_is_not_known_is_not_shown(self, client, officer, task):
        client.force_login(officer)  # no page seen since: the browser never said who this is
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
        response = client.post(f"/queue/task/{task.pk}/log/", call_form())
        sign_in_from(client, response)

        assert client.get(KEPT).url == "/"
        assert not Call.objects.exists()

    def test_a_manager_keeps_it_through_two_factor(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        client.post(SIGN_IN, {"username": "maya", "password": PASSWORD})
        with time_machine.travel(timezone.now(), tick=False):
            client.post("/accounts/two-factor/", {"token": code_for(device)})
        end_session(client)
        response = client.post("/queue/settings/", {"claim_minutes": "45"})
        assert sign_in_from(client, response, username="maya") == KEPT
        response = client.get(KEPT)
        assert response.url.startswith("/accounts/two-factor/")
        with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
            response = client.post(response.url, {"token": code_for(device)})
        assert response.url == KEPT
        action, fields = kept_form(client.get(KEPT).content.decode())
        assert action == "/queue/settings/" and fields["claim_minutes"] == ["45"]

    def test_files_and_passwords_are_not_kept_and_the_page_says_so(self, officer_client, task):
        end_session(officer_client)
        upload = SimpleUploadedFile("list.csv", b"reference\nT1\n", content_type="text/csv")
        response = officer_client.post(
            "/campaigns/", {"name": "Winter", "file": upload, "password": "secret-words"}
        )
        sign_in_from(officer_client, response)
        page = officer_client.get(KEPT).content.decode()
        assert "Files you chose cannot be kept" in page
        assert "Passwords and security codes are never kept" in page
        assert "secret-words" not in page
        assert kept_form(page)[1]["name"] == ["Winter"]

    def test_a_form_that_only_sent_a_file_is_not_offered_to_send_without_it(
        self, manager_client, manager
    ):
        manager_client.get("/imports/new/tenants/")
        end_session(manager_client)
        upload = SimpleUploadedFile("tenants.csv", b"tenancy_ref\nT1\n", content_type="text/csv")
        response = manager_client.post("/imports/new/tenants/", {"file": upload})
        assert parse_qs(urlsplit(response.url).query) == {"next": [KEPT]}
        sign_in(manager_client, manager)  # and two-factor, in the same session

        page = manager_client.get(KEPT).content.decode()

        assert 'id="kept-send"' not in page
        assert 'href="/imports/new/tenants/">go back to the page</a>' in page

    def test_a_form_too_large_to_keep_says_so(self, officer_client, task):
        end_session(officer_client)
        response = officer_client.post(
            f"/queue/task/{task.pk}/log/", call_form(notes="x" * (MAX_BYTES + 1))
        )
        assert "What you typed was too long to keep." in (
            officer_client.get(response.url).content.decode()
        )
        sign_in_from(officer_client, response)
        page = officer_client.get(KEPT).content.decode()
        assert "could not be kept" in page and "x" * 100 not in page
        assert kept_form(page)[0] == KEPT  # its one button leaves the page, sending nothing

    def test_a_form_refused_by_the_csrf_check_is_not_kept(self, officer, task):
        client = Client(enforce_csrf_checks=True)
        client.force_login(officer)
        end_session(client)
        response = client.post(f"/queue/task/{task.pk}/log/", call_form())
        assert response.status_code == 403
        assert "kept_post" not in client.session


class TestPostOnlyAddresses:
    def test_a_post_only_address_opened_as_a_page_shows_the_apps_page(self, officer_client):
        response = officer_client.get("/queue/next/")
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert "This address is for sending a form" in response.content.decode()


# "Send what you typed?" names the fields and choices with the labels of the form its view
# declares (accounts.kept_labels), else a readable name and the value sent.


def shown(page):
    """The rows of what was typed, as (name, value) pairs."""
    listing = page.split('id="kept-fields"')[1].split("</dl>")[0]
    return re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value"><p class="govuk-body">(.*?)</p>',
        listing,
        re.S,
    )


def test_the_call_forms_labels_and_choices_name_what_was_typed(officer_client, task):
    end_session(officer_client)
    form = call_form(
        notes="Fine",
        answer_0="Very well",
        needs="food",
        decline_confirmed="on",
        in_hospital_until_0="7",
        in_hospital_until_1="12",
        in_hospital_until_2="2026",
        then="queue",
    )
    response = officer_client.post(f"/queue/task/{task.pk}/log/", form)
    sign_in_from(officer_client, response)

    page = officer_client.get(KEPT).content.decode()

    assert set(shown(page)) == {
        ("What happened?", "Spoke to tenant"),
        ("How is the tenant?", "Good"),
        ("Notes", "Fine"),
        ("1. How are you doing?", "Very well"),
        ("Support the tenant needs", "Food and shopping"),
        ("Yes, the tenant asked us to stop welfare calls", "Yes"),
        ("In hospital until", "7 12 2026"),
        ("Then", "Return to the queue"),
    }
    # What "Send it" sends is what was kept, raw.
    fields = kept_form(page)[1]
    assert fields["outcome"] == ["spoke"] and fields["then"] == ["queue"]
    assert fields["in_hospital_until_0"] == ["7"]


def test_a_view_that_declares_no_form_shows_readable_names_and_raw_values():
    rows = readable_rows([["call_back_when", ["soon"]], ["next", ["/"]]], "/nowhere/")
    assert rows == [{"name": "Call back when", "values": ["soon"]}]


@pytest.mark.urls("tests.kept_labels_urls")
def test_a_password_field_by_any_name_is_never_kept_nor_shown():
    request = RequestFactory().post("/pin/", {"pin": "4321", "colour": "b"})
    request.session = SessionStore()
    kept_post.keep(request)
    kept = request.session[kept_post.SESSION_KEY]
    assert kept["fields"] == [["colour", ["b"]]] and kept["secrets"] == ["pin"]
    assert readable_rows([["pin", ["4321"]], ["colour", ["b"]]], "/pin/") == [
        {"name": "Favourite colour", "values": ["Blue"]}
    ]


def test_a_provider_check_in_kept_is_named_by_its_form():
    rows = readable_rows(
        [["staffing", ["stretched"]], ["notes", ["Two off sick"]]], "/providers/3/check-in/"
    )
    assert rows == [
        {"name": "Can they keep adequate staffing?", "values": ["Stretched"]},
        {"name": "Notes", "values": ["Two off sick"]},
    ]
