"""The campaign page counts the tenants it will not call (declined welfare calls, in hospital)
as their own figure, opening their list like the others, not as "Not yet tried": the figures
still add up to the tenants. PostgreSQL."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tenants.models import Tenant
from tests import csv_support
from tests.test_campaign_figures import ON, at, call, cold_snap, listed, over_70
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(9), tick=True):
        yield


@pytest.fixture
def campaign(manager, patch, officer):
    """Ada reached, Bea not yet tried, Cy declined calls, Dot in hospital until next week."""
    campaign = cold_snap(manager)
    ada, _, cy, dot = (over_70(patch, name) for name in ("Ada", "Bea", "Cy", "Dot"))
    Tenant.objects.filter(pk=cy.pk).update(declined_calls_on=ON - timedelta(days=30))
    Tenant.objects.filter(pk=dot.pk).update(in_hospital_until=ON + timedelta(days=7))
    build_call_queue(on=ON)
    call(ada, officer, "spoke", 10)
    return campaign


def figure(page, value, label):
    return f'aria-label="{value} {label}: all teams">{value}</a>' in page


def test_tenants_who_will_not_be_called_are_their_own_figure(manager_client, campaign):
    page = manager_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert figure(page, 4, "tenants")
    assert figure(page, 1, "reached")
    assert figure(page, 0, "attempted")
    assert figure(page, 1, "not yet tried")  # Bea alone: Cy and Dot will not be called
    assert figure(page, 2, "not called: declined calls or in hospital")
    assert "2 declined calls or in hospital</a>: not called." in page


def test_their_list_opens_from_the_figure_and_says_why(manager_client, campaign):
    page = manager_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    link = f"{reverse('campaigns:tenants', args=[campaign.pk])}?show=not_called"
    assert f'href="{link}"' in page
    count, names, listing = listed(manager_client, campaign, show="not_called")
    assert (count, names) == (2, {"Cy Figure", "Dot Figure"})
    assert "Not called: declined calls" in listing and "Not called: in hospital" in listing
    assert listed(manager_client, campaign, show="not_tried")[1] == {"Bea Figure"}


def test_the_figures_and_their_lists_still_add_up(manager_client, campaign):
    lists = {
        show: listed(manager_client, campaign, show=show)[1]
        for show in ("tenants", "reached", "attempted", "not_tried", "not_called")
    }
    parts = [lists[show] for show in ("reached", "attempted", "not_tried", "not_called")]
    assert sum(len(part) for part in parts) == len(lists["tenants"]) == 4
    assert set().union(*parts) == lists["tenants"]


def test_the_progress_download_adds_up_with_those_not_called(manager_client, campaign):

    response = manager_client.get(f"/campaigns/{campaign.pk}/progress.csv")
    table = csv_support.lines(response)
    header, total = table[0], next(row for row in table if row and row[0] == "All teams")
    row = dict(zip(header, total, strict=False))
    assert row["not called"] == "2"
    parts = ("reached", "attempted", "not yet tried", "not called")
    assert sum(int(row[name]) for name in parts) == int(row["tenants"])


def test_the_close_page_counts_those_not_called_apart_as_the_campaign_page_does(
    manager_client, campaign
):
    page = manager_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert figure(page, 1, "not yet tried") and figure(
        page, 2, "not called: declined calls or in hospital"
    )
    url = reverse("campaigns:close", args=[campaign.pk])
    closing = manager_client.get(url).content.decode()
    assert (
        "1 tenant has not been reached, and 2 will not be called (declined calls or in "
        "hospital). Closing needs a reason."
    ) in closing
    listed_here = closing.split('id="not-reached"')[1].split("</table>")[0]
    refs = dict(Tenant.objects.values_list("first_name", "tenancy_ref"))
    assert refs["Bea"] in listed_here
    assert refs["Cy"] not in listed_here and refs["Dot"] not in listed_here
    # Each count opens its list, as the campaign page's figures do.
    base = reverse("campaigns:tenants", args=[campaign.pk])
    assert f'href="{base}?show=not_called">2 declined calls or in hospital</a>' in closing
    assert f'href="{base}?show=not_tried">1 not yet tried</a>' in closing
    assert f'href="{base}?show=attempted">0 attempted</a>' in closing
    refused = manager_client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "1 tenant not reached and 2 not called: enter a reason" in refused.content.decode()


def test_closing_with_only_tenants_not_called_left_still_needs_a_reason(
    manager_client, campaign, officer
):
    bea = Tenant.objects.get(first_name="Bea")
    call(bea, officer, "spoke", 11)
    url = reverse("campaigns:close", args=[campaign.pk])
    closing = manager_client.get(url).content.decode()
    assert "Every tenant who can be called has been reached, and 2 will not be called" in closing
    assert 'id="not-reached"' not in closing
    refused = manager_client.post(url, {"reason": ""})
    assert "2 tenants not called: enter a reason" in refused.content.decode()
