""" "Take next call" while the officer still holds a call: it takes them back to that call,
never silently giving it back to the queue for a colleague to take while they are on it."""

import contextlib
import html
import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from tests.factories import CallTaskFactory, OfficerFactory
from tests.queue.helpers import make_tenant, run_in_threads
from tests.test_check_in_tasks import ON, at, overseen
from welfare import actions, selectors
from welfare.models import CallTask, claim_cutoff
from welfare.provider_models import ProviderCheckInTask
from welfare.queue import build_call_queue

pytestmark = [pytest.mark.django_db, pytest.mark.date_free]
TAKE_NEXT = reverse("welfare:take_next")


def messages_on(response):
    return [html.unescape(str(message)) for message in response.context["messages"]]


@pytest.fixture
def howard(patch):
    """Howard Atkinson's call, top of the queue, and another behind it."""
    today = timezone.localdate()
    first = CallTaskFactory(
        tenant=make_tenant(patch, first_name="Howard", last_name="Atkinson"),
        due_on=today - timedelta(days=91),
    )
    CallTaskFactory(
        tenant=make_tenant(patch, first_name="Edna", last_name="Price"),
        due_on=today - timedelta(days=3),
    )
    return first


def test_take_next_returns_to_the_call_still_held(officer_client, officer, team, howard):
    assert officer_client.post(TAKE_NEXT).url == reverse("welfare:task", args=[howard.pk])
    again = officer_client.post(TAKE_NEXT, follow=True)
    assert again.redirect_chain == [(reverse("welfare:task", args=[howard.pk]), 302)]
    assert messages_on(again) == [
        "You still have Howard Atkinson's call: record what happened, or hand it back to the queue."
    ]
    page = again.content.decode()
    assert f'action="{reverse("welfare:hand_back", args=[howard.pk])}"' in page
    assert "Hand back to the queue" in page
    howard.refresh_from_db()
    assert howard.claimed_by == officer and howard.claim_active()
    assert CallTask.objects.filter(claimed_by=officer).count() == 1  # nothing else taken
    # A colleague cannot take Howard meanwhile: they get the next call.
    colleague = OfficerFactory(team=team)
    assert actions.call_task_claim_next(user=colleague).tenant.first_name == "Edna"


def test_handing_it_back_then_take_next_gives_a_call(officer_client, officer, howard):
    officer_client.post(TAKE_NEXT)
    back = officer_client.post(reverse("welfare:hand_back", args=[howard.pk]), follow=True)
    assert messages_on(back) == [
        "The call to Howard Atkinson is back in the queue: a colleague can take it now. "
        "For the next hour, Take next call will give you other calls first."
    ]
    howard.refresh_from_db()
    assert howard.claimed_by is None
    taken = officer_client.post(TAKE_NEXT, follow=True)
    assert not any("You still have" in message for message in messages_on(taken))
    assert CallTask.objects.filter(claimed_by=officer).count() == 1


def test_a_lapsed_hold_is_not_held(officer_client, officer, howard):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        officer_client.post(TAKE_NEXT)
        clock.shift(timedelta(minutes=31))
        taken = officer_client.post(TAKE_NEXT, follow=True)
    assert not any("You still have" in message for message in messages_on(taken))


def test_save_and_take_next_call_still_takes_the_next_call(officer_client, officer, howard):
    officer_client.post(TAKE_NEXT)
    response = officer_client.post(
        reverse("welfare:log_call", args=[howard.pk]),
        {"idempotency_key": str(uuid.uuid4()), "outcome": "no_answer", "then": "next"},
    )
    assert response.status_code == 200
    following = CallTask.objects.get(claimed_by=officer)
    assert following.tenant.first_name == "Edna"
    assert f'data-page-url="/queue/task/{following.pk}/"' in response.content.decode()


@pytest.fixture
def on_check_in_day():
    """The check-ins' day (tests.test_check_in_tasks), before the officer signs in."""
    with time_machine.travel(at(ON), tick=True):
        yield


def test_take_next_returns_to_a_check_in_still_held(
    on_check_in_day, officer_client, officer, team, patch
):
    overseen("Caring Hands", team, tenants=1, patch=patch)
    overseen("Second", team, due_on=ON - timedelta(days=1))
    build_call_queue(on=ON)
    first = officer_client.post(TAKE_NEXT).url
    held = ProviderCheckInTask.objects.get(claimed_by=officer)
    assert first == reverse("welfare:check_in", args=[held.pk])
    again = officer_client.post(TAKE_NEXT, follow=True)
    assert again.redirect_chain == [(first, 302)]
    assert messages_on(again) == [
        f"You still have the check-in with {held.provider.name}: record it, or hand it back "
        "to the queue."
    ]
    assert ProviderCheckInTask.objects.filter(claimed_by=officer).get() == held


@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_leave_the_officer_one_call(officer, howard, monkeypatch):
    """Two tabs press "Take next call" together: the officer ends with one call, and both tabs
    open it. Each press waits, after checking what the officer holds, for the other to check
    too (at most a second: a press that must wait for the other's claim never gets there), so
    a check made outside the claim's lock lets both presses find nothing held."""
    barrier = threading.Barrier(2)
    check = selectors.my_held_task

    def check_then_wait(*args, **kwargs):
        held = check(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return held

    monkeypatch.setattr(selectors, "my_held_task", check_then_wait)
    clients = [sign_in(Client(), officer) for _ in range(2)]
    opened = run_in_threads(2, lambda index: clients[index].post(TAKE_NEXT).url)
    held = CallTask.objects.filter(claimed_by=officer, claimed_at__gte=claim_cutoff())
    assert len(held) == 1
    assert opened == [reverse("welfare:task", args=[held[0].pk])] * 2
