"""The call page's form, escalations for managers, and the queue-check report."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import manager_required, role_required
from accounts.models import User
from here_to_help.selectors import help_context
from tenants.selectors import log_tenants_listed

from . import call_actions, selectors
from .call_forms import CallForm, EscalationActionForm, EscalationCloseForm
from .call_models import Escalation, QueueGap

queue_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)


def call_page_context(user, task, form=None):
    """What the officer sees while calling: who, how to reach them, what to know, the script."""
    tenant = task.tenant
    today = timezone.localdate()
    mine = task.is_claimed_by(user)
    return {
        "task": task,
        "tenant": tenant,
        "reasons": task.reasons(today),
        "claimed": task.claim_active(),
        "mine": mine,
        "can_see_record": user.is_manager
        or (tenant.patch is not None and tenant.patch.team_id == user.team_id),
        "call_form": form or (CallForm(tenant=tenant) if mine and task.is_open else None),
        "last_calls": list(tenant.calls.select_related("officer", "family_updated")[:5]),
        "family_contacts": list(tenant.family_contacts.all()),
        "age": tenant.age_on(today),
        "isolating": tenant.is_isolating_on(today),
        "today": today,
        **selectors.tenant_call_context(tenant, today),
        **help_context(user, tenant),
    }


@require_POST
@queue_staff
def log_call(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    form = CallForm(request.POST, tenant=task.tenant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            call = call_actions.call_log(
                task=task,
                officer=request.user,
                outcome=data["outcome"],
                idempotency_key=data["idempotency_key"],
                wellbeing=data.get("wellbeing", ""),
                answers=data["answers"],
                needs=data.get("needs", []),
                family_contact=data.get("family_contact"),
                call_back_at=data.get("call_back_at"),
                in_hospital_until=data.get("in_hospital_until"),
                notes=data.get("notes", ""),
            )
        except call_actions.CallRefused as refusal:
            # Keep everything the officer typed: the form is shown again, filled in.
            messages.error(request, str(refusal))
            task.refresh_from_db()
            context = call_page_context(request.user, task, form)
            context["refused"] = True
            return render(request, "welfare/task.html", context, status=409)
        messages.success(
            request, f"Call to {task.tenant.full_name} recorded: {call.get_outcome_display()}."
        )
        return redirect("welfare:queue")
    task.refresh_from_db()
    return render(
        request, "welfare/task.html", call_page_context(request.user, task, form), status=400
    )


@manager_required
def escalations(request):
    closed = request.GET.get("status") == "closed"
    open_escalations = (
        Escalation.objects.filter(
            status=Escalation.Status.CLOSED if closed else Escalation.Status.OPEN
        )
        .select_related("tenant", "team")
        .annotate(action_count=Count("actions"))
        .order_by(*(["-closed_at", "-id"] if closed else ["opened_at", "id"]))
    )
    team_id = request.GET.get("team")
    if team_id and team_id.isdigit():
        open_escalations = open_escalations.filter(team_id=team_id)
    elif team_id == "none":
        open_escalations = open_escalations.filter(team__isnull=True)
    by_team = (
        Escalation.objects.filter(status=Escalation.Status.OPEN)
        .values("team_id", "team__name")
        .annotate(count=Count("id"), oldest=Min("opened_at"))
        .order_by("team__name")
    )
    page = Paginator(open_escalations, 25).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [item.tenant_id for item in page], request.path)
    return render(
        request,
        "welfare/escalations.html",
        {
            "page": page,
            "by_team": by_team,
            "team_filter": team_id or "",
            "closed": closed,
            "now": timezone.now(),
        },
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
def escalation_close(request, pk):
    escalation = selectors.get_escalation_for_user(request.user, pk, page=request.path)
    form = EscalationCloseForm(request.POST, escalation=escalation)
    if form.is_valid():
        try:
            call_actions.escalation_close(
                escalation=escalation,
                result=form.cleaned_data["result"],
                contacted=form.cleaned_data.get("contacted", False),
                death_confirmed=form.cleaned_data.get("death_confirmed"),
                by=request.user,
            )
        except call_actions.CallRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("welfare:escalation", pk=pk)
        messages.success(request, f"Escalation for {escalation.tenant.full_name} closed.")
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
