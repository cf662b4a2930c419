from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import manager_required, role_required
from accounts.models import Team, User
from config.csv_export import download_query, streaming_csv
from tenants.selectors import log_tenants_listed

from . import (
    actions,
    campaign_selectors,
    control_actions,
    control_selectors,
    provider_selectors,
    selectors,
)
from .call_text import why_now
from .call_views import call_page_context
from .forms import (
    CohortForm,
    QueueFilterForm,
    RebalanceForm,
    RedeploymentForm,
    TaskActionForm,
    officers_of,
)
from .models import QUEUE_STATES, CallTask, Cohort, ProviderCheckInTask, claim_cutoff
from .queue_take import take_next_unless_held

PAGE_SIZE = 25


def _calls(count):
    return ngettext("%(n)d call", "%(n)d calls", count) % {"n": count}


queue_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)
officer_required = role_required(User.Role.OFFICER)


def _for_display(tasks, today, now, cohorts, campaigns):
    """Each task with its "why now" in words (the cohorts from `selectors.cohorts_of`, the
    campaigns from `campaign_selectors.campaigns_due_among`)."""
    for task in tasks:
        task.reason_text = why_now(
            task,
            today,
            *cohorts.get(task.tenant_id, ([], None)),
            campaigns.get(task.tenant_id, []),
        )
        task.claimed_now = task.claim_active(now)
    return tasks


def _queue_page(request, team, context, tasks=None, mine=()):
    today, now = timezone.localdate(), timezone.now()
    team_tasks = selectors.team_queue(team.pk if team else None)
    tasks = team_tasks if tasks is None else tasks
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    listed, mine = list(page.object_list), list(mine)
    shown = [task.tenant_id for task in [*listed, *mine]]
    # One lookup of the cohorts for every row on the page, however many rows there are.
    cohorts = selectors.cohorts_of(shown, today) if shown else {}
    # And of the running campaigns each is due in: one more (none if no other campaign runs).
    campaigns = campaign_selectors.campaigns_due_among(shown, today)
    page.object_list = _for_display(listed, today, now, cohorts, campaigns)
    if mine:
        context["mine"] = _for_display(mine, today, None, cohorts, campaigns)
    log_tenants_listed(request.user, shown, request.path)
    return {
        "team": team,
        "page": page,
        "counts": selectors.queue_counts(team_tasks, today, now),
        "today": today,
        "now": now,
        **context,
    }


@queue_staff
def queue(request):
    """An officer's team queue; for a manager, every team's queue at a glance."""
    if request.user.is_manager:
        today = timezone.localdate()
        rows = selectors.team_overview(today)
        return render(
            request,
            "welfare/overview.html",
            {"rows": rows, "totals": selectors.overview_totals(rows), "today": today},
        )
    # The counts' links (`?show=waiting`, `?reason=overdue`) list the calls they count.
    filters = QueueFilterForm(request.GET or None, officers=[])
    context = _queue_page(
        request,
        request.user.team,
        {
            "mine": [],
            "call_backs": selectors.call_backs_due(request.user),
            "check_ins": list(provider_selectors.team_check_in_tasks(request.user.team_id)),
            "claim_cutoff": claim_cutoff(),
            "filters": filters,
            # The queue as filtered here, every page (`control_views.queue_csv`).
            "csv_query": download_query(request.GET),
        },
        tasks=filters.apply(selectors.team_queue(request.user.team_id), timezone.localdate()),
        mine=selectors.my_tasks(request.user),
    )
    context["showing"] = _showing(filters, context["page"].paginator.count)
    return render(request, "welfare/queue.html", context, status=filters.status_code)


@queue_staff
def calls_today(request):
    """The calls this officer recorded today, newest first: their own only."""
    calls = selectors.calls_recorded_today(request.user)
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [call.tenant_id for call in page], request.path)
    return render(
        request, "welfare/queue_calls_today.html", {"page": page, "today": timezone.localdate()}
    )


@queue_staff
def calls_today_csv(request):
    """The same list as CSV, every page; each batch's tenants logged before it is sent."""
    user, now = request.user, timezone.now()

    def log(batch):
        ids = [call.tenant_id for call in batch]
        log_tenants_listed(user, ids, request.path, query="Your calls today CSV")

    return streaming_csv(
        filename=f"calls-today-{timezone.localtime(now):%Y-%m-%d-%H%M}.csv",
        header=["made_at", "tenancy_ref", "name", "outcome", "wellbeing", "call_url"],
        rows=selectors.calls_recorded_today(user, now),
        row=lambda call: [
            timezone.localtime(call.made_at).isoformat(timespec="minutes"),
            call.tenant.tenancy_ref,
            call.tenant.full_name,
            call.get_outcome_display(),
            call.get_wellbeing_display(),
            request.build_absolute_uri(reverse("welfare:call", args=[call.pk])),
        ],
        log=log,
    )


# The queue filter's reasons as words after "calls" ("the 7 calls to tenants who live alone"),
# for one call and for several; "overdue" goes before it ("the 7 overdue calls").
_REASON_WORDS = {
    "unwell": (
        "to a tenant who is unwell or self-isolating",
        "to tenants who are unwell or self-isolating",
    ),
    "aged_70": ("to a tenant aged 70 or over", "to tenants aged 70 or over"),
    "lives_alone": (
        "to a tenant who lives alone outside a scheme",
        "to tenants who live alone outside a scheme",
    ),
    "struggling": (
        "to a tenant who was struggling at the last call",
        "to tenants who were struggling at the last call",
    ),
    "retried": ("with failed attempts", "with failed attempts"),
}


def _showing(filters, count):
    """The officer's queue filter as a sentence ("Showing the 7 overdue calls waiting now to
    tenants who live alone, assigned to no one"), or "" for the whole queue."""
    if not filters.is_valid():
        return ""
    data = filters.cleaned_data
    if not (data["show"] or data["reason"] or data["assigned"]):
        return ""
    overdue = "overdue " if data["reason"] == "overdue" else ""
    words = [f"Showing the {count} {overdue}call{'' if count == 1 else 's'}"]
    words += [QUEUE_STATES[data["show"]]] if data["show"] else []
    if data["reason"] in _REASON_WORDS:
        words.append(_REASON_WORDS[data["reason"]][count != 1])
    showing = " ".join(words)
    if data["assigned"]:
        assigned = "assigned to an officer" if data["assigned"] == "any" else "assigned to no one"
        # Set apart by a comma after a state or a reason ("waiting now, assigned to no one"),
        # not straight after the calls ("the 2 calls assigned to an officer").
        showing += f", {assigned}" if len(words) > 1 else f" {assigned}"
    return showing


@require_POST
@officer_required
def take_next(request):
    # A call (or check-in) still held goes first: taking another would give it back to the
    # queue without a word while the officer may still be on it in another tab. Checked under
    # the same lock as the claim (queue_take), so two presses at once cannot both claim.
    work, held = take_next_unless_held(user=request.user)
    if held and isinstance(work, ProviderCheckInTask):
        messages.info(
            request,
            f"You still have the check-in with {work.provider.name}: record it, or "
            "hand it back to the queue.",
        )
        return redirect("welfare:check_in", pk=work.pk)
    if held:
        messages.info(
            request,
            f"You still have {work.tenant.full_name}'s call: record what happened, or hand it "
            "back to the queue.",
        )
        return redirect("welfare:task", pk=work.pk)
    if work is None:
        messages.info(request, "There are no calls waiting in your team's queue.")
        return redirect("welfare:queue")
    if isinstance(work, ProviderCheckInTask):
        return redirect("welfare:check_in", pk=work.pk)
    return redirect("welfare:task", pk=work.pk)


@queue_staff
def task(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    return render(request, "welfare/task.html", call_page_context(request.user, task))


@require_POST
@queue_staff
def claim(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    refusal = task.claim_refusal(request.user)
    if refusal is None and not actions.call_task_claim(task=task, user=request.user):
        # Taken or finished since the page was read: say by whom or why, as it is now.
        task.refresh_from_db()
        refusal = task.claim_refusal(request.user) or "This call could not be taken: try again."
    if refusal:
        messages.error(request, refusal)
    return redirect("welfare:task", pk=task.pk)


@require_POST
@queue_staff
def hand_back(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    if actions.call_task_hand_back(task=task, user=request.user):
        messages.success(request, _handed_back_banner(task, request.user))
    else:
        messages.error(request, "You do not hold this call, so it could not be handed back.")
    if request.user.is_manager:
        return redirect("welfare:task", pk=task.pk)
    return redirect("welfare:queue")


def _handed_back_banner(task, user):
    """What happens to a call handed back: who can take it, and that "Take next call" gives
    the one who handed it back other calls first (actions.HANDED_BACK_FOR)."""
    if task.assigned_to_id is None:
        who = "a colleague can take it now"
    elif task.assigned_to_id == user.pk:
        who = "it is still assigned to you"
    else:
        who = f"it is still assigned to {task.assigned_to}"
    return (
        f"The call to {task.tenant.full_name} is back in the queue: {who}. "
        "For the next hour, Take next call will give you other calls first."
    )


@manager_required
def team_queue(request, team_id=None):
    """One team's queue (or the tasks of tenants with no patch), where a manager assigns calls
    to an officer, unassigns them or moves them to another team: the ticked ones, or every call
    that matches the filter, across pages. Each change can be undone for 10 minutes."""
    team = get_object_or_404(Team, pk=team_id) if team_id is not None else None
    today = timezone.localdate()
    officers = list(officers_of(team.pk if team else None).order_by("first_name", "username"))
    filters = QueueFilterForm(request.GET or None, officers=officers)
    matching = filters.apply(selectors.team_queue(team.pk if team else None), today)
    form = TaskActionForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["all_matching"]:
            tasks = CallTask.objects.filter(pk__in=matching.values("pk"))
        else:
            tasks = CallTask.objects.filter(pk__in=[task.pk for task in data["tasks"]])
        if data["action"] == TaskActionForm.ASSIGN:
            count = control_actions.call_tasks_assign(
                tasks=tasks, officer=data["officer"], by=request.user
            )
            who = data["officer"].get_full_name() or data["officer"].username
            done = f"{_calls(count)} assigned to {who}."
        elif data["action"] == TaskActionForm.UNASSIGN:
            count = control_actions.call_tasks_unassign(tasks=tasks, by=request.user, team=team)
            done = f"{_calls(count)} unassigned: anyone in the team can take them."
        else:
            count = control_actions.call_tasks_move(
                tasks=tasks, team=data["team"], by=request.user, from_team=team
            )
            done = f"{_calls(count)} moved to {data['team']}."
        messages.success(request, f"{done} You can undo this for 10 minutes.")
        return redirect(request.get_full_path())
    selected = {str(value) for value in form["tasks"].value() or []} if form.is_bound else set()
    context = _queue_page(
        request,
        team,
        {
            "form": form,
            "selected": selected,
            "filters": filters,
            "officers": officers,
            "filtered": bool(filters.query()),
            "undoable": control_selectors.undoable_batches(team, timezone.now()),
        },
        tasks=matching,
    )
    return render(request, "welfare/team_queue.html", context, status=filters.status_code)


def _hidden_fields(post):
    """What was typed, to carry from a preview to its "Confirm" (CSRF token and buttons aside)."""
    skip = {"csrfmiddlewaretoken", "confirm", "change"}
    return [(key, value) for key in post if key not in skip for value in post.getlist(key)]


@manager_required
def redeploy(request):
    """Set up a redeployment: the form, then a preview of what moves now, then confirm."""
    form = RedeploymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        data = form.cleaned_data
        clash = control_actions.overlapping(data["patch"], data["starts_on"], data["ends_on"])
        clash = clash.select_related("patch").first()
        if clash:
            form.add_error(None, control_actions.overlap_message(clash))
        elif "confirm" not in request.POST:
            preview = control_actions.redeployment_preview(
                patch=data["patch"], team=data["team"], starts_on=data["starts_on"]
            )
            shown = [task.tenant_id for task in preview["losing_officer"]]
            log_tenants_listed(request.user, shown, request.path)
            return render(
                request,
                "welfare/redeploy_preview.html",
                {"data": data, "preview": preview, "hidden": _hidden_fields(request.POST)},
            )
        else:
            try:
                redeployment, moved = control_actions.redeployment_create(
                    patch=data["patch"],
                    team=data["team"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"{data['team']} makes {data['patch'].name}'s calls from "
                    f"{redeployment.starts_on:%-d %B %Y} to {redeployment.ends_on:%-d %B %Y}. "
                    f"{_calls(moved)} moved to {data['team']} now.",
                )
                return redirect("welfare:redeploy")
    return render(request, "welfare/redeploy.html", control_selectors.redeploy_context(form))


@manager_required
def rebalance(request, team_id):
    """Share out the waiting calls: choose officers and a cap, see who gets what, confirm."""
    team = get_object_or_404(Team, pk=team_id)
    form = RebalanceForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid() and "change" not in request.POST:
        officers, cap = list(form.cleaned_data["officers"]), form.cleaned_data["cap"]
        if "confirm" in request.POST:
            plan = control_actions.call_tasks_share_out(
                team=team, officers=officers, cap=cap, by=request.user
            )
            messages.success(
                request,
                f"{_calls(plan.given)} shared between {len(officers)} "
                f"officer{'s' if len(officers) != 1 else ''}"
                f"{f'; {_calls(plan.left)} left unassigned' if plan.left else ''}. "
                "You can undo this for 10 minutes.",
            )
            return redirect("welfare:team", team_id=team.pk)
        plan = control_actions.share_out_plan(team=team, officers=officers, cap=cap)
        return render(
            request,
            "welfare/rebalance_preview.html",
            {"team": team, "plan": plan, "hidden": _hidden_fields(request.POST)},
        )
    return render(request, "welfare/rebalance.html", {"form": form, "team": team})


@manager_required
def cohorts(request):
    changes = Cohort.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "welfare/cohorts.html",
        {"cohorts": Cohort.objects.all(), "changes": changes},
    )


def _cohort_change(cohort):
    """What was saved, in words: "Everyone else: calls switched off"."""
    if not cohort.active:
        return f"{cohort.name}: calls switched off"
    message = ", with the message before the first call" if cohort.before_call_message else ""
    return f"{cohort.name}: calls every {cohort.cadence_days} days{message}"


@manager_required
def cohort_edit(request, pk):
    """Change a cohort's cadence; today's queue is worked out again at once, in a Celery task,
    and the page that follows says what changed."""
    cohort = get_object_or_404(Cohort, pk=pk)
    form = CohortForm(request.POST or None, instance=Cohort.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            actions.cohort_update(
                cohort=cohort,
                cadence_days=form.cleaned_data["cadence_days"],
                active=form.cleaned_data.get("active", cohort.active),
                before_call_message=form.cleaned_data.get("before_call_message"),
                by=request.user,
            )
            rebuild = control_actions.queue_rebuild_request(
                change=_cohort_change(cohort), by=request.user
            )
        return redirect("welfare:rebuild", pk=rebuild.pk)
    return render(request, "welfare/cohort_form.html", {"form": form, "cohort": cohort})
