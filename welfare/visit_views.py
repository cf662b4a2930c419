from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import manager_required, role_required
from accounts.models import User

from . import selectors, visit_actions, visit_selectors
from .ladder import LADDER, ladder_page
from .visit_forms import VisitOutcomeForm, VisitRaiseForm

visit_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)


@manager_required
def visit_raise(request, pk):
    """A manager turns an escalation into a visit for a team or an officer."""
    escalation = selectors.get_escalation_for_user(request.user, pk, page=request.path)
    initial = {"team": escalation.team_id}
    form = VisitRaiseForm(request.POST or None, initial=initial, today=timezone.localdate())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                visit = visit_actions.visit_raise(
                    escalation=escalation, by=request.user, **form.cleaned_data
                )
            except visit_actions.VisitRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"Visit to {escalation.tenant.full_name} raised.")
                return redirect("welfare:visit", pk=visit.pk)
        status = 400
    return render(
        request,
        "welfare/visit_raise.html",
        {"form": form, "escalation": escalation, "tenant": escalation.tenant},
        status=status,
    )


@visit_staff
def visits(request):
    """The visits this person makes, in round order, printable (print CSS) with each address
    and what to ask."""
    rows = visit_selectors.visit_list_for_print(request.user, page=request.path)
    return render(request, "welfare/visits.html", {"visits": rows, "today": timezone.localdate()})


def _visit_page(request, visit, form=None, status=200):
    return render(
        request,
        "welfare/visit.html",
        {"visit": visit, "tenant": visit.tenant, "form": form or VisitOutcomeForm()},
        status=status,
    )


@visit_staff
def visit(request, pk):
    return _visit_page(
        request, visit_selectors.get_visit_for_user(request.user, pk, page=request.path)
    )


@require_POST
@visit_staff
def visit_record(request, pk):
    visit = visit_selectors.get_visit_for_user(request.user, pk, page=request.path)
    form = VisitOutcomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visit_actions.visit_record(
                visit=visit,
                outcome=data["outcome"],
                by=request.user,
                notes=data.get("notes", ""),
                needs=data.get("needs") or (),
                number_given=data.get("number_given") or "",
                emergency_contacted=data.get("emergency_contacted") or "",
                emergency_contacted_at=data.get("emergency_contacted_at"),
            )
        except visit_actions.VisitRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Visit to {visit.tenant.full_name} recorded.")
            return redirect("welfare:visits")
    return _visit_page(request, visit, form, status=400)


@manager_required
def ladder(request):
    """The escalation ladder, as the code runs it (welfare.ladder)."""
    return render(request, "welfare/ladder.html", {"steps": ladder_page(), "ladder": LADDER})
