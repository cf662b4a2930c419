"""Messages: the real Notify client against a local stub, and Celery tasks run in-process."""

import pytest

from config.celery_app import app
from messaging.models import MessageKind
from tests.messaging.notify_stub import API_KEY, NotifyStub

SMS_TEMPLATE = "11111111-2222-4333-8444-555555555555"
EMAIL_TEMPLATE = "66666666-7777-4888-9999-aaaaaaaaaaaa"
CALLBACK_TOKEN = "a-long-random-callback-token-for-tests"


@pytest.fixture
def stub():
    """A Notify stub running, but not configured: for proving nothing reaches it."""
    server = NotifyStub().start()
    yield server
    server.stop()


@pytest.fixture
def notify(stub, settings):
    """The app configured to send to the stub, with template ids for every kind."""
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = stub.url
    settings.NOTIFY_CALLBACK_TOKEN = CALLBACK_TOKEN
    for kind in MessageKind.objects.every_kind():
        kind.sms_template_id, kind.email_template_id = SMS_TEMPLATE, EMAIL_TEMPLATE
        kind.save()
    return stub


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    """Tasks queued after commit run here, retries included (Celery's eager mode ignores the
    countdown). Eager retries only run when errors are not propagated: the tests check the
    rows' outcomes instead, so a task that fails shows as a row in the wrong state."""
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what was queued with on_commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
