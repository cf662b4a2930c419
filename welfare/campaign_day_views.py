"""The lists behind a campaign page's other figures, each as a page and a CSV: a day's calls
(its "Calls by day": calls, and those that reached the tenant) and the tenants behind its
"Today's queue" sentence (in the queue, with a manager, joining at the next build)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from accounts.access import manager_required
from config.csv_export import download_query, refused_download, streaming_csv
from tenants.selectors import log_tenants_listed

from . import campaign_selectors
from .campaign_forms import DayCallsFilterForm, QueueFilterForm
from .campaign_selectors import QUEUE_NAMES

PAGE_SIZE = 50


def _team(tenant):
    return tenant.patch.team.name if tenant.patch and tenant.patch.team else ""


def _day_calls(request, pk):
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    # Always bound: a list with no day is refused, never every day's calls.
    filters = DayCallsFilterForm(request.GET)
    calls = None
    if not filters.refused:
        calls = campaign_selectors.day_calls(
            campaign,
            filters.values()["day"],
            user=request.user,
            reached_only=filters.reached_only(),
        )
    return campaign, filters, calls


def _day_query(campaign, filters):
    """What the access log records the list as: "campaign 4: calls on 2026-12-01, reached"."""
    day = filters.values()["day"]
    show = "reached" if filters.reached_only() else "all"
    return f"campaign {campaign.pk}: calls on {day or '?'}, {show}"


def _page_logged(request, rows, tenant_id, *, query):
    """The page of `rows` asked for (none for a refused filter, `rows` None), each tenant on
    it logged as listed."""
    page = Paginator(rows if rows is not None else [], PAGE_SIZE).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [tenant_id(row) for row in page], request.path, query=query)
    return page


@manager_required
def campaign_day_calls(request, pk):
    """One day's calls in the campaign: time, tenant, reference, team, officer and outcome, 50
    a page, each linking to the call's page. A refused day lists none (400)."""
    campaign, filters, calls = _day_calls(request, pk)
    page = _page_logged(
        request, calls, lambda call: call.tenant_id, query=_day_query(campaign, filters)
    )
    return render(
        request,
        "welfare/campaigns/day_calls.html",
        {
            "campaign": campaign,
            "filters": filters,
            "day": filters.values()["day"],
            "reached_only": filters.reached_only(),
            "page": page,
            "csv_query": download_query(request.GET),
        },
        status=400 if filters.refused else 200,
    )


@manager_required
def campaign_day_calls_csv(request, pk):
    """The same list, every page of it, each batch's tenants logged before it is sent."""
    campaign, filters, calls = _day_calls(request, pk)
    if filters.refused:
        return refused_download(filters)
    user, path, query = request.user, request.path, _day_query(campaign, filters)
    show = "reached" if filters.reached_only() else "calls"
    return streaming_csv(
        filename=f"campaign-{campaign.pk}-{show}-{filters.values()['day']:%Y-%m-%d}.csv",
        header=["made_at", "name", "tenancy_ref", "team", "officer", "outcome"],
        rows=calls,
        row=lambda call: [
            f"{timezone.localtime(call.made_at):%Y-%m-%d %H:%M}",
            call.tenant.full_name,
            call.tenant.tenancy_ref,
            _team(call.tenant),
            str(call.officer),
            call.get_outcome_display(),
        ],
        log=lambda batch: log_tenants_listed(
            user, [call.tenant_id for call in batch], path, query=query
        ),
    )


def _queue_tenants(request, pk):
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    filters = QueueFilterForm(request.GET or None)
    tenants = campaign_selectors.todays_queue_tenants(
        campaign, timezone.localdate(), user=request.user, show=filters.figure()
    )
    return campaign, filters, tenants


def _queue_query(campaign, filters):
    return f"campaign {campaign.pk}: today's queue, {filters.figure()}"


@manager_required
def campaign_queue_today(request, pk):
    """The tenants behind one of the "Today's queue" figures: name, reference and team, 50 a
    page. A refused figure lists no one (400)."""
    campaign, filters, tenants = _queue_tenants(request, pk)
    page = _page_logged(
        request,
        None if filters.refused else tenants,
        lambda tenant: tenant.pk,
        query=_queue_query(campaign, filters),
    )
    return render(
        request,
        "welfare/campaigns/queue_today.html",
        {
            "campaign": campaign,
            "filters": filters,
            "figure": QUEUE_NAMES[filters.figure()],
            "page": page,
            "csv_query": download_query(request.GET),
        },
        status=400 if filters.refused else 200,
    )


@manager_required
def campaign_queue_today_csv(request, pk):
    campaign, filters, tenants = _queue_tenants(request, pk)
    if filters.refused:
        return refused_download(filters)
    user, path, query = request.user, request.path, _queue_query(campaign, filters)
    return streaming_csv(
        filename=f"campaign-{campaign.pk}-{filters.figure()}-{timezone.localdate():%Y-%m-%d}.csv",
        header=["name", "tenancy_ref", "team"],
        rows=tenants,
        row=lambda tenant: [tenant.full_name, tenant.tenancy_ref, _team(tenant)],
        log=lambda batch: log_tenants_listed(
            user, [tenant.pk for tenant in batch], path, query=query
        ),
    )
