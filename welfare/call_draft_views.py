"""Leaving the call page mid-call without losing what was typed (welfare.call_drafts), and
taking on the Here to Help requests a call raised."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import in_team_scope, role_required
from accounts.models import User
from here_to_help.actions import request_take_ownership
from here_to_help.models import HelpRequest

from . import call_actions, call_drafts, selectors
from .call_views import render_already_recorded

queue_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)
STAY = "stay"  # the call page's script, as the officer leaves it (keep_draft)


def _destinations(task):
    tenant_id = task.tenant_id
    return {
        # The numbers page leads back to the call (its ?task=), and says what was typed is
        # kept (&kept=1) for as long as the officer is on it, a refused entry included.
        "numbers": reverse("tenants:numbers", args=[tenant_id]) + f"?task={task.pk}&kept=1",
        "record": reverse("tenants:record", args=[tenant_id]),
    }


@require_POST
@queue_staff
def keep_draft(request, pk):
    """The call form's "Correct a phone number" and "full record" buttons: what was typed is
    kept for this task and officer, then the officer goes where they asked. Nothing is checked:
    the call is not being saved. Works without JavaScript (a submit button's formaction).

    `go=stay` is the call page's script (static/js/call-page.js) as the officer leaves the page
    any other way (the menu, the back link, the browser's Back, closing the tab) with something
    typed: the same draft is kept, and the answer is empty (a beacon reads no answer)."""
    task = selectors.get_task_for_user(request.user, pk, page=request.path)
    destinations = _destinations(task)
    go = request.POST.get("go")
    team_id = task.tenant.patch.team_id if task.tenant.patch_id else None
    if (go not in destinations and go != STAY) or not in_team_scope(request.user, team_id):
        return HttpResponseBadRequest("Choose where to go from the call page.")
    if go == STAY:
        if not task.is_open:
            return HttpResponse(status=409)  # recorded meanwhile: the call page says so
        call_drafts.call_draft_keep(
            task=task, officer=request.user, data=call_drafts.typed_fields(request.POST)
        )
        return HttpResponse(status=204)
    if task.is_open:
        call_drafts.call_draft_keep(
            task=task, officer=request.user, data=call_drafts.typed_fields(request.POST)
        )
        if go == "record":  # the numbers page says so itself (&kept=1), whatever is posted
            messages.info(
                request,
                f"What you typed on the call to {task.tenant.full_name} is kept: it is filled "
                "in again when you go back to the call.",
            )
    else:
        # Finished meanwhile (by a colleague, or in another tab): nothing to go back to. The
        # call page says who recorded it, beside what was typed (as log_call does).
        return render_already_recorded(request, task)
    return redirect(destinations[go])


@require_POST
@queue_staff
def take_raised_requests(request, pk):
    """ "Take them on": the officer owns the open requests a call raised that nobody owns yet
    (Here to Help requests are the team's until someone takes them on)."""
    call = selectors.get_call_for_user(request.user, pk, page=request.path)
    ids = [r.pk for r in call_actions.requests_raised_by(call)]
    waiting = (
        HelpRequest.objects.visible_to(request.user)
        .open()
        .filter(pk__in=ids, owner__isnull=True)
        .order_by("pk")
    )
    taken = [request_take_ownership(help_request=r, user=request.user) for r in waiting]
    if taken:
        messages.success(
            request,
            ngettext("You own this request now.", "You own these %(n)d requests now.", len(taken))
            % {"n": len(taken)},
        )
    else:
        messages.info(request, "These requests already have an owner, or are closed.")
    return redirect(reverse("welfare:call", args=[call.pk]) + "#call-requests")
