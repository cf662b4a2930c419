from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.access import manager_required
from accounts.submit_once import submit_once
from config.csv import csv_response
from config.csv_export import download_query, refused_download
from config.forms import FilterForm

from . import actions, selectors
from .forms import StatusChangeForm
from .models import Status
from .templatetags.service_status import govuk_datetime

# Managers: the register. The public outputs are in public.py and statuspage.py.


class RegisterFilterForm(FilterForm):
    """The register's filter (GET), as its counts and the dashboard's "Services by status"
    link to it: `?status=` (services in that status now) or `?scheduled=yes` (a change
    scheduled). A value that is not one of the choices is `refused`: no services listed."""

    status = forms.ChoiceField(
        required=False,
        label="Status now",
        choices=[("", "Any"), *Status.choices],
        error_messages={"invalid_choice": "Choose operating, reduced or unavailable"},
    )
    scheduled = forms.ChoiceField(
        required=False,
        label="Scheduled",
        choices=[("", "Any"), ("yes", "A change scheduled")],
        error_messages={"invalid_choice": "Only services with a change scheduled (yes)"},
    )
    review = forms.ChoiceField(
        required=False,
        label="Message to check",
        choices=[("", "Any"), ("yes", "Reduced or unavailable, message unchanged 14 days")],
        error_messages={"invalid_choice": "Only services whose message may be out of date (yes)"},
    )


def _filtered(services, filters):
    """The services the filter shows: a status takes precedence over `scheduled`, which takes
    precedence over `review`. Returns (status shown, scheduled only, review only, services)."""
    if filters.refused:
        return None, False, False, []
    values = filters.values()
    shown = Status(values["status"]) if values["status"] else None
    scheduled_only = shown is None and values["scheduled"] == "yes"
    review_only = shown is None and not scheduled_only and values["review"] == "yes"
    if shown is not None:
        services = [s for s in services if s.current and s.current.status == shown]
    elif scheduled_only:
        services = [s for s in services if s.scheduled]
    elif review_only:
        services = [s for s in services if s.needs_review]
    return shown, scheduled_only, review_only, services


@manager_required
def register(request):
    services = selectors.service_register(at=timezone.now())
    # The counts are of the whole register, whatever is shown: each opens its own list.
    counts = dict.fromkeys(Status, 0)
    for service in services:
        if service.current is not None:
            counts[service.current.status] += 1
    scheduled_count = sum(len(service.scheduled) for service in services)
    to_fix = sum(service.sends_to_closed_centre for service in services)
    to_review = sum(service.needs_review for service in services)
    # ?status= (the dashboard's "Services by status" figures link here): those services only;
    # ?scheduled=yes: the services with a change scheduled.
    filters = RegisterFilterForm(request.GET or None)
    shown, scheduled_only, review_only, services = _filtered(services, filters)
    return render(
        request,
        "services/register.html",
        {
            "filters": filters,
            "shown": shown,
            "scheduled_only": scheduled_only,
            "review_only": review_only,
            "services": services,
            "counts": [(Status(status), count) for status, count in counts.items()],
            "scheduled_count": scheduled_count,
            "to_fix": to_fix,
            "to_review": to_review,
            "csv_query": download_query(request.GET),
        },
        status=filters.status_code,
    )


def _when(moment):
    return timezone.localtime(moment).isoformat(timespec="minutes")


@manager_required
def register_csv(request):
    """The register as its filter shows it, one line a service: its status now, since when,
    its public message, and each change scheduled. No personal data: nothing is logged."""
    filters = RegisterFilterForm(request.GET or None)
    if filters.refused:
        return refused_download(filters)
    now = timezone.now()
    shown, scheduled_only, review_only, services = _filtered(
        selectors.service_register(at=now), filters
    )
    # A filtered download says so in its name, so it is not taken for the whole register.
    which = (
        f"-{shown.value}"
        if shown
        else "-scheduled"
        if scheduled_only
        else "-to-check"
        if review_only
        else ""
    )
    rows = [["service", "status_now", "since", "public_message", "scheduled", "group", "to_check"]]
    for service in services:
        current = service.current
        scheduled = "; ".join(
            f"{change.get_status_display()} from {_when(change.effective_at)}"
            f" (by {change.created_by or 'unknown'})"
            for change in service.scheduled
        )
        rows.append(
            [
                service.name,
                current.get_status_display() if current else "No status yet",
                _when(current.effective_at) if current else "",
                current.message if current else "",
                scheduled,
                service.get_group_display(),
                "yes" if service.needs_review else "",
            ]
        )
    stamp = f"{timezone.localtime(now):%Y-%m-%d-%H%M}"
    return csv_response(f"service-register{which}-{stamp}.csv", rows)


@manager_required
def change(request, slug):
    service = selectors.get_service(slug)
    current = service.status_at(timezone.now())
    form = StatusChangeForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.status_change_create(
                service=service,
                status=data["status"],
                message=data["message"],
                effective_at=data["effective_at"],
                user=request.user,
            )
        except ValidationError as error:
            # The time can pass between the form's check and the action's (a slow submit).
            for message in error.messages:
                form.add_error("time", message)
        else:
            label = made.get_status_display()
            if data["effective_at"] is None:
                messages.success(request, f"{service} is now shown as {label}.")
            else:
                when = govuk_datetime(timezone.localtime(made.effective_at))
                messages.success(request, f"{service} will change to {label} on {when}.")
            return redirect("services:register")
    scheduled = service.changes.scheduled(timezone.now()).select_related("created_by")
    return render(
        request,
        "services/change.html",
        {"service": service, "current": current, "form": form, "scheduled": scheduled},
    )


@manager_required
def history(request, slug):
    service = selectors.get_service(slug)
    changes = selectors.service_history(service=service, at=timezone.now())
    return render(request, "services/history.html", {"service": service, "changes": changes})


@manager_required
@require_http_methods(["GET", "POST"])
@submit_once
def cancel(request, pk):
    """Asks the manager to confirm (GET), then cancels the scheduled change (POST)."""
    change = selectors.get_change(pk)
    # Back where the manager came from: the register, the service's history or its change form
    # (which lists what is scheduled, and refuses a second change at the same moment).
    came_from = request.POST.get("next", request.GET.get("next"))
    came_from = came_from if came_from in ("history", "change") else ""
    back = (
        redirect(f"services:{came_from}", slug=change.service.slug)
        if came_from
        else redirect("services:register")
    )
    if request.method == "GET":
        refusal = change.cancel_refusal(timezone.now())
        if refusal is not None:
            messages.error(request, refusal)
            return back
        return render(
            request,
            "services/cancel.html",
            {"change": change, "next": came_from, "back": back.url},
        )
    try:
        actions.status_change_cancel(change=change, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        when = govuk_datetime(timezone.localtime(change.effective_at))
        messages.success(request, f"Cancelled the change to {change.service} on {when}.")
    return back
