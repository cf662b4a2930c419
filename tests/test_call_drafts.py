"""Leaving the call page mid-call keeps what the officer typed: "Correct a phone number" and
the tenant's full record are buttons of the call form that keep it for that call and officer,
and the call page starts from it again until the call is saved or handed back."""

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from tests.factories import (
    CallTaskFactory,
    HelpRequestFactory,
    OfficerFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.call_models import CallDraft

pytestmark = [pytest.mark.django_db, pytest.mark.date_free]

TYPED = {
    "outcome": "spoke",
    "wellbeing": "okay",
    "answer_0": "Managing, a bit low",
    "answer_1": "Daughter shops on Fridays",
    "notes": "Asked us to call her daughter's mobile next time",
}


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def task(patch, officer):
    return CallTaskFactory(
        tenant=TenantFactory(patch=patch), claimed_by=officer, claimed_at=timezone.now()
    )


def call_page(client, task):
    return html.unescape(client.get(reverse("welfare:task", args=[task.pk])).content.decode())


def leave(client, task, go, **typed):
    data = {"idempotency_key": str(uuid.uuid4()), "go": go, **TYPED, **typed}
    return client.post(reverse("welfare:keep_draft", args=[task.pk]), data)


def shows_what_was_typed(page):
    return (
        "Your notes are kept" in page
        and "Managing, a bit low</textarea>" in page
        and "Daughter shops on Fridays</textarea>" in page
        and "Asked us to call her daughter's mobile next time</textarea>" in page
        and re.search(r'value="spoke"\s+checked', page)
        and re.search(r'value="okay"\s+checked', page)
    )


def test_correct_a_phone_number_is_a_button_of_the_call_form(officer_client, task):
    page = call_page(officer_client, task)
    keep = reverse("welfare:keep_draft", args=[task.pk])
    assert f'form="call-form" formaction="{keep}" formnovalidate name="go" value="numbers"' in page
    assert 'id="call-form"' in page


def test_correct_a_phone_number_mid_call_keeps_what_was_typed(officer_client, task):
    response = leave(officer_client, task, "numbers")
    assert response.status_code == 302
    assert response.url == (
        reverse("tenants:numbers", args=[task.tenant_id]) + f"?task={task.pk}&kept=1"
    )

    page = call_page(officer_client, task)
    assert shows_what_was_typed(page)
    assert "Select how the tenant is" not in page  # not sent to be saved: not checked


def test_the_full_record_mid_call_keeps_what_was_typed(officer_client, task):
    response = leave(officer_client, task, "record")
    assert response.url == reverse("tenants:record", args=[task.tenant_id])
    assert shows_what_was_typed(call_page(officer_client, task))


def test_the_full_record_leads_back_to_the_call_the_officer_holds(
    officer_client, client, task, team
):
    response = leave(officer_client, task, "record")
    page = html.unescape(officer_client.get(response.url).content.decode())
    back = page.split('id="back-to-call"')[1].split("</p>")[0]
    assert f'href="/queue/task/{task.pk}/"' in back
    assert f"Back to your call to {task.tenant.full_name}</a>" in back
    # Not for a colleague reading the same record: the call is not theirs.
    colleague = sign_in(client, OfficerFactory(team=team))
    assert 'id="back-to-call"' not in colleague.get(response.url).content.decode()


def test_the_numbers_page_still_says_what_was_typed_is_kept_after_a_refused_entry(
    officer_client, task
):
    url = leave(officer_client, task, "numbers").url
    for response in (
        officer_client.get(url),
        officer_client.post(url, {"action": "add", "add-number": "not a number"}),
    ):
        page = html.unescape(response.content.decode())
        kept = page.split('id="call-kept">')[1].split("</div>")[0]
        assert kept.startswith(f"What you typed on the call to {task.tenant.full_name} is kept")
        assert f'href="/queue/task/{task.pk}/">go back to the call</a>' in kept
    assert response.status_code == 400
    assert shows_what_was_typed(call_page(officer_client, task))


def test_the_draft_never_shows_to_another_officer(officer_client, officer, task, team):
    leave(officer_client, task, "numbers")
    # The officer's hold runs out, and a colleague takes the call.
    task.claimed_at = timezone.now() - timedelta(hours=1)
    task.save()
    colleague = sign_in(Client(), OfficerFactory(team=team))
    colleague.post(reverse("welfare:claim", args=[task.pk]))
    page = call_page(colleague, task)
    assert 'id="call-form"' in page
    assert "Your notes are kept" not in page and "Managing, a bit low" not in page


def test_saving_the_call_drops_the_draft(officer_client, officer, task):
    leave(officer_client, task, "numbers", outcome="no_answer", wellbeing="")
    officer_client.post(
        reverse("welfare:log_call", args=[task.pk]),
        {"idempotency_key": str(uuid.uuid4()), "outcome": "no_answer", "then": "queue"},
    )
    assert not CallDraft.objects.exists()
    # The next attempt starts from a blank form.
    task.refresh_from_db()
    task.available_from = None
    task.claimed_by, task.claimed_at = officer, timezone.now()
    task.save()
    page = call_page(officer_client, task)
    assert "Your notes are kept" not in page and "Managing, a bit low" not in page


def test_handing_back_drops_the_draft(officer_client, officer, task):
    leave(officer_client, task, "numbers")
    officer_client.post(reverse("welfare:hand_back", args=[task.pk]))
    assert not CallDraft.objects.exists()


def test_another_teams_officer_cannot_keep_a_draft(client, other_officer, task):
    response = leave(sign_in(client, other_officer), task, "numbers")
    assert response.status_code == 404
    assert not CallDraft.objects.exists()


def test_the_call_pages_other_links_open_in_a_new_tab(officer_client, officer, task):
    HelpRequestFactory(tenant=task.tenant)
    page = call_page(officer_client, task)
    side = page.split('id="call-side"', 1)[1].split("</main>", 1)[0]
    assert side.count("(opens in new tab)</a>") >= 1
    for link in side.split("<a ")[1:]:
        if 'href="tel:' not in link:
            assert 'target="_blank"' in link and "(opens in new tab)" in link, link


def test_leaving_by_any_other_way_keeps_what_was_typed_without_moving(officer_client, task):
    """The call page's script posts the form as the officer leaves by the menu, the back link
    or the browser (go=stay): kept the same way, and nothing to follow."""
    page = call_page(officer_client, task)
    keep = reverse("welfare:keep_draft", args=[task.pk])
    assert f'id="call-form" data-keep-url="{keep}"' in page
    response = leave(officer_client, task, "stay")
    assert response.status_code == 204
    assert shows_what_was_typed(call_page(officer_client, task))


def test_a_call_recorded_meanwhile_keeps_no_draft_when_left(officer_client, task):
    task.status = task.Status.DONE
    task.save()
    response = leave(officer_client, task, "stay")
    assert response.status_code == 409
    assert not CallDraft.objects.exists()


def test_another_teams_officer_cannot_keep_a_draft_by_leaving(client, other_officer, task):
    response = leave(sign_in(client, other_officer), task, "stay")
    assert response.status_code == 404
    assert not CallDraft.objects.exists()


def test_a_refused_saves_address_opened_again_leads_to_the_call(officer_client, task):
    """A refused save is shown at the form's address; the address bar is set to the call's own
    page, and the form's address opened as a page (a reload, Back) leads there too, not to a
    "This address is for sending a form" dead end."""
    log = reverse("welfare:log_call", args=[task.pk])
    refused = officer_client.post(log, {"idempotency_key": str(uuid.uuid4()), "then": "queue"})
    assert refused.status_code == 400
    assert f'data-page-url="/queue/task/{task.pk}/"' in refused.content.decode()
    response = officer_client.get(log)
    assert response.status_code == 302 and response.url == f"/queue/task/{task.pk}/"


def test_hand_back_says_beforehand_that_what_was_typed_is_not_kept(officer_client, task):
    page = call_page(officer_client, task)
    button = page.split("Hand back to the queue</button>", 1)[0].rsplit("<button", 1)[1]
    assert 'aria-describedby="hand-back-hint"' in button
    assert (
        'id="hand-back-hint">Anything typed on this call is not kept when you hand it back.</p>'
        in page
    )
