"""A call form sent after the officer's hold ran out, or after the call was logged from another
tab: saved when no one has touched the call since, otherwise the page says what happened and
keeps what was typed, with the choices that record it (welfare.call_lapse)."""

import html
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import sign_in
from tests.factories import (
    PASSWORD,
    CallTaskFactory,
    OfficerFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.call_models import Call
from welfare.models import CallTask

pytestmark = pytest.mark.django_db
NOTES = "Long chat: her daughter is away until Friday and the fridge is nearly empty"


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def task(patch, officer):
    tenant = TenantFactory(first_name="Margaret", last_name="Holt", patch=patch)
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def shown_form(client, task):
    """The call page's form as the browser would send it: its key and the hold it is under."""
    page = client.get(f"/queue/task/{task.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    held = re.search(r'name="held_since" value="([^"]*)"', page).group(1)
    assert held, "the form says which hold it was typed under"
    return {"idempotency_key": key, "held_since": held}


def spoke(form, **extra):
    return {
        **form,
        "outcome": "spoke",
        "wellbeing": "struggling",
        "needs": ["food"],
        "notes": NOTES,
        "then": "queue",
        **extra,
    }


class TestHoldRanOut:
    def test_the_call_is_saved_once_when_no_one_took_it_since(self, client, officer, task):
        sign_in(client, officer)
        form = shown_form(client, task)
        with time_machine.travel(timezone.now() + timedelta(minutes=45), tick=False):
            sign_in(client, officer)  # the session lapsed too: signed in again, "Send it"
            url = f"/queue/task/{task.pk}/log/"
            first = client.post(url, spoke(form))
            again = client.post(url, spoke(form))  # sent twice: saved once
        assert first.status_code == 302 and again.status_code == 302
        call = Call.objects.get(tenant=task.tenant)
        assert call.officer == officer and call.notes == NOTES and call.outcome == "spoke"
        task.refresh_from_db()
        assert task.status == CallTask.Status.DONE and task.claimed_by is None
        assert task.tenant.help_requests.count() == 1

    def test_someone_else_holding_it_gets_the_page_that_keeps_the_call(
        self, client, officer, team, task
    ):
        sign_in(client, officer)
        form = shown_form(client, task)
        colleague = OfficerFactory(team=team, first_name="Colin", last_name="Reed")
        later = timezone.now() + timedelta(minutes=45)
        with time_machine.travel(later, tick=False):
            CallTask.objects.filter(pk=task.pk).update(claimed_by=colleague, claimed_at=later)
            sign_in(client, officer)
            response = client.post(f"/queue/task/{task.pk}/log/", spoke(form))
        assert response.status_code == 409
        page = response.content.decode()
        assert 'id="call-conflict"' in page
        assert f"Your hold on this call ran out, and {colleague} took it" in page
        assert NOTES in page
        assert "Record it as a new attempt" in page
        assert not Call.objects.exists()
        task.refresh_from_db()
        assert task.claimed_by == colleague

    def test_someone_else_logging_it_meanwhile_gets_the_conflict_page(
        self, client, officer, team, task
    ):
        from welfare.call_actions import call_log

        sign_in(client, officer)
        form = shown_form(client, task)
        colleague = OfficerFactory(team=team)
        later = timezone.now() + timedelta(minutes=45)
        with time_machine.travel(later, tick=False):
            CallTask.objects.filter(pk=task.pk).update(claimed_by=colleague, claimed_at=later)
            task.refresh_from_db()
            key = uuid.uuid4()
            call_log(task=task, officer=colleague, outcome="voicemail", idempotency_key=key)
            sign_in(client, officer)
            response = client.post(f"/queue/task/{task.pk}/log/", spoke(form))
        assert response.status_code == 409
        page = response.content.decode()
        assert f"This call was already logged by {colleague} at" in page
        assert NOTES in page
        assert "Record it as a new attempt" in page and "Add it as a note" in page
        assert list(Call.objects.values_list("outcome", flat=True)) == ["voicemail"]


class TestKeptThroughSignIn:
    def test_the_hold_and_the_session_ran_out_and_send_it_saves_the_call(
        self, client, officer, task
    ):
        """The tester's path: a long call, the session ends, sign in, "Send it"."""
        sign_in(client, officer)
        form = shown_form(client, task)
        url = f"/queue/task/{task.pk}/log/"
        with time_machine.travel(timezone.now() + timedelta(minutes=45), tick=False):
            response = client.post(url, spoke(form))
            assert response.status_code == 302 and "/accounts/sign-in/" in response.url
            signed_in = client.post(response.url, {"username": "olivia", "password": PASSWORD})
            page = client.get(signed_in.url).content.decode()
            typed, by_page = page.split('id="kept-by-page"')
            assert "Held since" not in typed  # the page's own field, not something typed
            action = html.unescape(re.search(r'id="kept-form" action="([^"]*)"', page).group(1))
            fields = {}
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page
            ):
                fields.setdefault(html.unescape(name), []).append(html.unescape(value))
            assert client.post(action, fields).status_code == 302
        call = Call.objects.get()
        assert call.notes == NOTES and call.officer == officer


class TestAnotherTab:
    def test_a_call_logged_in_another_tab_says_so_and_the_typed_call_can_be_recorded(
        self, client, officer, task
    ):
        sign_in(client, officer)
        url = f"/queue/task/{task.pk}/log/"
        now = timezone.now()
        with time_machine.travel(now, tick=False):
            first_tab, second_tab = shown_form(client, task), shown_form(client, task)
            no_answer = {**first_tab, "outcome": "no_answer", "then": "queue"}
            assert client.post(url, no_answer).status_code == 302
            response = client.post(url, spoke(second_tab))
        assert response.status_code == 409
        page = response.content.decode()
        at = timezone.localtime(now).strftime("%H:%M")
        assert f"This call was already logged by you at {at} as No answer." in page
        assert "ran out" not in page
        assert NOTES in page
        assert "Record it as a new attempt" in page and "Add it as a note" in page
        with time_machine.travel(now + timedelta(minutes=1), tick=False):
            recorded = client.post(url, spoke(second_tab, new_attempt="1"))
        assert recorded.status_code == 302
        spoken = Call.objects.get(tenant=task.tenant, outcome="spoke")
        assert spoken.notes == NOTES and spoken.officer == officer
        assert Call.objects.filter(tenant=task.tenant).count() == 2
