"""A campaign's page, close page and downloads as a manager reads them: the script of a
campaign with no questions of its own, the close page's "Not reached" download and refusal of
a built-in campaign, and the progress downloads a spreadsheet opens. PostgreSQL."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tenants.models import AccessLog, Tenant
from tests import csv_support
from tests.factories import CallTaskFactory, TenantFactory
from welfare import campaign_actions
from welfare.call_models import SCRIPT, Call
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign, CampaignCall, CampaignReach

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.combine(ON, time(10), tzinfo=LONDON), tick=True):
        yield


def called(tenant, campaign, officer, outcome):
    """A call to `tenant` that covered `campaign` today."""
    call = Call.objects.create(
        task=CallTaskFactory(tenant=tenant),
        tenant=tenant,
        officer=officer,
        outcome=outcome,
        wellbeing="good" if outcome == Call.Outcome.SPOKE else "",
        made_at=timezone.now(),
        made_on=ON,
    )
    CampaignCall.objects.create(call=call, campaign=campaign)


def aged_80(patch, **fields):
    fields.setdefault("last_contact_at", timezone.now() - timedelta(days=1))
    tenant = TenantFactory(patch=patch, date_of_birth=date(1946, 6, 1), **fields)
    Tenant.objects.filter(pk=tenant.pk).update(created_at=timezone.now() - timedelta(days=365))
    return tenant


@pytest.fixture
def campaign(manager, patch):
    return campaign_create(
        by=manager,
        name="Aged 80+ check",
        kind=Campaign.Kind.COHORT,
        starts_on=ON,
        schedule=Campaign.Schedule.ONCE,
        ends_on=ON + timedelta(days=10),
        min_age=80,
        patches=[patch],
        questions=[{"text": "Is your home warm enough?", "kind": "yes_no"}],
    )


def provider_critical():
    return Campaign.objects.get(kind=Campaign.Kind.PROVIDER_CRITICAL)


def test_a_campaign_with_no_questions_says_which_script_officers_use(manager_client):
    page = manager_client.get(reverse("campaigns:detail", args=[provider_critical().pk]))
    script = page.content.decode().split('id="campaign-script"')[1].split("</ol>")[0]
    assert "No questions of its own: officers ask the welfare calls" in script
    assert all(question in script for question in SCRIPT[:3])


def test_the_close_page_downloads_those_not_reached(manager_client, manager, campaign, patch):
    tried, untried, reached = aged_80(patch), aged_80(patch), aged_80(patch)
    for tenant, outcome in ((tried, Call.Outcome.NO_ANSWER), (reached, Call.Outcome.SPOKE)):
        called(tenant, campaign, manager, outcome)
    CampaignReach.objects.create(campaign=campaign, tenant=reached, reached_at=timezone.now())
    page = manager_client.get(reverse("campaigns:close", args=[campaign.pk])).content.decode()
    link = reverse("campaigns:tenants_csv", args=[campaign.pk]) + "?show=not_reached"
    assert f'href="{link}"' in page
    before = AccessLog.objects.count()

    rows = csv_support.rows(manager_client.get(link))

    assert list(rows[0]) == ["name", "tenancy_ref", "team", "state", "last_attempt", "last_outcome"]
    by_ref = {row["tenancy_ref"]: row for row in rows}
    assert set(by_ref) == {tried.tenancy_ref, untried.tenancy_ref}
    assert by_ref[tried.tenancy_ref]["state"] == "Attempted"
    assert by_ref[tried.tenancy_ref]["last_outcome"] == "No answer"
    assert by_ref[untried.tenancy_ref]["state"] == "Not yet tried"
    assert AccessLog.objects.count() == before + 1
    logged = AccessLog.objects.latest("pk")
    assert logged.user == manager
    assert sorted(logged.tenant_ids) == sorted([tried.pk, untried.pk])


@pytest.mark.parametrize("kind", [Campaign.Kind.PROGRAMME, Campaign.Kind.PROVIDER_CRITICAL])
def test_a_built_in_campaign_has_no_close_page(manager_client, kind):
    built_in = Campaign.objects.get(kind=kind)
    url = reverse("campaigns:close", args=[built_in.pk])
    assert manager_client.get(url).status_code == 404
    assert manager_client.post(url, {"reason": "Typed the address"}).status_code == 404
    built_in.refresh_from_db()
    assert built_in.status == Campaign.Status.ACTIVE


@pytest.mark.parametrize("kind", [Campaign.Kind.PROGRAMME, Campaign.Kind.PROVIDER_CRITICAL])
def test_a_built_in_campaign_has_no_end_date_to_extend(manager_client, manager, kind):
    # An end date would stop the built-in campaign: no page, and the action refuses.
    built_in = Campaign.objects.get(kind=kind)
    url = reverse("campaigns:extend", args=[built_in.pk])
    assert manager_client.get(url).status_code == 404
    later = (timezone.localdate() + timedelta(days=30)).isoformat().split("-")
    data = {"ends_on_0": later[2], "ends_on_1": later[1], "ends_on_2": later[0]}
    assert manager_client.post(url, data).status_code == 404
    with pytest.raises(campaign_actions.CampaignRefused):
        campaign_actions.campaign_extend(
            campaign=built_in, ends_on=timezone.localdate() + timedelta(days=30), by=manager
        )
    built_in.refresh_from_db()
    assert built_in.ends_on is None


def test_the_progress_downloads_are_one_table_each(manager_client, manager, campaign, patch):
    tenant = aged_80(patch)
    called(tenant, campaign, manager, Call.Outcome.NO_ANSWER)
    page = manager_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    by_team = reverse("campaigns:csv", args=[campaign.pk])
    by_day = reverse("campaigns:days_csv", args=[campaign.pk])
    assert f'href="{by_team}"' in page and f'href="{by_day}"' in page

    teams = csv_support.lines(manager_client.get(by_team))
    days = csv_support.lines(manager_client.get(by_day))

    assert all(teams) and all(days)  # no blank row: one table a spreadsheet reads
    assert teams[0][0] == "team" and teams[-1][:4] == ["All teams", "1", "0", "1"]
    assert days == [["day", "calls", "reached"], ["2026-12-01", "1", "0"]]
