"""Links to the call queue's pages (a call, an open task) are shown only to those who may open
them (`works_calls` in accounts.access); an income officer sees the same words, unlinked."""

import re

import pytest
from django.utils import timezone

from conftest import sign_in
from here_to_help.models import HelpRequest, Need
from tests.factories import CallTaskFactory, HelpRequestFactory
from welfare.models import Call, CallTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised_on_a_call(tenant, officer):
    task = CallTaskFactory(tenant=tenant, status=CallTask.Status.CLOSED, closed_at=timezone.now())
    call = Call.objects.create(
        task=task, tenant=tenant, officer=officer, made_on=timezone.localdate(),
        outcome=Call.Outcome.SPOKE, wellbeing="good",
    )  # fmt: skip
    # The tenant is called again: an open task is in the queue.
    CallTaskFactory(tenant=tenant)
    return HelpRequestFactory(
        tenant=tenant, need=Need.FOOD, source=HelpRequest.Source.WELFARE_CALL, source_task=task,
        raised_by=officer,
    ), call  # fmt: skip


def _queue_links(page):
    return re.findall(r'href="(/queue/(?:call|task)/\d+/)"', page)


@pytest.mark.parametrize("who", ["officer", "income_officer", "manager"])
def test_every_call_and_task_link_shown_opens(client, request, who, raised_on_a_call):
    help_request, call = raised_on_a_call
    sign_in(client, request.getfixturevalue(who))
    request_page = client.get(f"/help/{help_request.pk}/").content.decode()
    record = client.get(f"/tenants/{help_request.tenant_id}/").content.decode()
    assert "Welfare call on" in request_page
    assert "Call: spoke to tenant" in record
    assert "Open call since" in record
    links = _queue_links(request_page) + _queue_links(record)
    for link in links:
        assert client.get(link).status_code == 200, link
    # Officers and managers still get them: the request's call, the timeline's, the open task.
    assert len(links) == (0 if who == "income_officer" else 3)
