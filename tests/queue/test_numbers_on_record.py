"""A number added or marked on the tenant's record (the numbers page) acts at once, not at the
next morning's build: with none left to dial, their open call goes to a manager instead of the
next officer who takes it; with one to dial again, their escalation waiting for a number ("No
number to dial", or an officer's "Wrong or dead number") closes and their call is back in the
queue today (welfare.queue_now.calls_follow_numbers)."""

import uuid

import pytest
import time_machine

from tests.queue.helpers import ON, at, contacted, make_tenant, open_task
from welfare.call_actions import work_take_next
from welfare.call_models import Escalation
from welfare.models import CallTask
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db

LANDLINE, MOBILE, GIVEN = "+442079460001", "+447700900002", "01772 200123"


def mark(client, tenant, number, status="wrong"):
    return client.post(
        f"/tenants/{tenant.pk}/numbers/",
        {
            "action": "mark",
            "mark-number": number,
            "mark-status": status,
            "mark-reason": "Tenant's son says it is not hers",
        },
        follow=True,
    )


def add(client, tenant, number):
    return client.post(
        f"/tenants/{tenant.pk}/numbers/",
        {"action": "add", "add-number": number, "add-reason": "Given by her son"},
        follow=True,
    )


def messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def travel():
    with time_machine.travel(at(ON), tick=False):
        yield


@pytest.fixture
def due(patch, travel):
    """A tenant due a call today, in the queue, with one number."""
    tenant = make_tenant(patch, phone=LANDLINE, mobile="", last_contact_at=contacted(100))
    build_call_queue(on=ON)
    open_task(tenant)
    return tenant


def test_the_only_number_marked_wrong_passes_the_call_to_a_manager_at_once(
    officer_client, officer, due, patch
):
    task = open_task(due)
    response = mark(officer_client, due, LANDLINE)
    task.refresh_from_db()
    assert (task.status, task.closed_reason) == ("closed", CallTask.ClosedReason.ESCALATED)
    escalation = Escalation.objects.get(tenant=due, status=Escalation.Status.OPEN)
    assert (escalation.reason, escalation.task, escalation.team) == (
        Escalation.Reason.NO_NUMBER,
        task,
        patch.team,
    )
    assert any("No number is left to dial" in text for text in messages(response))
    assert work_take_next(user=officer, now=at(ON)) is None  # not handed to an officer


def test_one_number_of_two_marked_wrong_leaves_the_call_in_the_queue(officer_client, patch, travel):
    tenant = make_tenant(patch, phone=LANDLINE, mobile=MOBILE, last_contact_at=contacted(100))
    build_call_queue(on=ON)
    response = mark(officer_client, tenant, LANDLINE)
    assert open_task(tenant)
    assert not Escalation.objects.filter(tenant=tenant).exists()
    assert not any("No number" in text for text in messages(response))


def test_a_number_added_closes_the_no_number_escalation_and_queues_the_call_today(
    officer_client, officer, due
):
    mark(officer_client, due, LANDLINE)
    response = add(officer_client, due, GIVEN)
    escalation = Escalation.objects.get(tenant=due)
    assert escalation.status == Escalation.Status.CLOSED
    assert "a number to dial was added or corrected on the tenant's record" in escalation.result
    assert open_task(due)
    assert any(
        f"{due.full_name}'s call is back in the {due.patch.team} queue for today" in text
        and 'The "No number to dial" escalation is closed.' in text
        for text in messages(response)
    )
    assert work_take_next(user=officer, now=at(ON)).tenant == due


def test_a_number_marked_good_again_does_the_same(officer_client, due):
    mark(officer_client, due, LANDLINE)
    mark(officer_client, due, LANDLINE, status="good")
    assert Escalation.objects.get(tenant=due).status == Escalation.Status.CLOSED
    assert open_task(due)


def wrong_number_on_the_call(client, officer, tenant):
    """The officer takes the call and records "Wrong or dead number" on the only number: the
    call passes to a manager. Returns the call task, now closed."""
    task = work_take_next(user=officer, now=at(ON))
    assert task.tenant == tenant
    client.post(
        f"/queue/task/{task.pk}/log/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "then": "next",
            "held_since": "",
            "outcome": "wrong_number",
            "number_dialled": LANDLINE,
        },
    )
    task.refresh_from_db()
    assert task.closed_reason == CallTask.ClosedReason.ESCALATED
    escalation = Escalation.objects.get(tenant=tenant, status=Escalation.Status.OPEN)
    assert escalation.reason == Escalation.Reason.WRONG_NUMBER
    return task


def test_a_number_added_after_a_wrong_number_on_a_call_puts_the_call_back_in_the_queue(
    officer_client, officer, due
):
    wrong_number_on_the_call(officer_client, officer, due)
    response = add(officer_client, due, GIVEN)
    escalation = Escalation.objects.get(tenant=due)
    assert escalation.status == Escalation.Status.CLOSED
    assert "a number to dial was added or corrected on the tenant's record" in escalation.result
    assert open_task(due).opened_on == ON
    assert any(
        f"{due.full_name}'s call is back in the {due.patch.team} queue for today" in text
        and 'The "Wrong or dead number" escalation is closed.' in text
        for text in messages(response)
    )
    assert work_take_next(user=officer, now=at(ON)).tenant == due
    # The morning build finds nothing more to do: one call, no escalation opened again.
    assert build_call_queue(on=ON).numbers_found == 0
    assert CallTask.objects.open().filter(tenant=due).count() == 1
    assert not Escalation.objects.filter(tenant=due, status=Escalation.Status.OPEN).exists()


def test_a_wrong_number_marked_good_again_does_the_same(officer_client, officer, due):
    wrong_number_on_the_call(officer_client, officer, due)
    mark(officer_client, due, LANDLINE, status="good")
    assert Escalation.objects.get(tenant=due).status == Escalation.Status.CLOSED
    assert open_task(due)


def test_from_the_call_the_officer_is_taken_to_the_call_back_in_the_queue(
    officer_client, officer, due
):
    """The call page links to the numbers page with ?task=: that call closed when it passed to
    a manager, so the officer goes on to the call that came back, not to the closed one."""
    closed = wrong_number_on_the_call(officer_client, officer, due)
    response = officer_client.post(
        f"/tenants/{due.pk}/numbers/?task={closed.pk}",
        {"action": "add", "add-number": GIVEN, "add-reason": "Given by her son"},
    )
    assert response.url == f"/queue/task/{open_task(due).pk}/"


def test_a_wrong_number_escalation_with_no_number_found_since_waits_for_its_manager(due, patch):
    """An escalation an officer raised on a call while the tenant still had a number (nothing
    added or marked good since) is a manager's to close: the build leaves it."""
    task = open_task(due)
    Escalation.objects.create(
        tenant=due, task=task, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER
    )
    CallTask.objects.filter(pk=task.pk).update(status=CallTask.Status.CLOSED)
    assert build_call_queue(on=ON).numbers_found == 0
    assert Escalation.objects.get(tenant=due).status == Escalation.Status.OPEN
    assert not CallTask.objects.open().filter(tenant=due).exists()


def test_closing_the_escalation_puts_a_due_tenant_with_a_number_in_todays_queue(
    officer_client, due, patch, manager
):
    from conftest import sign_in

    task = open_task(due)
    escalation = Escalation.objects.create(
        tenant=due, task=task, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER
    )
    CallTask.objects.filter(pk=task.pk).update(status=CallTask.Status.CLOSED)
    sign_in(officer_client, manager)
    response = officer_client.post(
        f"/queue/escalations/{escalation.pk}/close/",
        {"result": "Her son gave us her new number"},
        follow=True,
    )
    assert any("Their call is in today's queue." in text for text in messages(response))
    assert open_task(due).opened_on == ON


def test_closing_a_no_number_escalation_with_no_number_leaves_it_for_the_build(
    officer_client, due, manager
):
    from conftest import sign_in

    mark(officer_client, due, LANDLINE)
    escalation = Escalation.objects.get(tenant=due, status=Escalation.Status.OPEN)
    sign_in(officer_client, manager)
    response = officer_client.post(
        f"/queue/escalations/{escalation.pk}/close/",
        {"result": "Family have no number either"},
        follow=True,
    )
    assert not any("today's queue" in text for text in messages(response))
    assert not CallTask.objects.open().filter(tenant=due).exists()
    assert not Escalation.objects.filter(tenant=due, status=Escalation.Status.OPEN).exists()


def test_a_call_an_officer_is_making_is_not_taken_from_under_them(officer_client, officer, due):
    """The call page links to the numbers page: marking the only number dead there leaves the
    call with the officer, whose "Wrong or dead number" then records the attempt."""
    task = work_take_next(user=officer, now=at(ON))
    assert task.tenant == due
    response = mark(officer_client, due, LANDLINE, status="dead")
    task.refresh_from_db()
    assert task.is_open and task.claimed_by == officer
    assert not Escalation.objects.filter(tenant=due).exists()
    assert any("Their call is with" in text for text in messages(response))


def test_number_changes_appear_in_the_records_history_and_timeline(
    officer_client, officer, patch, travel
):
    """Tester: adding 07911 123456 and marking a number dead showed only "Record created". The
    numbers' own history: what, who, when and why, in both lists, in one query however many."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer.first_name, officer.last_name = "Jo", "Smith"
    officer.save()
    tenant = make_tenant(patch, phone="+442079460624", mobile="")
    add(officer_client, tenant, "07911 123456")
    mark(officer_client, tenant, "+442079460624", status="dead")
    page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
    history = page.split('id="history-list"', 1)[1].split("</ol>", 1)[0]
    timeline = page.split('id="history"', 1)[0]
    for listed in (history, timeline):
        assert "07911 123456 added</h3>" in listed
        assert "020 7946 0624 marked dead</h3>" in listed
        assert f"by {officer}. Reason: Given by her son" in listed
        assert "Reason: Tenant&#x27;s son says it is not hers" in listed
    assert history.index("marked dead") < history.index("07911 123456 added")  # newest first

    def queries():
        with CaptureQueriesContext(connection) as context:
            officer_client.get(f"/tenants/{tenant.pk}/")
        return len(context)

    before = queries()
    for _ in range(3):  # more history, the same numbers in the end
        mark(officer_client, tenant, "+447911123456", status="wrong")
        mark(officer_client, tenant, "+447911123456", status="good")
    assert queries() == before
    page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
    assert "07911 123456 marked wrong</h3>" in page and "07911 123456 marked good</h3>" in page
