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

from tests.factories import CallTaskFactory, TenantFactory, load_default_cohorts

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
