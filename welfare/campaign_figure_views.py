"""The tenants behind each figure on a campaign's page (Tenants, Reached, Attempted, Not yet
tried, Escalated; for a team or all teams), as a page and as a CSV, and the campaign's part of
today's queue (what the campaign page shows after the campaign starts today)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.access import manager_required
from config.csv_export import download_query, refused_download, streaming_csv
from tenants.selectors import log_tenants_listed

from . import campaign_selectors
from .campaign_forms import FigureFilterForm
from .campaign_selectors import FIGURE_NAMES, figure_state, last_attempt, outcome_label
from .models import QueueRebuild

PAGE_SIZE = 50


def _filtered(request, pk):
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    filters = FigureFilterForm(request.GET or None, user=request.user)
    tenants = campaign_selectors.figure_tenants(
        campaign,
        timezone.localdate(),
        user=request.user,
        figure=filters.figure(),
        team=filters.values()["team"],
    )
    return campaign, filters, tenants


def _query(campaign, filters):
    """What the access log records the list as: "campaign 4: not_tried, team 2"."""
    values = filters.values()
    return f"campaign {campaign.pk}: {filters.figure()}, team {values['team'] or 'all'}"


@manager_required
def campaign_tenants(request, pk):
    """One figure's tenants: name, reference, team, state and last attempt, 50 a page. A
    refused filter lists no one (400), never every tenant passing for the figure asked for."""
    campaign, filters, tenants = _filtered(request, pk)
    page = Paginator([] if filters.refused else tenants, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for tenant in page:
        tenant.state = figure_state(tenant)
        tenant.last_attempt = last_attempt(tenant)
    log_tenants_listed(
        request.user, [tenant.pk for tenant in page], request.path, query=_query(campaign, filters)
    )
    return render(
        request,
        "welfare/campaigns/tenants.html",
        {
            "campaign": campaign,
            "filters": filters,
            "figure": FIGURE_NAMES[filters.figure()],
            "team_name": filters.team_name(),
            "page": page,
            "csv_query": download_query(request.GET),
        },
        status=400 if filters.refused else 200,
    )


@manager_required
def campaign_tenants_csv(request, pk):
    """The same list, every page of it, each batch's tenants logged before it is sent."""
    campaign, filters, tenants = _filtered(request, pk)
    if filters.refused:
        return refused_download(filters)
    user, path, query = request.user, request.path, _query(campaign, filters)
    return streaming_csv(
        filename=f"campaign-{campaign.pk}-{filters.figure()}-"
        f"{timezone.localtime():%Y-%m-%d-%H%M}.csv",
        header=["name", "tenancy_ref", "team", "state", "last_attempt", "last_outcome"],
        rows=tenants,
        row=lambda tenant: [
            tenant.full_name,
            tenant.tenancy_ref,
            tenant.patch.team.name if tenant.patch and tenant.patch.team else "",
            figure_state(tenant),
            f"{timezone.localtime(tenant.last_call_at):%Y-%m-%d %H:%M}"
            if tenant.last_call_at
            else "",
            outcome_label(tenant),
        ],
        log=lambda batch: log_tenants_listed(
            user, [tenant.pk for tenant in batch], path, query=query
        ),
    )


def named_rebuild(rebuild_id):
    """The queue rebuild the address names (`?rebuild=`), or None."""
    if not str(rebuild_id or "").isdigit():
        return None
    return QueueRebuild.objects.filter(pk=rebuild_id).first()


def today_context(campaign, rebuild=None):
    """The campaign's part of today's queue, for its page: while the queue is being worked out
    again after the campaign started (`rebuild`), that; once it is done (or with none), how
    many of its tenants due today have a call in the queue. Nothing for a campaign not running."""
    today = timezone.localdate()
    context = {"campaign": campaign, "today": today, "rebuild": rebuild, "queue_today": None}
    if campaign.is_running_on(today) and (rebuild is None or rebuild.finished):
        context["queue_today"] = campaign_selectors.in_todays_queue(campaign, today)
    return context


@manager_required
def campaign_today(request, pk):
    """The "Today's queue" part of the campaign page, asked again every second while the
    queue is being worked out (htmx)."""
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    rebuild = named_rebuild(request.GET.get("rebuild"))
    if rebuild is None:
        raise Http404
    return render(
        request, "welfare/campaigns/includes/today.html", today_context(campaign, rebuild)
    )
