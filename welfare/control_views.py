"""The managers' control room pages (issue 20): what a cadence change did to today's queue,
undoing an assignment, the assignment history per task and per officer, ending or cancelling a
redeployment, the queue settings and an escalation's owner."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import in_team_scope, manager_required, role_required
from accounts.models import Team, User
from config.csv_export import refused_download, streaming_csv
from tenants.selectors import log_tenant_read, log_tenants_listed

from . import campaign_selectors, control_actions, control_selectors, selectors
from .call_text import why_now
from .control_forms import EscalationOwnerForm, QueueSettingsForm
from .forms import QueueFilterForm, officers_of
from .models import AssignmentBatch, CallTask, Escalation, QueueRebuild, QueueSettings, Redeployment

PAGE_SIZE = 50


@manager_required
def rebuild(request, pk):
    """After a cadence change: what was saved, and what it did to today's queue. While the
    rebuild runs, the progress part of the page asks again every second (htmx)."""
    rebuild = get_object_or_404(QueueRebuild, pk=pk)
    template = "welfare/rebuild_progress.html" if request.htmx else "welfare/rebuild.html"
    return render(request, template, {"rebuild": rebuild, "now": timezone.now()})


@require_POST
@manager_required
def undo(request, pk):
    batch = get_object_or_404(AssignmentBatch, pk=pk)
    try:
        restored, left = control_actions.assignment_undo(batch=batch, by=request.user)
    except control_actions.UndoRefused as refused:
        messages.error(request, str(refused))
    else:
        text = f"Undone: {batch.summary}. {restored} call{'s' if restored != 1 else ''} put back"
        if left:
            text += f"; {left} changed since, so left as they are"
        messages.success(request, text + ".")
    if batch.team_id:
        return redirect("welfare:team", team_id=batch.team_id)
    return redirect("welfare:no_team")


@manager_required
def task_history(request, pk):
    task = get_object_or_404(CallTask.objects.select_related("tenant", "team"), pk=pk)
    events = control_selectors.task_assignment_history(task)
    log_tenant_read(user=request.user, tenant=task.tenant, page=request.path)
    return render(request, "welfare/task_history.html", {"task": task, "events": events})


@manager_required
def officer_history(request, pk):
    officer = get_object_or_404(User.objects.select_related("team"), pk=pk, role=User.Role.OFFICER)
    page = Paginator(control_selectors.officer_assignment_history(officer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    log_tenants_listed(request.user, [event.task.tenant_id for event in page], request.path)
    return render(request, "welfare/officer_history.html", {"officer": officer, "page": page})


@require_POST
@manager_required
def redeployment_end(request, pk):
    redeployment = get_object_or_404(Redeployment.objects.select_related("patch", "team"), pk=pk)
    started = redeployment.starts_on <= timezone.localdate()
    try:
        moved = control_actions.redeployment_end(redeployment=redeployment, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("welfare:redeploy")
    patch = redeployment.patch
    if started:
        messages.success(
            request,
            f"The redeployment of {patch.name} to {redeployment.team} has ended. "
            f"{moved} call{'s' if moved != 1 else ''} moved back to {patch.team}.",
        )
    else:
        messages.success(
            request,
            f"The redeployment of {patch.name} to {redeployment.team} from "
            f"{redeployment.starts_on:%-d %B %Y} is cancelled.",
        )
    return redirect("welfare:redeploy")


@manager_required
def queue_settings(request):
    defaults = {k: v for k, v in QueueSettings.current().items() if k != "calls_from_number"}
    instance = QueueSettings.objects.filter(pk=1).first() or QueueSettings(**defaults)
    form = QueueSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved._history_user = request.user
        saved.save()
        messages.success(
            request,
            f"Saved: a call is held for {saved.claim_minutes} minutes; escalations are past "
            f"target after {saved.escalation_target_working_days} working "
            f"day{'s' if saved.escalation_target_working_days != 1 else ''}.",
        )
        return redirect("welfare:queue_settings")
    changes = QueueSettings.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "welfare/queue_settings.html", {"form": form, "changes": changes})


@require_POST
@manager_required
def escalation_owner(request, pk):
    escalation = get_object_or_404(Escalation, pk=pk, status=Escalation.Status.OPEN)
    form = EscalationOwnerForm(request.POST)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        control_actions.escalation_set_owner(escalation=escalation, owner=owner, by=request.user)
        who = (owner.get_full_name() or owner.username) if owner else "no one"
        messages.success(request, f"This escalation is now owned by {who}.")
    return redirect("welfare:escalation", pk=escalation.pk)


@role_required(User.Role.OFFICER, User.Role.MANAGER)
def queue_csv(request, team_id=None):
    """A team's queue (or no team's), as filtered on its page, as CSV: every call, in rank
    order, each tenant written to the access log. A manager's for any team, as on the team's
    page; an officer's for their own team only, as on their "Call queue" (its filter names no
    officer): another team's, or no team's, is refused (`in_team_scope`)."""
    if not in_team_scope(request.user, team_id):
        raise PermissionDenied
    team = get_object_or_404(Team, pk=team_id) if team_id is not None else None
    manager = request.user.is_manager
    officers = list(officers_of(team.pk if team else None)) if manager else []
    filters = QueueFilterForm(request.GET or None, officers=officers)
    if filters.refused:
        return refused_download(filters)
    today, now = timezone.localdate(), timezone.now()
    tasks = filters.apply(selectors.team_queue(team.pk if team else None), today)
    user, query = request.user, f"Queue CSV {team or 'no team'}"[:200]

    def log(batch):
        """Each batch is logged, and given its "why now" with the cohorts and campaigns, as the
        page says it (three queries for a thousand rows), before its lines are sent."""
        ids = [task.tenant_id for task in batch]
        log_tenants_listed(user, ids, request.path, query=query)
        cohorts = selectors.cohorts_of(ids, today)
        campaigns = campaign_selectors.campaigns_due_among(ids, today)
        # The numbers the call page offers, for the whole batch in one query.
        prefetch_related_objects([task.tenant for task in batch], "phone_numbers")
        for task in batch:
            task.reason_text = why_now(
                task,
                today,
                *cohorts.get(task.tenant_id, ([], None)),
                campaigns.get(task.tenant_id, []),
            )

    ranks = iter(range(1, 10**9))
    slug = team.pk if team else "no-team"
    return streaming_csv(
        filename=f"queue-{slug}-{timezone.localtime(now):%Y-%m-%d-%H%M}.csv",
        header=[
            "rank",
            "tenancy_ref",
            "name",
            "due_on",
            "why",
            "assigned_to",
            "being_made_by",
            "status",
            "available_from",
            "numbers_to_dial",
        ],
        rows=tasks,
        row=lambda task: [
            next(ranks),
            task.tenant.tenancy_ref,
            task.tenant.full_name,
            task.due_on.isoformat(),
            task.reason_text,
            str(task.assigned_to or ""),
            str(task.claimed_by) if task.claim_active(now) else "",
            queue_csv_status(task, now),
            _local(task.available_from) if task.available_from else "",
            "; ".join(number.as_national for number in task.tenant.numbers_to_dial()),
        ],
        log=log,
    )


def _local(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def queue_csv_status(task, now):
    """What the queue page's status tag says (`includes/task_status.html`), with a date and
    time that still mean something when the file is read tomorrow: someone working from the
    file must not ring a tenant whose next attempt, or call-back, has not come."""
    if task.claim_active(now):
        return f"Being made by {task.claimed_by}"
    if task.available_from and task.available_from > now:
        local = timezone.localtime(task.available_from)
        if task.is_call_back:
            return f"Call back {local:%-d %b %Y %H:%M}"
        # A retry after no answer comes back from the start of a day: its day, never "00:00".
        when = (
            f"{local:%-d %b %Y}"
            if (local.hour, local.minute) == (0, 0)
            else f"{local:%-d %b %Y %H:%M}"
        )
        return f"Next attempt {when}"
    return "Waiting"
