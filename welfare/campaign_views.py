"""Managers' campaign pages: the list, a new campaign, progress (with a CSV; each figure's
tenants: welfare.campaign_figure_views), pause, restart, extend, close."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import manager_required
from config.csv import csv_response, safe_writer
from imports import registry
from imports.jobs import import_start
from imports.models import ImportJob
from tenants.selectors import log_tenants_listed

from . import campaign_actions, campaign_selectors, control_actions
from .call_models import SCRIPT
from .campaign_figure_views import named_rebuild, today_context
from .campaign_forms import CampaignCloseForm, CampaignExtendForm, CampaignForm, ListUploadForm
from .campaign_models import Campaign

LIST_KIND = "campaign-list"  # the import kind welfare/apps.py registers


@manager_required
def campaigns(request):
    return render(
        request, "welfare/campaigns/list.html", {"campaigns": campaign_selectors.campaign_list()}
    )


def _queue_today(campaign, by, change):
    """A campaign running today (created or restarted): today's queue is worked out again at
    once, in a Celery task once this commits, as after a cohort change (the build opens its
    due tenants' calls, one open task per tenant). None if it starts later."""
    if not campaign.is_running_on(timezone.localdate()):
        return None
    return control_actions.queue_rebuild_request(change=f"{campaign.name}: {change}", by=by)


def _withdraw_today(was_running, campaign, by, change):
    """A campaign that was running today, paused or closed: today's queue is worked out again
    at once, so the build's step that closes tasks no longer due takes out the calls it alone
    put there (a call an officer holds is left to them). None if it was not running."""
    if not was_running:
        return None
    return control_actions.queue_rebuild_request(change=f"{campaign.name}: {change}", by=by)


def _to_campaign(campaign, rebuild):
    """The campaign's page; after a rebuild was asked for, it shows its progress, then the
    campaign's calls in today's queue."""
    url = reverse("campaigns:detail", args=[campaign.pk])
    return redirect(f"{url}?rebuild={rebuild.pk}#today" if rebuild else url)


def _later(campaign):
    return (
        f"it starts on {campaign.starts_on:%-d %B %Y}: its tenants join the queue at that "
        "morning's build."
    )


@manager_required
def campaign_new(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = form.campaign_fields()
        with transaction.atomic():
            campaign = campaign_actions.campaign_create(by=request.user, **fields)
            rebuild = _queue_today(campaign, request.user, "started")
        if rebuild:
            messages.success(request, f"{campaign.name} created: its calls start today.")
        else:
            messages.success(request, f"{campaign.name} created: {_later(campaign)}")
        return _to_campaign(campaign, rebuild)
    return render(
        request,
        "welfare/campaigns/new.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@manager_required
def campaign(request, pk):
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "welfare/campaigns/detail.html",
        {
            **today_context(campaign, named_rebuild(request.GET.get("rebuild"))),
            "critical_spells": campaign_selectors.critical_spells(campaign),
            **campaign_selectors.campaign_progress(campaign, today, user=request.user),
            # A campaign without questions of its own: which script officers use on its calls.
            "welfare_script": SCRIPT if campaign.uses_welfare_script else None,
        },
    )


def _progress(request, pk):
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    today = timezone.localdate()
    return campaign, today, campaign_selectors.campaign_progress(campaign, today, user=request.user)


@manager_required
def campaign_csv(request, pk):
    """The progress by team as a CSV, one table a spreadsheet reads: figures only, no tenant's
    details. The calls by day are a download of their own (`campaign_days_csv`)."""
    campaign, today, progress = _progress(request, pk)
    response = csv_response(f"campaign-{campaign.pk}-progress-{today:%Y-%m-%d}.csv")
    writer = safe_writer(response)
    writer.writerow(
        ["team", "tenants", "reached", "attempted", "not yet tried", "not called", "escalated"]
    )
    for row in [*progress["by_team"], {"patch__team__name": "All teams", **progress["totals"]}]:
        writer.writerow(
            [
                row["patch__team__name"] or "No team (no patch)",
                row["tenants"],
                row["reached"],
                row["attempted"],
                row["not_tried"],
                row["not_called"],
                row["escalated"],
            ]
        )
    return response


@manager_required
def campaign_days_csv(request, pk):
    """The campaign's calls by day as a CSV: figures only."""
    campaign, today, progress = _progress(request, pk)
    response = csv_response(f"campaign-{campaign.pk}-calls-by-day-{today:%Y-%m-%d}.csv")
    writer = safe_writer(response)
    writer.writerow(["day", "calls", "reached"])
    for row in progress["by_day"]:
        writer.writerow([row["call__made_on"].isoformat(), row["calls"], row["reached"]])
    return response


def _leaving(campaign, rebuild, what):
    if rebuild:
        return f"{campaign.name} {what}: its calls are being taken out of today's queue."
    return f"{campaign.name} {what}."


@require_POST
@manager_required
def campaign_pause(request, pk):
    """Paused, a campaign running today has the calls it alone queued taken out at once."""
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    was_running = campaign.is_running_on(timezone.localdate())
    try:
        with transaction.atomic():
            campaign = campaign_actions.campaign_pause(campaign=campaign, by=request.user)
            rebuild = _withdraw_today(was_running, campaign, request.user, "paused")
    except campaign_actions.CampaignRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("campaigns:detail", pk=pk)
    messages.success(request, _leaving(campaign, rebuild, "paused"))
    return _to_campaign(campaign, rebuild)


@require_POST
@manager_required
def campaign_resume(request, pk):
    """Restarted, a campaign already begun has its due tenants' calls in today's queue at once."""
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    try:
        with transaction.atomic():
            campaign = campaign_actions.campaign_resume(campaign=campaign, by=request.user)
            rebuild = _queue_today(campaign, request.user, "restarted")
    except campaign_actions.CampaignRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("campaigns:detail", pk=pk)
    if rebuild:
        messages.success(request, f"{campaign.name} restarted: its calls start today.")
    else:
        messages.success(request, f"{campaign.name} restarted: {_later(campaign)}")
    return _to_campaign(campaign, rebuild)


@manager_required
def campaign_extend(request, pk):
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    if campaign.is_seeded:
        raise Http404  # no end date to move (campaign_actions.campaign_extend)
    form = CampaignExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_actions.campaign_extend(
                campaign=campaign, ends_on=form.cleaned_data["ends_on"], by=request.user
            )
        except campaign_actions.CampaignRefused as refusal:
            form.add_error("ends_on", str(refusal))
        else:
            messages.success(request, f"{campaign.name} extended.")
            return redirect("campaigns:detail", pk=pk)
    return render(
        request,
        "welfare/campaigns/extend.html",
        {"campaign": campaign, "form": form},
        status=400 if form.is_bound else 200,
    )


@manager_required
def campaign_close(request, pk):
    """Closing lists the tenants not reached who can still be called, and counts those who
    will not be (declined calls, in hospital) apart, as the campaign page does; with any of
    either, a reason is needed."""
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    if campaign.is_seeded:
        raise Http404  # never closed (campaign_actions.campaign_close): no page to close it
    today = timezone.localdate()
    tenants = campaign_selectors.not_reached(campaign, today, user=request.user)
    figures = campaign_selectors.close_figures(campaign, today, user=request.user)
    form = CampaignCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        was_running = campaign.is_running_on(today)
        try:
            with transaction.atomic():
                campaign = campaign_actions.campaign_close(
                    campaign=campaign,
                    by=request.user,
                    not_reached=figures["not_reached"],
                    not_called=figures["not_called"],
                    reason=form.cleaned_data["reason"],
                )
                rebuild = _withdraw_today(was_running, campaign, request.user, "closed")
        except campaign_actions.CampaignRefused as refusal:
            form.add_error("reason", str(refusal))
        else:
            messages.success(request, _leaving(campaign, rebuild, "closed"))
            return _to_campaign(campaign, rebuild)
    page = Paginator(tenants, 50).get_page(request.GET.get("page"))
    # Tenants' names are shown: one access-log row naming the tenants on this page.
    log_tenants_listed(
        request.user,
        [tenant.pk for tenant in page],
        request.path,
        query=f"not reached in campaign {campaign.pk}",
    )
    return render(
        request,
        "welfare/campaigns/close.html",
        {"campaign": campaign, "form": form, "page": page, "figures": figures},
        status=400 if form.is_bound else 200,
    )


@manager_required
def campaign_import(request, pk):
    """Upload an imported list. It runs on the background imports flow (imports/jobs.py): the
    file is checked first (nothing is added) and every rejected row listed with its line, then
    the manager confirms adding every row, or only the rows that match. The check and the
    import run in Celery; the job is listed under "Your imports"."""
    campaign = campaign_selectors.get_campaign_for_user(request.user, pk)
    if campaign.kind != Campaign.Kind.LIST:
        raise Http404
    form = ListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_start(
            user=request.user,
            kind=registry.get(LIST_KIND),
            upload=form.cleaned_data["file"],
            options={"campaign_id": campaign.pk},
        )
        return redirect("imports:job", pk=job.pk)
    recent = ImportJob.objects.filter(
        kind=LIST_KIND, created_by=request.user, options__campaign_id=campaign.pk
    ).only("file_name", "status", "created_at")[:5]
    return render(
        request,
        "welfare/campaigns/import.html",
        {
            "campaign": campaign,
            "form": form,
            "members": campaign.members.count(),
            "recent": recent,
        },
        status=400 if form.errors else 200,
    )
