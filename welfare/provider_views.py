"""Support providers: staffing by status, one provider's contacts, schemes and check-ins."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import manager_required, role_required
from accounts.kept_labels import labelled_by
from accounts.models import User
from accounts.submit_once import submit_once
from config.csv_export import download_query, refused_download, streaming_csv

from . import call_actions, provider_actions, provider_selectors
from .provider_forms import (
    NOT_CHECKED_IN,
    CheckInForm,
    ContactForm,
    OversightForm,
    ProviderFilterForm,
)
from .provider_models import ProviderCheckInTask, ProviderOversight

provider_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)


def _filtered(request, today):
    """The list's filter (`ProviderFilterForm`) and its providers: none for a refused filter."""
    filters = ProviderFilterForm(request.GET or None)
    if filters.refused:
        return filters, provider_selectors.provider_list(request.user, today).none()
    if not filters.is_bound:
        return filters, provider_selectors.provider_list(request.user, today)
    data = filters.cleaned_data
    staffing = data["staffing"]
    return filters, provider_selectors.provider_list(
        request.user,
        today,
        staffing="" if staffing == NOT_CHECKED_IN else staffing or None,
        overdue=bool(data["overdue"]),
        no_team=bool(data["team"]),
    )


@provider_staff
def providers(request):
    """Every provider in the user's scope, and figures that add up to them, each a link to
    its providers (`ProviderFilterForm`). A manager's list includes those no team checks in
    with ("No team yet", first); an officer sees only their team's providers."""
    today = timezone.localdate()
    filters, rows = _filtered(request, today)
    return render(
        request,
        "welfare/providers/list.html",
        {
            "providers": rows,
            "filters": filters,
            "showing": filters.showing(),
            "today": today,
            "summary": provider_selectors.provider_counts(request.user, today),
            "csv_query": download_query(request.GET),
        },
        status=filters.status_code,
    )


def _csv_row(provider, today):
    oversight = getattr(provider, "oversight", None)
    if oversight is None:
        return [provider.name, "Not checked in", "", "", "", "No team yet", *_contact(provider)]
    since = oversight.staffing_since
    return [
        provider.name,
        oversight.get_staffing_display() or "Not checked in",
        timezone.localtime(since).date().isoformat() if since else "",
        oversight.next_check_in_on.isoformat(),
        "yes" if oversight.next_check_in_on < today else "no",
        oversight.team.name,
        *_contact(provider),
    ]


def _contact(provider):
    return [provider.phone.as_national if provider.phone else "", provider.email]


@provider_staff
def providers_csv(request):
    """The providers the list's filter holds, in its order, as CSV: organisations and their
    staffing, no tenant's data (so nothing is logged). A refused filter downloads nothing."""
    today = timezone.localdate()
    filters, rows = _filtered(request, today)
    if filters.refused:
        return refused_download(filters)
    return streaming_csv(
        filename=f"support-providers-{timezone.localtime():%Y-%m-%d-%H%M}.csv",
        header=[
            "provider",
            "staffing",
            "staffing_since",
            "next_check_in",
            "check_in_overdue",
            "team",
            "phone",
            "email",
        ],
        rows=rows,
        row=lambda provider: _csv_row(provider, today),
    )


def _page(request, provider, status=200, **forms):
    oversight = ProviderOversight.objects.filter(provider=provider).first()
    context = {
        "provider": provider,
        "oversight": oversight,
        "today": timezone.localdate(),
        "contacts": provider.contacts.all(),
        "schemes": provider.schemes.all(),
        "tenant_count": provider_selectors.supported_tenants(provider).count(),
        "check_ins": provider.check_ins.select_related("by")[:20],
        "check_in_form": forms.get("check_in_form") or (CheckInForm() if oversight else None),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "oversight_form": forms.get("oversight_form")
        or OversightForm(
            initial={"team": oversight.team_id, "cadence_days": oversight.cadence_days}
            if oversight
            else {}
        ),
    }
    return render(request, "welfare/providers/provider.html", context, status=status)


@provider_staff
def provider(request, pk):
    return _page(request, provider_selectors.get_provider_for_user(request.user, pk))


@require_POST
@provider_staff
@labelled_by(CheckInForm)
def check_in(request, pk):
    provider = provider_selectors.get_provider_for_user(request.user, pk)
    form = CheckInForm(request.POST)
    if form.is_valid() and not hasattr(provider, "oversight"):
        form.add_error(None, "Choose the team that checks in with this provider first")
    if not form.is_valid():
        return _page(request, provider, status=400, check_in_form=form)
    data = form.cleaned_data
    record = provider_actions.provider_check_in_record(
        provider=provider,
        by=request.user,
        staffing=data["staffing"],
        next_check_in_on=data.get("next_check_in_on"),
        notes=data.get("notes", ""),
    )
    messages.success(request, _recorded_text(provider, record))
    return redirect("providers:detail", pk=pk)


@require_POST
@provider_staff
@labelled_by(ContactForm)
def add_contact(request, pk):
    provider = provider_selectors.get_provider_for_user(request.user, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _page(request, provider, status=400, contact_form=form)
    provider_actions.provider_contact_add(provider=provider, **form.cleaned_data)
    messages.success(request, f"Contact {form.cleaned_data['name']} added.")
    return redirect("providers:detail", pk=pk)


@require_POST
@manager_required
@labelled_by(OversightForm)
def set_oversight(request, pk):
    provider = provider_selectors.get_provider_for_user(request.user, pk)
    form = OversightForm(request.POST)
    if not form.is_valid():
        return _page(request, provider, status=400, oversight_form=form)
    provider_actions.provider_oversight_set(provider=provider, open_now=True, **form.cleaned_data)
    messages.success(request, f"{form.cleaned_data['team']} checks in with {provider.name}.")
    return redirect("providers:detail", pk=pk)


# A check-in in the call queue: the same one-click flow as a call ----------------------------


def _check_in_page(request, task, form=None, status=200):
    provider = task.provider
    now = timezone.now()
    mine = task.is_claimed_by(request.user, now)
    held_by_other = task.claim_active(now) and not mine
    current = Q(tenants__in=provider_selectors.supported_tenants(provider))
    if form is None and task.is_open and not held_by_other:
        form = CheckInForm()
    context = {
        "task": task,
        "provider": provider,
        "oversight": ProviderOversight.objects.filter(provider=provider).first(),
        "today": timezone.localdate(),
        "mine": mine,
        "held_by_other": held_by_other,
        "contacts": provider.contacts.all(),
        "schemes": provider.schemes.annotate(tenant_count=Count("tenants", filter=current)),
        "tenant_count": provider_selectors.supported_tenants(provider).count(),
        "check_ins": provider.check_ins.select_related("by")[:5],
        "check_in_form": form,
    }
    return render(request, "welfare/providers/check_in_task.html", context, status=status)


@provider_staff
def check_in_task(request, pk):
    return _check_in_page(request, provider_selectors.get_check_in_task_for_user(request.user, pk))


@require_POST
@provider_staff
@submit_once
@labelled_by(CheckInForm)
def check_in_task_record(request, pk):
    """Record the check-in, then "Save and take next call" goes to the officer's next piece of
    work (a check-in or a call), or back to the queue. Nothing typed is lost when refused."""
    task = provider_selectors.get_check_in_task_for_user(request.user, pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _check_in_page(request, task, form, status=400)
    data = form.cleaned_data
    try:
        record = provider_actions.check_in_task_record(
            task=task,
            by=request.user,
            staffing=data["staffing"],
            next_check_in_on=data.get("next_check_in_on"),
            notes=data.get("notes", ""),
        )
    except provider_actions.CheckInRefused as refusal:
        messages.error(request, str(refusal))
        task.refresh_from_db()
        return _check_in_page(request, task, form, status=409)
    messages.success(request, _recorded_text(task.provider, record))
    if request.POST.get("then") != "next" or not request.user.is_officer:
        return redirect("welfare:queue")
    following = provider_selectors.my_held_check_in(request.user, exclude=task)
    following = following or call_actions.work_take_next(user=request.user)
    if following is None:
        messages.info(request, "There are no more calls waiting in your team's queue.")
        return redirect("welfare:queue")
    if isinstance(following, ProviderCheckInTask):
        return redirect("welfare:check_in", pk=following.pk)
    return redirect("welfare:task", pk=following.pk)


def _recorded_text(provider, record):
    text = f"Check-in with {provider.name} recorded: staffing {record.get_staffing_display()}."
    if record.staffing == "critical":
        text += " Managers are told, and its tenants are called every 7 days from tomorrow."
    return text


@require_POST
@provider_staff
def check_in_task_claim(request, pk):
    task = provider_selectors.get_check_in_task_for_user(request.user, pk)
    claimed = (
        ProviderCheckInTask.objects.claimable()
        .filter(pk=task.pk)
        .update(claimed_by=request.user, claimed_at=timezone.now())
    )
    if not claimed and not task.is_claimed_by(request.user):
        messages.error(request, "Someone else has this check-in, or it is no longer open.")
    return redirect("welfare:check_in", pk=task.pk)


@require_POST
@provider_staff
def check_in_task_hand_back(request, pk):
    task = provider_selectors.get_check_in_task_for_user(request.user, pk)
    if provider_actions.check_in_task_hand_back(task=task, user=request.user):
        messages.success(request, f"The check-in with {task.provider.name} is back in the queue.")
    else:
        messages.error(request, "You do not hold this check-in, so it could not be handed back.")
    return redirect("welfare:queue")
