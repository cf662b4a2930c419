"""A campaign's own script questions, answered on a call, are shown under the campaign's name
wherever the call's answers are: the call's page, the tenant's timeline, and a Here to Help
request raised on that call. PostgreSQL."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CallTaskFactory
from tests.test_campaign_figures import ON, at, over_70
from welfare.call_actions import call_log
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign
from welfare.models import CallTask
from welfare.queue import build_call_queue

pytestmark = [pytest.mark.django_db, pytest.mark.date_free]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(9), tick=True):
        yield


@pytest.fixture
def warm_homes(manager):
    return campaign_create(
        by=manager,
        name="Warm homes check",
        kind=Campaign.Kind.COHORT,
        starts_on=ON,
        ends_on=ON + timedelta(days=10),
        schedule=Campaign.Schedule.ONCE,
        min_age=70,
        lives_alone_only=True,
        questions=[
            {
                "text": "Can you keep your home warm?",
                "kind": "yes_no",
                "need_on_no": "utility_credit",
            },
            {"text": "How do you heat it?", "kind": "choice", "choices": "Gas\nElectric\nOther"},
            {"text": "Anything else about the cold?", "kind": "text"},
        ],
    )


def spoke(tenant, officer, campaign, answers, hour=10, needs=()):
    task = CallTask.objects.open().get(tenant=tenant)
    CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=at(hour))
    task.refresh_from_db()
    return call_log(
        task=task,
        officer=officer,
        outcome="spoke",
        wellbeing="okay",
        needs=list(needs),
        idempotency_key=uuid.uuid4(),
        campaigns=[campaign],
        campaign_answers={campaign.pk: answers},
        now=at(hour),
    )


@pytest.fixture
def call(warm_homes, patch, officer):
    tenant = over_70(patch, "Ada")
    build_call_queue(on=ON)
    return spoke(tenant, officer, warm_homes, ["no", "Electric", ""], needs=["utility_credit"])


def test_the_calls_page_shows_the_campaigns_questions_and_answers(officer_client, call):
    page = officer_client.get(reverse("welfare:call", args=[call.pk])).content.decode()
    shown = page.split("Warm homes check: the script")[1].split("</dl>")[0]
    assert "Can you keep your home warm?</dt>" in shown and ">No</dd>" in shown
    assert "How do you heat it?</dt>" in shown and ">Electric</dd>" in shown
    assert "Anything else about the cold?" not in shown  # not answered: left out


def test_the_tenants_timeline_shows_them_under_the_campaigns_name(officer_client, call):
    page = officer_client.get(reverse("tenants:record", args=[call.tenant_id])).content.decode()
    timeline = page.split('id="timeline-list"')[1]
    shown = timeline.split("Warm homes check:")[1].split("</ul>")[0]
    assert "<li>Can you keep your home warm? No</li>" in shown
    assert "<li>How do you heat it? Electric</li>" in shown


def test_a_request_raised_on_the_call_shows_them(officer_client, call):
    request = call.raised_requests[0]
    page = officer_client.get(reverse("help:request", args=[request.pk])).content.decode()
    source = page.split('id="request-source"')[1].split("</dd>")[0]
    assert "Warm homes check:" in source
    assert "Can you keep your home warm? <strong>No</strong>" in source
    assert "How do you heat it? <strong>Electric</strong>" in source


def test_the_timelines_queries_do_not_grow_with_campaign_calls(
    officer_client, call, warm_homes, officer
):
    url = reverse("tenants:record", args=[call.tenant_id])

    def queries():
        with CaptureQueriesContext(connection) as context:
            officer_client.get(url)
        return len(context)

    queries()  # the process's first read of the cohorts and the like
    one = queries()
    second = Campaign.objects.create(
        name="Second check",
        kind=Campaign.Kind.COHORT,
        starts_on=ON,
        schedule=Campaign.Schedule.CADENCE,
        cadence_days=1,
        min_age=70,
    )
    second.questions.create(position=1, text="Second question?", kind="text")
    for day in (1, 2):
        task = CallTaskFactory(tenant=call.tenant)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=at(11 + day))
        task.refresh_from_db()
        call_log(
            task=task,
            officer=officer,
            outcome="spoke",
            wellbeing="good",
            idempotency_key=uuid.uuid4(),
            campaigns=[warm_homes, second],
            campaign_answers={warm_homes.pk: ["yes", "Gas", ""], second.pk: [f"Answer {day}"]},
            now=at(11 + day),
        )
    assert queries() == one
    assert "Second question? Answer 2" in officer_client.get(url).content.decode()
