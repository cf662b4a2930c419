from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import manager_required, role_required
from accounts.models import Team, User

from . import actions, call_actions, selectors
from .call_views import call_page_context
from .forms import CohortForm, RebalanceForm, RedeploymentForm, TaskActionForm
from .models import CallTask, Cohort, Redeployment

PAGE_SIZE = 25


def _calls(count):
    return ngettext("%(n)d call", "%(n)d calls", count) % {"n": count}


queue_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)
officer_required = role_required(User.Role.OFFICER)


def _for_display(tasks, today, now):
    tasks = list(tasks)
    for task in tasks:
        task.reason_text = task.reasons(today)
        task.claimed_now = task.claim_active(now)
    return tasks


def _queue_page(request, team, context):
    today, now = timezone.localdate(), timezone.now()
    tasks = selectors.team_queue(team.pk if team else None)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _for_display(page.object_list, today, now)
    return {
        "team": team,
        "page": page,
        "counts": selectors.queue_counts(tasks, today, now),
        "today": today,
        "now": now,
        **context,
    }


@queue_staff
def queue(request):
    """An officer's team queue; for a manager, every team's queue at a glance."""
    if request.user.is_manager:
        today = timezone.localdate()
        return render(
            request,
            "welfare/overview.html",
            {"rows": selectors.team_overview(today), "today": today},
        )
    context = _queue_page(
        request,
        request.user.team,
        {"mine": _for_display(selectors.my_tasks(request.user), timezone.localdate(), None)},
    )
    return render(request, "welfare/queue.html", context)


@require_POST
@officer_required
def take_next(request):
    task = call_actions.call_take_next(user=request.user)
    if task is None:
        messages.info(request, "There are no calls waiting in your team's queue.")
        return redirect("welfare:queue")
    return redirect("welfare:task", pk=task.pk)


@queue_staff
def task(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    return render(request, "welfare/task.html", call_page_context(request.user, task))


@require_POST
@queue_staff
def claim(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    if not task.is_open or not actions.call_task_claim(task=task, user=request.user):
        messages.error(request, "Someone else has this call, or it is no longer open.")
    return redirect("welfare:task", pk=task.pk)


@require_POST
@queue_staff
def hand_back(request, pk):
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    if actions.call_task_hand_back(task=task, user=request.user):
        messages.success(request, f"The call to {task.tenant.full_name} is back in the queue.")
    else:
        messages.error(request, "You do not hold this call, so it could not be handed back.")
    if request.user.is_manager:
        return redirect("welfare:task", pk=task.pk)
    return redirect("welfare:queue")


@manager_required
def team_queue(request, team_id=None):
    """One team's queue (or the tasks of tenants with no patch), where a manager assigns calls
    to an officer or moves them to another team."""
    team = get_object_or_404(Team, pk=team_id) if team_id is not None else None
    form = TaskActionForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tasks = CallTask.objects.filter(pk__in=[task.pk for task in data["tasks"]])
        if data["action"] == TaskActionForm.ASSIGN:
            count = actions.call_tasks_assign(tasks=tasks, officer=data["officer"])
            who = data["officer"].get_full_name() or data["officer"].username
            messages.success(request, f"{_calls(count)} assigned to {who}.")
        else:
            count = actions.call_tasks_move(tasks=tasks, team=data["team"])
            messages.success(request, f"{_calls(count)} moved to {data['team']}.")
        return redirect(request.get_full_path())
    selected = {str(value) for value in form["tasks"].value() or []} if form.is_bound else set()
    context = _queue_page(request, team, {"form": form, "selected": selected})
    return render(request, "welfare/team_queue.html", context)


@manager_required
def redeploy(request):
    form = RedeploymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        redeployment, moved = actions.redeployment_create(
            patch=data["patch"],
            team=data["team"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            by=request.user,
        )
        messages.success(
            request,
            f"{data['team']} makes {data['patch'].name}'s calls from "
            f"{redeployment.starts_on:%-d %B} to {redeployment.ends_on:%-d %B %Y}. "
            f"Open calls moved now: {moved}.",
        )
        return redirect("welfare:queue")
    current = Redeployment.objects.filter(ends_on__gte=timezone.localdate()).select_related(
        "patch", "team", "created_by"
    )
    return render(request, "welfare/redeploy.html", {"form": form, "current": current})


@manager_required
def rebalance(request, team_id):
    team = get_object_or_404(Team, pk=team_id)
    form = RebalanceForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        given = actions.call_tasks_rebalance(
            team=team, officers=list(form.cleaned_data["officers"])
        )
        total = sum(given.values())
        messages.success(
            request,
            f"{_calls(total)} shared between "
            + ngettext("%(n)d officer.", "%(n)d officers.", len(given)) % {"n": len(given)},
        )
        return redirect("welfare:team", team_id=team.pk)
    return render(request, "welfare/rebalance.html", {"form": form, "team": team})


@manager_required
def cohorts(request):
    changes = Cohort.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "welfare/cohorts.html",
        {"cohorts": Cohort.objects.all(), "changes": changes},
    )


@manager_required
def cohort_edit(request, pk):
    cohort = get_object_or_404(Cohort, pk=pk)
    form = CohortForm(request.POST or None, instance=Cohort.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        actions.cohort_update(
            cohort=cohort,
            cadence_days=form.cleaned_data["cadence_days"],
            active=form.cleaned_data.get("active", cohort.active),
            by=request.user,
        )
        messages.success(request, f"{cohort.name}: calls every {cohort.cadence_days} days.")
        return redirect("welfare:cohorts")
    return render(request, "welfare/cohort_form.html", {"form": form, "cohort": cohort})
