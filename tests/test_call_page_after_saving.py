"""What the officer reads once a call is saved: the banner says when a no answer or a voicemail
comes back, and a finished call's page no longer says why it is due."""

import html
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from conftest import sign_in
from here_to_help.models import HelpRequest
from tests.factories import (
    CallTaskFactory,
    FamilyContactFactory,
    TenantFactory,
    load_default_cohorts,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)  # the next working day: Monday 30 November


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(FRIDAY, tick=True):
        yield


@pytest.fixture(autouse=True)
def cohorts(clock):
    load_default_cohorts()


@pytest.fixture
def task(clock, patch, officer):
    tenant = TenantFactory(first_name="Howard", last_name="Atkinson", patch=patch)
    return CallTaskFactory(
        tenant=tenant,
        due_on=FRIDAY.date() - timedelta(days=91),
        attempts=1,
        claimed_by=officer,
        claimed_at=timezone.now(),
    )


def save(client, task, **data):
    payload = {"idempotency_key": str(uuid.uuid4()), "then": "queue", **data}
    return client.post(f"/queue/task/{task.pk}/log/", payload, follow=True)


def banner(response):
    return [html.unescape(str(message)) for message in response.context["messages"]]


@pytest.mark.parametrize(
    "outcome, label", [("no_answer", "No answer"), ("voicemail", "Voicemail left")]
)
def test_the_banner_says_when_the_call_comes_back(clock, officer_client, task, outcome, label):
    response = save(officer_client, task, outcome=outcome)
    assert banner(response) == [
        f"Call to Howard Atkinson recorded: {label}. The next attempt is from Monday 30 November."
    ]


def test_a_finished_call_does_not_say_why_now(clock, officer_client, task):
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    assert re.search(r'id="why-now">[^<]*overdue 91 days', page)
    assert "1 failed attempt" in page

    save(officer_client, task, outcome="spoke", wellbeing="good")
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    assert "This call is done" in page
    assert "Why now" not in page and 'id="why-now"' not in page
    assert "overdue 91 days" not in page and "failed attempt" not in page


def test_back_and_resubmit_after_saving_says_the_call_was_recorded(clock, officer_client, task):
    """Spoke without how the tenant is (refused), fixed and saved, then Back and the browser's
    resubmit of the refused form: the call as recorded first, and what was typed, read-only."""
    key = str(uuid.uuid4())
    refused = {"idempotency_key": key, "then": "queue", "outcome": "spoke", "notes": "Sounded low"}
    url = f"/queue/task/{task.pk}/log/"
    assert officer_client.post(url, refused).status_code == 400
    assert officer_client.post(url, {**refused, "wellbeing": "okay"}).status_code == 302

    response = officer_client.post(url, refused)
    page = html.unescape(response.content.decode())
    assert response.status_code == 409
    assert "This call was already recorded by you at 10:00: Spoke to tenant, okay." in page
    assert re.search(r'id="typed-again">.*Notes.*Sounded low', page, re.S)
    assert "Select how the tenant is" not in page
    assert "Save and take next call" not in page and 'id="call-form"' not in page
    assert task.calls.count() == 1


def test_in_hospital_with_the_discharge_date_not_known(clock, officer_client, task):
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    assert "Nobody knows the discharge date yet: calls pause for 7 days" in page

    response = save(
        officer_client,
        task,
        outcome="in_hospital",
        discharge_date_not_known="on",
        hospital_confirmed="on",
    )
    call = task.calls.get()
    assert call.in_hospital_until == FRIDAY.date() + timedelta(days=7)
    assert call.discharge_date_not_known
    task.tenant.refresh_from_db()
    assert task.tenant.in_hospital_until == FRIDAY.date() + timedelta(days=7)
    assert banner(response) == [
        "Call to Howard Atkinson recorded: In hospital until 4 December 2026 (discharge date "
        "not known: we call again then to ask)."
    ]
    # The record's history says the date is ours, not the hospital's.
    record = html.unescape(officer_client.get(f"/tenants/{task.tenant_id}/").content.decode())
    assert (
        "Reason: welfare call: discharge date not known, we call again on 4 December 2026 to "
        "ask" in record
    )


def test_a_discharge_date_and_not_known_together_are_refused(clock, officer_client, task):
    response = save(
        officer_client,
        task,
        outcome="in_hospital",
        in_hospital_until_0="2",
        in_hospital_until_1="12",
        in_hospital_until_2="2026",
        discharge_date_not_known="on",
        hospital_confirmed="on",
    )
    assert response.status_code == 400
    assert "or tick &quot;Not known&quot;: not both" in response.content.decode()
    assert not task.calls.exists()


def test_the_banner_links_each_request_raised_and_offers_to_take_them_on(
    clock, officer_client, officer, task
):
    response = save(officer_client, task, outcome="spoke", wellbeing="struggling",
                    needs=["food", "medication"])  # fmt: skip
    food, medication = HelpRequest.objects.filter(source_task=task).order_by("need")
    call = task.calls.get()
    message = str(list(response.context["messages"])[0])
    team = task.tenant.patch.team.name
    # In a new tab, and saying so: after "Save and take next call" the banner sits above the
    # next call's form, and following a link in the same tab would lose what was typed there.
    new_tab = 'target="_blank" rel="noopener"'
    assert f'href="/help/{food.pk}/" {new_tab}>Food and shopping (opens in new tab)</a> (due' in (
        message
    )
    assert f'href="/help/{medication.pk}/" {new_tab}>Medication (opens in new tab)</a>' in message
    assert f"They wait, with no owner, for someone in {team} to take them on" in message
    assert (
        f'href="/queue/call/{call.pk}/#call-requests" {new_tab}>take them on yourself '
        "(opens in new tab)</a>"
    ) in message

    page = officer_client.get(f"/queue/call/{call.pk}/").content.decode()
    assert "Take them on (2 requests with no owner)" in page
    response = officer_client.post(f"/queue/call/{call.pk}/take-requests/")
    assert response.url == f"/queue/call/{call.pk}/#call-requests"
    assert set(HelpRequest.objects.values_list("owner", "status")) == {(officer.pk, "in_progress")}
    page = officer_client.get(f"/queue/call/{call.pk}/").content.decode()
    assert "Take them on" not in page and page.count(", yours</li>") == 2


def test_another_teams_officer_cannot_take_on_a_calls_requests(
    clock, officer_client, client, other_officer, task
):
    save(officer_client, task, outcome="spoke", wellbeing="good", needs=["food"])
    call = task.calls.get()
    response = sign_in(client, other_officer).post(f"/queue/call/{call.pk}/take-requests/")
    assert response.status_code == 404
    assert HelpRequest.objects.get().owner is None


def test_the_form_comes_before_the_side_column_in_the_page(clock, officer_client, task):
    """Tab from the tenant's name reaches "What happened?" before the "Last spoken to" link or
    a family contact's phone: the page's order is the keyboard's."""
    FamilyContactFactory(tenant=task.tenant, phone="+447700900123")
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    outcomes = page.index('name="outcome"')
    assert outcomes < page.index('id="before-dialling"')
    assert outcomes < page.index('href="tel:+447700900123"')
    assert outcomes < page.index("Last spoken to")


def test_a_finished_call_reached_with_back_offers_the_next_call(clock, officer_client, task):
    save(officer_client, task, outcome="spoke", wellbeing="good")
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    assert "This call is done" in page
    offer = page.split('id="call-done-next"')[1].split("</form>")[0]
    assert 'action="/queue/next/"' in page.split('id="call-done-next"')[0].rsplit("<form", 1)[1]
    assert "Take next call</button>" in offer


def test_a_note_added_to_the_recorded_call_says_amended_only_when_the_outcome_changed(
    clock, officer_client, task
):
    """Back after saving, more notes typed, "Add it as a note to the recorded call"."""
    key = str(uuid.uuid4())
    url = f"/queue/task/{task.pk}/log/"
    saved = {"idempotency_key": key, "then": "queue", "outcome": "spoke", "wellbeing": "okay"}
    assert officer_client.post(url, saved).status_code == 302
    call = task.calls.get()
    officer_client.post(url, {**saved, "notes": "Daughter visits Sundays", "add_note": call.pk})
    officer_client.post(
        url,
        {**saved, "idempotency_key": str(uuid.uuid4()), "wellbeing": "struggling",
         "notes": "Low", "add_note": call.pk},
    )  # fmt: skip
    assert list(call.later_notes.order_by("at").values_list("text", flat=True)) == [
        "Note added\nDaughter visits Sundays",
        "Amended to: Spoke to tenant, struggling\nLow",
    ]


def test_the_record_does_not_read_a_not_known_discharge_date_as_the_date(
    clock, officer_client, task
):
    save(officer_client, task, outcome="in_hospital", discharge_date_not_known="on",
         hospital_confirmed="on")  # fmt: skip
    page = html.unescape(officer_client.get(f"/tenants/{task.tenant.pk}/").content.decode())
    assert "In hospital (discharge date not known); we call again on 4 Dec 2026" in page
    next_call = page.split('id="next-call">')[1].split("</dd>")[0].strip()
    assert next_call == (
        "Not queued: in hospital (discharge date not known); we call again on 4 December 2026 "
        "to ask"
    )
    assert "In hospital until 4 Dec" not in page and "in hospital until 4 December" not in page


def test_a_known_discharge_date_is_shown_as_the_date(clock, officer_client, task):
    save(officer_client, task, outcome="in_hospital", in_hospital_until_0="4",
         in_hospital_until_1="12", in_hospital_until_2="2026", hospital_confirmed="on")  # fmt: skip
    page = html.unescape(officer_client.get(f"/tenants/{task.tenant.pk}/").content.decode())
    assert "In hospital until 4 Dec 2026" in page
    assert "Not queued: in hospital until 4 December 2026" in page


def test_the_other_need_needs_the_notes_to_say_what_it_is(clock, officer_client, task):
    typed = {"outcome": "spoke", "wellbeing": "okay", "needs": ["food", "other"],
             "answer_0": "Getting by"}  # fmt: skip
    response = save(officer_client, task, **typed)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    summary = page.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#id_notes">Say in the notes what the "Other" need is</a>' in summary
    assert "\nGetting by</textarea>" in page and re.search(r'value="other"\s+checked', page)
    assert not task.calls.exists() and not HelpRequest.objects.exists()

    save(officer_client, task, **typed, notes="Needs a new front door key cut")
    other = HelpRequest.objects.get(need="other")
    assert "Needs a new front door key cut" in other.notes.first().text
