"""How overdue a queued call is, when a campaign other than the COVID programme queues it: a
list campaign's tenant becomes due when they join it, not when the campaign began years ago; a
critical provider's tenant is due 7 days after they were last spoken to (the cadence rule's own
date); and the queue's "due every N days - overdue N days" and its order follow the cadence and
date the task is ranked by. PostgreSQL."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import SchemeFactory, SupportProviderFactory, TenantFactory
from tests.queue.test_why_now import why
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign, CampaignMember, CampaignReach
from welfare.models import CallTask, Cohort
from welfare.provider_actions import provider_check_in_record, provider_oversight_set
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 11, 30)  # the provider-critical campaign began on 23 March 2020


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(ON, 8), tick=True):
        yield


@pytest.fixture
def critical_scheme(team, officer):
    """A supported living scheme whose provider said "critical" a week ago."""
    provider = SupportProviderFactory(name="Caring Hands")
    provider_oversight_set(provider=provider, team=team, cadence_days=7)
    with time_machine.travel(at(ON - timedelta(days=7), 11), tick=False):
        provider_check_in_record(provider=provider, by=officer, staffing="critical")
    return SchemeFactory(type="supported_living", support_provider=provider)


def tenant(patch, name, spoken_days_ago, **fields):
    return TenantFactory(
        first_name=name,
        last_name="Ward",
        patch=patch,
        date_of_birth=date(1980, 1, 1),
        last_contact_at=at(ON - timedelta(days=spoken_days_ago)),
        **fields,
    )


def test_a_critical_providers_tenants_are_due_7_days_after_they_were_last_spoken_to(
    officer_client, patch, critical_scheme
):
    """One cadence (welfare.cadence): every 7 days from the last time they were spoken to, so
    the days overdue go with the "due every 7 days" beside them."""
    # Spoken to 52 days ago: due 45 days ago at 7 days (at supported living's 14: 38).
    keith = tenant(patch, "Keith", 52, scheme=critical_scheme)
    # Spoken to 10 days ago (20 November), three days after the provider went critical: due
    # on 27 November, 3 days overdue (not 7, counted from the day it went critical; and not
    # "every 14 days, due on 4 December" as supported living alone).
    ann = tenant(patch, "Ann", 10, scheme=critical_scheme)
    # Spoken to 5 days ago: due in 2 days.
    bea = tenant(patch, "Bea", 5, scheme=critical_scheme)
    # Everyone else, spoken to 100 days ago: 10 days overdue.
    other = tenant(patch, "Other", 100)
    build_call_queue(on=ON)
    tasks = {task.tenant_id: task for task in CallTask.objects.open()}
    keith_task, ann_task = tasks[keith.pk], tasks[ann.pk]
    assert bea.pk not in tasks
    assert tasks[other.pk].days_overdue(ON) == 10
    assert (keith_task.days_overdue(ON), keith_task.cadence_days) == (45, 7)
    assert (ann_task.days_overdue(ON), ann_task.cadence_days) == (3, 7)

    page = officer_client.get(reverse("welfare:queue")).content.decode()
    critical = "Supported living - Provider staffing critical - due every 7 days"
    assert why(page, keith_task) == f"{critical} - overdue 45 days"
    assert why(page, ann_task) == f"{critical} - overdue 3 days"
    assert "every 14 days" not in page and "2443" not in page
    # Most overdue first: 45 days, 10 days, 3 days.
    order = [page.index(f"{name} Ward") for name in ("Keith", "Other", "Ann")]
    assert order == sorted(order)


def test_a_shorter_cadence_of_their_own_is_kept(patch, critical_scheme):
    unwell = Cohort.objects.get(code=Cohort.Code.UNWELL)
    unwell.cadence_days = 3
    unwell.save()
    ill = tenant(patch, "Ill", 5, scheme=critical_scheme, self_isolating_from=ON)
    build_call_queue(on=ON)
    task = CallTask.objects.open().get(tenant=ill)
    assert (task.days_overdue(ON), task.cadence_days) == (2, 3)


def test_a_reach_in_an_earlier_crisis_changes_nothing(officer, patch, critical_scheme):
    """A reach from a past critical spell does not make them due earlier, or later."""
    ann = tenant(patch, "Ann", 10, scheme=critical_scheme)
    CampaignReach.objects.create(
        campaign=Campaign.objects.get(code=Campaign.PROVIDER_CRITICAL_CODE),
        tenant=ann,
        reached_at=at(date(2025, 1, 6)),
        next_due_on=date(2025, 1, 13),
    )
    build_call_queue(on=ON)
    assert CallTask.objects.open().get(tenant=ann).due_on == ON - timedelta(days=3)


def test_a_list_campaigns_tenant_is_due_from_the_day_they_were_added(manager, patch):
    campaign = campaign_create(
        by=manager,
        name="NHS shielding list",
        kind=Campaign.Kind.LIST,
        starts_on=ON - timedelta(days=300),
        schedule=Campaign.Schedule.CADENCE,
        cadence_days=30,
        questions=[{"text": "Do you have your medication?", "kind": "yes_no"}],
    )
    added = tenant(patch, "Listed", 1)
    CampaignMember.objects.create(
        campaign=campaign, tenant=added, added_at=at(ON - timedelta(days=2))
    )
    build_call_queue(on=ON)
    assert CallTask.objects.open().get(tenant=added).due_on == ON - timedelta(days=2)
