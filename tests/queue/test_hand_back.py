""" "Hand back to the queue" then "Take next call": the officer is given the next *other* call
(the line was busy, or they had to leave it), while a colleague can take the one handed back;
with nothing else waiting, or an hour later, it comes back to them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallTaskFactory, OfficerFactory
from tests.queue.helpers import make_tenant
from tests.queue.test_take_next_held import TAKE_NEXT, messages_on
from welfare import actions
from welfare.models import CallTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_calls(patch):
    """Three calls, most overdue first."""
    today = timezone.localdate()
    return [
        CallTaskFactory(tenant=make_tenant(patch), due_on=today - timedelta(days=days))
        for days in (91, 30, 3)
    ]


def take_next(client):
    """The task "Take next call" opened."""
    url = client.post(TAKE_NEXT).url
    return CallTask.objects.get(pk=url.rstrip("/").rsplit("/", 1)[-1])


def hand_back(client, task):
    return client.post(reverse("welfare:hand_back", args=[task.pk]), follow=True)


def test_after_handing_back_take_next_gives_the_next_other_call(
    officer_client, officer, team, three_calls
):
    first, second, third = three_calls
    assert take_next(officer_client) == first
    back = hand_back(officer_client, first)
    assert take_next(officer_client) == second
    assert messages_on(back)[0].endswith(
        "is back in the queue: a colleague can take it now. "
        "For the next hour, Take next call will give you other calls first."
    )
    # Handed back too: the officer goes on down the queue, not back to the top.
    hand_back(officer_client, second)
    assert take_next(officer_client) == third
    # A colleague takes the first call handed back, still top of the queue for them.
    colleague = OfficerFactory(team=team)
    assert actions.call_task_claim_next(user=colleague) == first


def test_with_nothing_else_waiting_the_call_handed_back_comes_back(
    officer_client, officer, team, three_calls
):
    first, second, third = three_calls
    colleague = OfficerFactory(team=team)
    for task in (second, third):
        assert actions.call_task_claim(task=task, user=colleague)
    assert take_next(officer_client) == first
    hand_back(officer_client, first)
    taken = officer_client.post(TAKE_NEXT, follow=True)
    assert taken.redirect_chain == [(reverse("welfare:task", args=[first.pk]), 302)]
    assert not any("You still have" in message for message in messages_on(taken))
    first.refresh_from_db()
    assert first.is_claimed_by(officer)


def test_an_hour_after_handing_back_the_call_takes_its_place_by_rank(officer, three_calls):
    first, second, _ = three_calls
    now = timezone.now()
    assert actions.call_task_claim_next(user=officer, now=now) == first
    assert actions.call_task_hand_back(task=first, user=officer, now=now)
    later = now + timedelta(minutes=59)
    assert actions.call_task_claim_next(user=officer, now=later) == second
    assert actions.call_task_hand_back(task=second, user=officer, now=later)
    later += timedelta(minutes=2)  # the first handed back 61 minutes ago
    assert actions.call_task_claim_next(user=officer, now=later) == first


def test_a_call_assigned_to_the_officer_and_handed_back_waits_behind_the_queue(
    officer_client, officer, three_calls
):
    first, second, third = three_calls
    CallTask.objects.filter(pk=third.pk).update(assigned_to=officer)
    assert take_next(officer_client) == third  # their own come first
    back = hand_back(officer_client, third)
    assert take_next(officer_client) == first
    assert messages_on(back)[0].endswith(
        "is back in the queue: it is still assigned to you. "
        "For the next hour, Take next call will give you other calls first."
    )
