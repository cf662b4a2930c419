"""The real path: a message queued after commit, taken from Redis by a real Celery worker."""

import time

import pytest

from messaging import actions
from messaging.models import Kind, Message, Status
from tests.factories import TenantFactory


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    """Not here: these tasks go through Redis to the worker."""


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_a_queued_message_to_the_outbox_once_committed(celery_worker_process):
    # The worker runs without NOTIFY_API_KEY, as `make run` does: the message goes to the outbox.
    tenant = TenantFactory(mobile="+447700900001")
    message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status not in (Status.QUEUED, Status.SUBMITTING):
            break
        time.sleep(0.2)
    assert message.status == Status.OUTBOX
    assert message.attempts == 1
    assert Message.objects.count() == 1
