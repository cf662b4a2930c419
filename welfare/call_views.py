"""The call page's form, escalations for managers, and the queue-check report."""

import uuid

from crispy_forms.utils import render_crispy_form
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import manager_required, role_required
from accounts.kept_labels import labelled_by
from accounts.models import User
from config.csv_export import download_query
from here_to_help.selectors import help_context
from messaging.selectors import failing_numbers_for_tenant
from tenants.selectors import log_tenants_listed

from . import call_actions, call_config, call_drafts, call_lapse, selectors
from .call_banner import saved_banner
from .call_forms import CallForm, EscalationActionForm, EscalationCloseForm
from .call_models import SCRIPT, Call, Escalation, QueueGap
from .call_text import target_text, when_text, why_now
from .campaign_rules import campaigns_due_for
from .escalation_csv import EscalationFilterForm, escalation_list
from .models import Cohort, ProviderCheckInTask
from .queue_take import take_next_unless_held

queue_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)


def _tags(tenant, cohorts, age, isolating):
    """The call page's tags, each fact once: the cohorts in words, then lives alone."""
    tags = []
    for name in cohorts:
        if name == Cohort.Code.AGED_70.label:
            name = f"Aged {age}"
        elif name == Cohort.Code.UNWELL.label and tenant.self_isolating_until and isolating:
            name = f"{name} until {tenant.self_isolating_until:%-d %b %Y}"
        tags.append(name)
    if tenant.lives_alone:
        tags.append("Lives alone")
    return tags


# The blank call form's HTML is the same for every tenant due in the same campaigns (and with no
# family contact to list) but for its idempotency key: rendered once per process and campaign
# set (the form's rendering was about a third of "Save and take next call"), kept with the
# campaigns (welfare.call_config), with this key in place of each form's own.
_KEY_STAND_IN = uuid.UUID(int=0)


# The one number to dial, posted in a hidden field, likewise.
_NUMBER_STAND_IN = "number-dialled-stand-in"


def _blank_form_html(form, campaigns, today):
    if "family_contact" in form.fields:  # lists the tenant's own
        return None
    if "number_dialled" in form.fields and not form.number_shown:  # the tenant's own, as radios
        return None
    key = form.initial["idempotency_key"]
    number = form.fields["number_dialled"].initial if form.number_shown else None

    def render_with_stand_in():
        form.initial["idempotency_key"] = _KEY_STAND_IN
        form.initial["number_dialled"] = _NUMBER_STAND_IN
        try:
            return render_crispy_form(form)
        finally:
            form.initial["idempotency_key"] = key
            del form.initial["number_dialled"]
            form._bound_fields_cache.clear()

    # The date hints' examples follow the day, so the day is in the name.
    name = ("call_form", today, tuple(c.pk for c in campaigns), form.number_shown)
    html = call_config.cached(name, render_with_stand_in)
    html = html.replace(str(_KEY_STAND_IN), str(key))
    return mark_safe(html.replace(_NUMBER_STAND_IN, escape(number or "")))  # noqa: S308


def call_page_context(user, task, form=None):
    """What the officer sees while calling: who, how to reach them, why now, then the form;
    beside it what to know (requests, family, the last calls with their notes)."""
    tenant = task.tenant
    now = timezone.now()
    today = timezone.localdate()
    mine = task.is_claimed_by(user)
    campaigns = campaigns_due_for(tenant, today)
    family_contacts = list(tenant.family_contacts.all())
    numbers = tenant.contact_numbers()
    form_html = None
    draft = None
    if form is None and mine and task.is_open:
        # What the officer typed before leaving the page mid-call (call_draft_views), if any.
        draft = call_drafts.call_draft_for(task=task, officer=user)
        form = CallForm(
            call_drafts.as_query_dict(draft) if draft else None,
            tenant=tenant,
            campaigns=campaigns,
            family_contacts=family_contacts,
            numbers=numbers,
            today=today,
        )
        if draft:
            form.as_typed()
        else:
            form_html = _blank_form_html(form, campaigns, today)
    # The task is the tenant's open task when it is open (one open task per tenant).
    calls_context = selectors.tenant_call_context(
        tenant, today, open_task=task if task.is_open else None
    )
    age = tenant.age_on(today)
    isolating = tenant.is_isolating_on(today)
    # Why the call is in the queue: nothing to say once it is finished ("overdue 91 days" is
    # no longer so).
    reasons = (
        why_now(task, today, calls_context["call_cohorts"], calls_context["call_cadence_days"])
        if task.is_open
        else ""
    )
    help_requests = help_context(user, tenant)
    open_requests = [r for r in help_requests.get("help_requests", []) if r.is_open]
    for request in open_requests:
        request.target_text = target_text(request.due_at, now)
    last_calls = list(
        tenant.calls.select_related("officer", "family_updated").prefetch_related("later_notes")[:5]
    )
    return {
        "task": task,
        "tenant": tenant,
        "reasons": reasons,
        "tags": _tags(tenant, calls_context["call_cohorts"], age, isolating),
        "numbers": numbers,
        "nothing_to_dial": not any(n.status == "good" for n in numbers),
        "claimed": task.claim_active(),
        # The hold the form is typed under, sent with it (welfare.call_lapse).
        "held_since": task.claimed_at.isoformat() if mine and task.claimed_at else "",
        "waits_until": task.not_before(now) if task.is_open else None,
        "mine": mine,
        "can_see_record": user.is_manager
        or (tenant.patch is not None and tenant.patch.team_id == user.team_id),
        "call_form": form,
        "call_form_html": form_html,
        "draft": draft,
        "campaigns": [c for c in campaigns if not c.is_programme],
        "last_calls": last_calls,
        # What the last attempt was ("Voicemail left at the last attempt"), for a retry not yet
        # due: the newest call on this task, which set its wait.
        "last_attempt": next((c for c in last_calls if c.task_id == task.pk), None),
        "family_contacts": family_contacts,
        "open_requests": open_requests,
        "age": age,
        "today": today,
        **calls_context,
        "failing_numbers": failing_numbers_for_tenant(tenant),  # Notify could not deliver
    }


def _render_call_page(request, task, form=None, status=200, **extra):
    context = {**call_page_context(request.user, task, form), **extra}
    return render(request, "welfare/task.html", context, status=status)


def _next_call(request, after):
    """The officer's next call, for "Save and take next call": the one they already hold if a
    resubmission got here first, otherwise a new claim."""
    work, _held = take_next_unless_held(user=request.user, exclude=after.pk, check_ins=False)
    return work


# For "Send what you typed?" (accounts.kept_labels): the button pressed, and the script's
# answers, which CallForm adds for each call.
CallPageLabels = type(
    "CallPageLabels",
    (forms.Form,),
    {
        "then": forms.ChoiceField(
            label="Then",
            choices=[("next", "Take the next call"), ("queue", "Return to the queue")],
        ),
        **{
            f"answer_{index}": forms.CharField(label=f"{index + 1}. {question}")
            for index, question in enumerate(SCRIPT)
        },
    },
)


@require_http_methods(["GET", "POST"])
@queue_staff
@labelled_by(CallForm, CallPageLabels)
def log_call(request, pk):
    if request.method == "GET":
        # The address a refused save was shown at, opened again (a reload, Back, a bookmark):
        # the call's own page, which checks access and starts from any kept draft.
        return redirect("welfare:task", pk=pk)
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    campaigns = campaigns_due_for(task.tenant, timezone.localdate())
    form = CallForm(request.POST, tenant=task.tenant, campaigns=campaigns)
    if not form.is_valid():
        task.refresh_from_db()
        # A form sent again after the call was recorded (Back, then the browser's "resubmit"):
        # that it was recorded comes first, not this form's errors. Asked only of a form with
        # errors: a valid one goes to call_log, which answers a replay or a conflict itself.
        if _recorded_already(task, form) is not None:
            return render_already_recorded(request, task, form)
        # The address bar shows the call's own page (call-page.js), not this one.
        task_url = reverse("welfare:task", args=[task.pk])
        return _render_call_page(request, task, form, status=400, page_url=task_url)
    data = form.cleaned_data
    key = data["idempotency_key"]
    if request.POST.get("add_note"):
        recorded = get_object_or_404(Call, pk=request.POST["add_note"], tenant_id=task.tenant_id)
        call_actions.call_add_note(
            call=recorded, text=form.typed_text(recorded), by=request.user, idempotency_key=key
        )
        messages.success(
            request,
            f"Added what you typed as a note to the call recorded "
            f"{when_text(recorded.made_at)} by {recorded.officer}.",
        )
        return redirect("welfare:call", pk=recorded.pk)
    new_attempt = bool(request.POST.get("new_attempt"))
    if new_attempt:
        # A key of its own, the same for a double click on the button.
        key = uuid.uuid5(key, "new attempt")
    held_since = request.POST.get("held_since", "")
    try:
        call = call_lapse.call_log_from_form(
            task=task,
            officer=request.user,
            held_since=call_lapse.held_since_from(held_since),
            outcome=data["outcome"],
            idempotency_key=key,
            wellbeing=data.get("wellbeing", ""),
            answers=data["answers"],
            needs=data.get("needs", []),
            family_contact=data.get("family_contact"),
            call_back_at=data.get("call_back_at"),
            in_hospital_until=data.get("in_hospital_until"),
            discharge_date_not_known=data.get("discharge_date_not_known", False),
            number_dialled=data.get("number_dialled"),
            notes=data.get("notes", ""),
            campaigns=campaigns,
            campaign_answers=data["campaign_answers"],
            new_attempt=new_attempt,
        )
    except call_actions.CallConflict as conflict:
        # Nothing typed is lost: the form comes back filled in, beside the call as recorded.
        task.refresh_from_db()
        return _render_call_page(
            request, task, form, status=409, conflict=conflict.call, held_since=held_since
        )
    except call_lapse.CallTakenMeanwhile:
        # The same: what was typed stays, beside who took the call after the hold ran out.
        task.refresh_from_db()
        return _render_call_page(request, task, form, status=409, taken=True, held_since=held_since)
    except call_actions.CallRefused as refusal:
        messages.error(request, str(refusal))
        task.refresh_from_db()
        return _render_call_page(
            request, task, form, status=409, refused=True, held_since=held_since
        )
    messages.success(request, saved_banner(request.user, call))
    held = call.task.is_open and call.task.is_claimed_by(request.user)
    if call.outcome == Call.Outcome.WRONG_NUMBER and held:
        # Another number is left to dial: the same call, now (call_actions.call_log).
        return redirect("welfare:task", pk=task.pk)
    if request.POST.get("then") != "next":
        return redirect("welfare:queue")
    following = _next_call(request, after=task)
    if following is None:
        messages.info(request, "There are no more calls waiting in your team's queue.")
        return redirect("welfare:queue")
    if isinstance(following, ProviderCheckInTask):
        return redirect("welfare:check_in", pk=following.pk)
    # The next call page in this same response: one click, one page load.
    following = selectors.get_task_for_user(
        request.user, following.pk, page=reverse("welfare:task", args=[following.pk])
    )
    return _render_call_page(
        request, following, page_url=reverse("welfare:task", args=[following.pk])
    )


def _recorded_already(task, form):
    """The call this form was already recorded as (its key), or the call that finished the
    task; None while the call is still to be recorded."""
    try:
        key = uuid.UUID(str(form.data.get("idempotency_key", "")))
    except ValueError:
        key = None
    calls = task.calls.select_related("officer")
    recorded = calls.filter(idempotency_key=key).first() if key else None
    if recorded is None and not task.is_open:
        recorded = calls.first()
    return recorded


def render_already_recorded(request, task, form=None):
    """The call page for a form that came after the call was recorded: what was recorded, by
    whom and when, and what was typed in this form, read-only (nothing typed goes silently)."""
    if form is None:
        form = CallForm(request.POST, tenant=task.tenant)
    recorded = _recorded_already(task, form)
    if recorded is None:  # no call recorded: the task was closed otherwise
        messages.error(request, "This call is no longer open, so it was not recorded.")
    return _render_call_page(
        request, task, status=409, conflict=recorded, already=True, typed=form.typed_fields()
    )


@queue_staff
def call_detail(request, pk):
    """One recorded call: outcome, wellbeing, answers, notes, requests raised, later notes."""
    call = selectors.get_call_for_user(request.user, pk, page=request.path)
    raised = call_actions.requests_raised_by(call, with_owner=True)
    return render(
        request,
        "welfare/call.html",
        {
            "call": call,
            "tenant": call.tenant,
            "requests": raised,
            # Open and nobody's: "Take them on" (call_draft_views.take_raised_requests).
            "unowned": sum(1 for r in raised if r.is_open and r.owner_id is None),
            "notes": call.later_notes.select_related("by"),
        },
    )


@manager_required
def escalations(request):
    """The work list, filtered as its download is (`escalation_csv`): a filter value that is not
    one of the choices lists nothing, with its error, never every escalation as if unfiltered."""
    filters = EscalationFilterForm(request.GET or None, user=request.user)
    values = filters.values()
    closed = values["status"] == "closed"
    rows = escalation_list(request.user, **values)
    by_team = (
        Escalation.objects.filter(status=Escalation.Status.OPEN)
        .values("team_id", "team__name")
        .annotate(count=Count("id"), oldest=Min("opened_at"))
        .order_by("team__name")
    )
    page = Paginator(rows.none() if filters.refused else rows, 25).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [item.tenant_id for item in page], request.path)
    return render(
        request,
        "welfare/escalations.html",
        {
            "page": page,
            "by_team": by_team,
            "filters": filters,
            "team_filter": values["team"],
            "team_label": dict(filters.fields["team"].choices).get(values["team"]) or "",
            "closed": closed,
            "now": timezone.now(),
            "csv_query": download_query(request.GET),
        },
        status=filters.status_code,
    )


def _escalation_page(request, escalation, action_form=None, close_form=None, status=200):
    tenant = escalation.tenant
    return render(
        request,
        "welfare/escalation.html",
        {
            "escalation": escalation,
            "tenant": tenant,
            "actions": escalation.actions.select_related("by"),
            "calls": tenant.calls.select_related("officer")[:10],
            "family_contacts": tenant.family_contacts.all(),
            "action_form": action_form or EscalationActionForm(),
            "close_form": close_form or EscalationCloseForm(escalation=escalation),
        },
        status=status,
    )


@manager_required
def escalation(request, pk):
    return _escalation_page(
        request, selectors.get_escalation_for_user(request.user, pk, page=request.path)
    )


@require_POST
@manager_required
@labelled_by(EscalationActionForm)
def escalation_action(request, pk):
    escalation = selectors.get_escalation_for_user(request.user, pk, page=request.path)
    form = EscalationActionForm(request.POST)
    if form.is_valid():
        try:
            call_actions.escalation_record_action(
                escalation=escalation, by=request.user, **form.cleaned_data
            )
        except call_actions.CallRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Recorded.")
        return redirect("welfare:escalation", pk=pk)
    return _escalation_page(request, escalation, action_form=form, status=400)


@require_POST
@manager_required
@labelled_by(EscalationCloseForm)
def escalation_close(request, pk):
    escalation = selectors.get_escalation_for_user(request.user, pk, page=request.path)
    form = EscalationCloseForm(request.POST, escalation=escalation)
    if form.is_valid():
        try:
            closed = call_actions.escalation_close(
                escalation=escalation,
                result=form.cleaned_data["result"],
                contacted=form.cleaned_data.get("contacted", False),
                death_confirmed=form.cleaned_data.get("death_confirmed"),
                by=request.user,
            )
        except call_actions.CallRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("welfare:escalation", pk=pk)
        queued = " Their call is in today's queue." if getattr(closed, "call_opened", None) else ""
        messages.success(request, f"Escalation for {escalation.tenant.full_name} closed.{queued}")
        return redirect("welfare:escalations")
    return _escalation_page(request, escalation, close_form=form, status=400)


@manager_required
def queue_gaps(request):
    gaps = (
        QueueGap.objects.filter(resolved_at__isnull=True)
        .select_related("tenant__patch__team")
        .order_by("found_on", "tenant_id")
    )
    page = Paginator(gaps, 50).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [gap.tenant_id for gap in page], request.path)
    return render(request, "welfare/queue_gaps.html", {"page": page})


@require_POST
@manager_required
def run_queue_check(request):
    missing = call_actions.queue_check()
    messages.success(
        request,
        ngettext(
            "Queue checked: %(n)d tenant missing.", "Queue checked: %(n)d tenants missing.", missing
        )
        % {"n": missing},
    )
    return redirect("welfare:queue_gaps")
