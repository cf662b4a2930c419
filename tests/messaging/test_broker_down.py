"""Redis down as a message is recorded: no error after commit, and the message still goes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery_app import app
from messaging import actions
from messaging.models import Kind, Message, Status
from messaging.tasks import requeue_stuck
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """Celery publishing to a Redis that refuses connections, as when it is down."""
    before = (
        app.conf.task_always_eager,
        app.conf.broker_url,
        app.conf.broker_connection_timeout,
        app.conf.task_publish_retry_policy,
        app._pool,
    )
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_connection_timeout = 1
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    app._pool = app.amqp._producer_pool = None  # connections made anew, to the dead one
    yield
    app.amqp._producer_pool = None
    (
        app.conf.task_always_eager,
        app.conf.broker_url,
        app.conf.broker_connection_timeout,
        app.conf.task_publish_retry_policy,
        app._pool,
    ) = before


def test_a_message_recorded_while_the_broker_is_down_stays_queued_and_goes_later(
    notify, committed, broker_down
):
    tenant = TenantFactory(mobile="07700900001")
    with committed():  # the commit's callbacks run, and none of them raises
        message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert requeue_stuck() == 0  # just recorded: its own task may still be on its way


def test_requeue_stuck_sends_what_the_broker_never_had(notify, committed, broker_down):
    tenant = TenantFactory(mobile="07700900001")
    with committed():
        message = actions.message_send_to_tenant(tenant=tenant, kind=Kind.NO_ANSWER)
    app.conf.task_always_eager = True  # the broker is back: tasks run here
    later = timezone.now() + timedelta(minutes=16)
    assert requeue_stuck(now=later) == 1
    message.refresh_from_db()
    assert message.status in {Status.SENDING, Status.DELIVERED}
    assert requeue_stuck(now=later) == 0  # sent once
    assert Message.objects.filter(tenant=tenant).count() == 1
