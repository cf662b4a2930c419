"""A campaign created or restarted with a period that includes today puts its due tenants'
calls in today's queue at once (a cold snap cannot wait for tomorrow's 06:00 build), and its
page says how many are there. PostgreSQL; the build runs as the Celery task does."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tenants.models import Tenant
from tests.factories import TenantFactory
from welfare import control_actions
from welfare.call_models import Escalation
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


def over_70_alone(patch, **fields):
    """75, lives alone, spoken to yesterday: not due in the COVID calls, due in a cold snap."""
    fields.setdefault("last_contact_at", timezone.now() - timedelta(days=1))
    tenant = TenantFactory(patch=patch, date_of_birth=date(1951, 6, 1), lives_alone=True, **fields)
    Tenant.objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=365))
    return tenant


def cold_snap_form(starts_on=ON, **fields):
    return {
        "name": "Cold snap check: over-70s living alone",
        "kind": "cohort",
        "starts_on_0": str(starts_on.day),
        "starts_on_1": str(starts_on.month),
        "starts_on_2": str(starts_on.year),
        "schedule": "once",
        "ends_on_0": "18",
        "ends_on_1": "12",
        "ends_on_2": "2026",
        "min_age": "70",
        "lives_alone_only": "on",
        "q1_text": "Is your home warm enough?",
        "q1_kind": "yes_no",
        **fields,
    }


def queued(page):
    """The "N calls are in today's queue" sentence, as read (its figure is a link)."""
    sentence = page.split('id="today-queued">')[1].split("</p>")[0]
    return re.sub(r"<[^>]+>", "", sentence)


def test_a_campaign_starting_today_puts_its_calls_in_todays_queue_at_once(
    manager_client, patch, tasks_run_here, django_capture_on_commit_callbacks
):
    tenants = [over_70_alone(patch) for _ in range(3)]
    younger = TenantFactory(
        patch=patch,
        date_of_birth=date(1980, 1, 1),
        lives_alone=True,
        last_contact_at=timezone.now() - timedelta(days=1),
    )
    build_call_queue()  # this morning's build: nobody due
    assert not CallTask.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("campaigns:new"), cold_snap_form())

    campaign = Campaign.objects.get(name__startswith="Cold snap")
    rebuild = QueueRebuild.objects.get()
    assert rebuild.status == QueueRebuild.Status.DONE and rebuild.opened == 3
    assert response.url.startswith(reverse("campaigns:detail", args=[campaign.pk]))
    opened = CallTask.objects.open()
    assert sorted(opened.values_list("tenant_id", flat=True)) == sorted(t.pk for t in tenants)
    assert not CallTask.objects.filter(tenant=younger).exists()
    assert set(opened.values_list("opened_on", flat=True)) == {ON}
    page = manager_client.get(response.url).content.decode()
    assert "its calls start today" in page
    assert queued(page) == "3 calls are in today's queue for this campaign."
    assert "hx-trigger" not in page  # done: nothing to ask again


def test_the_page_shows_progress_until_the_worker_has_run_then_the_count(manager_client, patch):
    over_70_alone(patch)
    held = over_70_alone(patch)
    Escalation.objects.create(tenant=held, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER)
    response = manager_client.post(reverse("campaigns:new"), cold_snap_form())
    rebuild = QueueRebuild.objects.get()
    assert rebuild.change == "Cold snap check: over-70s living alone: started"

    page = manager_client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "being worked out again" in page
    assert not CallTask.objects.exists()

    control_actions.queue_rebuild_run(rebuild_id=rebuild.pk)  # what the Celery task does
    campaign = Campaign.objects.get(name__startswith="Cold snap")
    fragment = manager_client.get(
        reverse("campaigns:today", args=[campaign.pk]) + f"?rebuild={rebuild.pk}",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert queued(fragment) == "1 call is in today's queue for this campaign."
    assert "1 of its tenants due today</a> is with a manager" in fragment
    assert "hx-trigger" not in fragment
    assert CallTask.objects.open().count() == 1


def test_a_tenant_already_in_the_queue_keeps_one_call(
    manager_client, patch, tasks_run_here, django_capture_on_commit_callbacks
):
    both = over_70_alone(patch, last_contact_at=None)  # due in the COVID calls too
    build_call_queue()
    first = CallTask.objects.open().get(tenant=both)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("campaigns:new"), cold_snap_form())
    assert list(CallTask.objects.filter(tenant=both).values_list("pk", flat=True)) == [first.pk]
    page = manager_client.get(response.url).content.decode()
    assert queued(page) == "1 call is in today's queue for this campaign."


def test_a_campaign_starting_later_waits_for_that_mornings_build(manager_client, patch):
    over_70_alone(patch)
    tomorrow = ON + timedelta(days=1)
    response = manager_client.post(reverse("campaigns:new"), cold_snap_form(starts_on=tomorrow))
    assert not QueueRebuild.objects.exists() and not CallTask.objects.exists()
    page = manager_client.get(response.url).content.decode()
    assert "it starts on 2 December 2026: its tenants join the queue at that morning" in page


def test_restarting_a_paused_campaign_queues_its_tenants_today(
    manager_client, patch, tasks_run_here, django_capture_on_commit_callbacks
):
    tenant = over_70_alone(patch)
    manager_client.post(reverse("campaigns:new"), cold_snap_form())
    campaign = Campaign.objects.get(name__startswith="Cold snap")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)
    QueueRebuild.objects.all().delete()
    assert not CallTask.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("campaigns:resume", args=[campaign.pk]))

    assert CallTask.objects.open().get().tenant == tenant
    page = manager_client.get(response.url).content.decode()
    assert "restarted: its calls start today" in page
    assert queued(page) == "1 call is in today's queue for this campaign."


def test_the_today_fragment_needs_a_rebuild(manager_client, manager, patch):
    response = manager_client.post(reverse("campaigns:new"), cold_snap_form())
    campaign = Campaign.objects.get(name__startswith="Cold snap")
    url = reverse("campaigns:today", args=[campaign.pk])
    assert manager_client.get(url + "?rebuild=x").status_code == 404
    assert manager_client.get(url).status_code == 404
    assert response.status_code == 302
