"""A critical provider's tenants on every page (DOMAIN.md, "Support providers": called weekly
until it recovers): the tenant record, the dashboard's list and the campaign's page give the
cadence and due date the queue ranks by, and the campaign counts the calls since the provider
went critical. PostgreSQL."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse

from dashboard.refresh import dashboard_refresh
from tests.factories import TenantFactory

# The clock (today is 30 November) and the scheme whose provider went critical on 23 November,
# as the queue's own tests of it have them.
from tests.queue.test_overdue_in_campaigns import ON, at, clock, critical_scheme  # noqa: F401
from welfare.actions import call_task_claim
from welfare.call_actions import call_log
from welfare.campaign_models import Campaign, CampaignReach
from welfare.campaign_rules import campaigns_due_for
from welfare.models import CallTask
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catherine(patch, critical_scheme):  # noqa: F811 (the fixture imported above)
    """Spoken to on 20 November, three days before her provider went critical."""
    return TenantFactory(
        first_name="Catherine",
        last_name="Butler",
        patch=patch,
        scheme=critical_scheme,
        date_of_birth=date(1980, 1, 1),
        last_contact_at=at(ON - timedelta(days=10)),
    )


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_record_gives_the_cadence_and_due_date_the_queue_ranks_by(manager_client, catherine):
    build_call_queue(on=ON)
    task = CallTask.objects.open().get(tenant=catherine)
    assert (task.due_on, task.cadence_days) == (date(2026, 11, 27), 7)

    page = text(manager_client.get(reverse("tenants:record", args=[catherine.pk])))
    assert "Cohorts today Supported living, Provider staffing critical" in page
    assert "Called every 7 days" in page and "Overdue by 3 days" in page
    assert "14 days" not in page and "4 December" not in page


def test_the_dashboards_list_gives_the_same_cadence(manager_client, catherine):
    dashboard_refresh()
    url = reverse("dashboard:list", args=["tenants"]) + "?cohort=supported_living"
    page = text(manager_client.get(url))
    assert "Catherine Butler" in page
    assert "PR-RIB Ribble 7 Overdue 3 days 20 Nov 2026" in page


def test_the_campaign_counts_the_calls_since_the_provider_went_critical(
    manager_client,
    officer,
    patch,
    critical_scheme,  # noqa: F811 (the fixture imported above)
    catherine,
):
    campaign = Campaign.objects.get(code=Campaign.PROVIDER_CRITICAL_CODE)
    # Reached in an earlier critical spell, not since this one: not reached now.
    dan = TenantFactory(first_name="Dan", patch=patch, scheme=critical_scheme)
    CampaignReach.objects.create(
        campaign=campaign, tenant=dan, reached_at=at(date(2025, 1, 6)), next_due_on=None
    )
    build_call_queue(on=ON)
    task = CallTask.objects.open().get(tenant=catherine)
    call_task_claim(task=task, user=officer)
    call_log(
        task=task,
        officer=officer,
        outcome="spoke",
        wellbeing="good",
        campaigns=campaigns_due_for(catherine, ON),
        idempotency_key=uuid.uuid4(),
    )

    page = text(manager_client.get(reverse("campaigns:detail", args=[campaign.pk])))
    assert "Caring Hands: critical since 23 November 2026" in page
    assert "2020" not in page
    # Tenants, reached, attempted, not yet tried, escalated.
    assert "All teams 2 1 0 1 0" in page
    assert "30 Nov 2026 1 1" in page and "No calls yet" not in page

    listing = text(manager_client.get(reverse("campaigns:list")))
    assert "Provider staffing critical Active 23 Nov 2026" in listing
