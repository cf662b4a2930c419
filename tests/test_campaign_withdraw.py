"""Closing or pausing a campaign that is running today takes the calls it alone put in today's
queue out at once (today's build runs again, as when a campaign starts): no officer rings a
tenant for a campaign that has ended. A call an officer is making is left to them.
PostgreSQL; the build runs as the Celery task does."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tenants.models import Tenant
from tests.factories import TenantFactory
from welfare import control_actions
from welfare.campaign_models import Campaign
from welfare.models import CallTask, QueueRebuild
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def clock():
    """11:00 on ON: the day's 06:00 build is long done."""
    with time_machine.travel(datetime.combine(ON, time(11), tzinfo=LONDON), tick=True):
        yield


def aged_92(patch, **fields):
    """92, spoken to yesterday: not due in the COVID calls, due only in the test campaign."""
    fields.setdefault("last_contact_at", timezone.now() - timedelta(days=1))
    tenant = TenantFactory(patch=patch, date_of_birth=date(1934, 6, 1), **fields)
    Tenant.objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=365))
    return tenant


@pytest.fixture
def running(manager, patch):
    """A campaign (aged 92+, one patch) started today, its calls in today's queue."""
    campaign = Campaign.objects.create(
        name="Aged 92+ check",
        kind=Campaign.Kind.COHORT,
        starts_on=ON,
        schedule=Campaign.Schedule.ONCE,
        ends_on=ON + timedelta(days=10),
        min_age=92,
        created_by=manager,
    )
    campaign.patches.set([patch])
    return campaign


def test_closing_a_campaign_takes_its_calls_out_of_todays_queue(
    manager_client, patch, running, tasks_run_here, django_capture_on_commit_callbacks
):
    only_campaign = aged_92(patch)
    also_due = aged_92(patch, last_contact_at=None)  # due in the COVID calls too
    build_call_queue()
    assert CallTask.objects.open().count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("campaigns:close", args=[running.pk]), {"reason": "Test campaign"}
        )

    rebuild = QueueRebuild.objects.get()
    assert rebuild.status == QueueRebuild.Status.DONE and rebuild.change == (
        "Aged 92+ check: closed"
    )
    assert CallTask.objects.get(tenant=only_campaign).status == CallTask.Status.CLOSED
    assert CallTask.objects.get(tenant=also_due).status == CallTask.Status.OPEN
    assert response.url == reverse("campaigns:detail", args=[running.pk]) + (
        f"?rebuild={rebuild.pk}#today"
    )
    page = manager_client.get(response.url).content.decode()
    assert "closed: its calls are being taken out of today" in page
    assert "Closed: no calls are queued for it." in page


def test_pausing_a_campaign_takes_its_calls_out_of_todays_queue(
    manager_client, patch, running, tasks_run_here, django_capture_on_commit_callbacks
):
    tenant = aged_92(patch)
    build_call_queue()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("campaigns:pause", args=[running.pk]))
    assert QueueRebuild.objects.get().change == "Aged 92+ check: paused"
    assert CallTask.objects.get(tenant=tenant).status == CallTask.Status.CLOSED
    page = manager_client.get(response.url).content.decode()
    assert "paused: its calls are being taken out of today" in page


def test_the_page_shows_the_calls_leaving_until_the_worker_has_run(manager_client, patch, running):
    aged_92(patch)
    build_call_queue()
    response = manager_client.post(
        reverse("campaigns:close", args=[running.pk]), {"reason": "Test campaign"}
    )
    rebuild = QueueRebuild.objects.get()
    page = manager_client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "Its calls are being taken out of today&#x27;s queue" in page or (
        "Its calls are being taken out of today's queue" in page
    )
    assert CallTask.objects.open().count() == 1  # the worker has not run yet

    control_actions.queue_rebuild_run(rebuild_id=rebuild.pk)  # what the Celery task does
    fragment = manager_client.get(
        reverse("campaigns:today", args=[running.pk]) + f"?rebuild={rebuild.pk}",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "hx-trigger" not in fragment
    assert "Closed: no calls are queued for it." in fragment
    assert not CallTask.objects.open().exists()


def test_a_call_an_officer_is_making_stays_with_them(
    manager_client, officer, patch, running, tasks_run_here, django_capture_on_commit_callbacks
):
    on_the_phone, waiting = aged_92(patch), aged_92(patch)
    build_call_queue()
    CallTask.objects.filter(tenant=on_the_phone).update(
        claimed_by=officer, claimed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("campaigns:close", args=[running.pk]), {"reason": "Test campaign"}
        )
    assert CallTask.objects.get(tenant=on_the_phone).status == CallTask.Status.OPEN
    assert CallTask.objects.get(tenant=waiting).status == CallTask.Status.CLOSED


def test_closing_a_paused_campaign_rebuilds_nothing(manager_client, patch, running):
    Campaign.objects.filter(pk=running.pk).update(status=Campaign.Status.PAUSED)
    response = manager_client.post(
        reverse("campaigns:close", args=[running.pk]), {"reason": "Test campaign"}
    )
    assert response.url == reverse("campaigns:detail", args=[running.pk])
    assert not QueueRebuild.objects.exists()
