"""Income officers' and managers' pages. Every view is `income_required`: an officer gets 403,
and another team's flag or tenant 404 through the `get_*_for_user` helpers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.access import income_required
from here_to_help.models import HelpRequest
from tenants.selectors import get_tenant_for_user, log_tenants_listed

from . import actions, selectors
from .forms import (
    CloseFlagForm,
    FlagFilterForm,
    OutcomeForm,
    RaiseFlagForm,
    ReviewDateForm,
    SupportForm,
)
from .models import ArrearsFlag

PAGE_SIZE = 25


def _positive_int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@income_required
def flags(request):
    today = timezone.localdate()
    form = FlagFilterForm(request.GET, user=request.user)
    filters = form.values()
    # A value that is not one of the choices (or a team the user may not see): its error and
    # no flags, never the whole list passing for the filter asked for.
    queryset = [] if form.refused else selectors.flag_list(request.user, on=today, **filters)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [flag.tenant_id for flag in page], request.path)
    return render(
        request,
        "arrears/flags.html",
        {"form": form, "filters": filters, "page": page, "today": today},
    )


@income_required
def flag(request, pk):
    flag = selectors.get_flag_for_user(request.user, pk, page=request.path)
    today = timezone.localdate()
    return render(
        request,
        "arrears/flag.html",
        {
            "flag": flag,
            "tenant": flag.tenant,
            "today": today,
            "status": ArrearsFlag.Status(flag.status_on(today)),
            "balances": selectors.tenant_balances(flag.tenant),
        },
    )


@income_required
def raise_flag(request):
    """Raise a flag for `?tenant=<id>`: from the tenant record, or (with `&request=<id>`) from a
    financial-difficulty Here to Help request."""
    tenant_id = _positive_int(request.GET.get("tenant"))
    if tenant_id is None:
        raise Http404("No tenant given")
    tenant = get_tenant_for_user(request.user, tenant_id, page=request.path)
    help_request = None
    if "request" in request.GET:
        # The request must be about this tenant: a mistyped link never ties a flag to another.
        help_request = get_object_or_404(
            HelpRequest, pk=_positive_int(request.GET["request"]) or 0, tenant=tenant
        )
    existing = ArrearsFlag.objects.filter(tenant=tenant).not_closed().first()
    if existing:
        messages.info(request, f"{tenant.full_name} already has an open arrears flag.")
        return redirect("arrears:flag", pk=existing.pk)
    form = RaiseFlagForm(request.POST or None, initial={"reported_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            flag = actions.flag_raise(
                tenant=tenant,
                user=request.user,
                help_request=help_request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "The arrears flag has been raised.")
            return redirect("arrears:flag", pk=flag.pk)
    return render(
        request,
        "arrears/raise.html",
        {"form": form, "tenant": tenant, "help_request": help_request},
    )


@income_required
def review(request, pk):
    flag = selectors.get_flag_for_user(request.user, pk, page=request.path)
    if flag.is_closed:
        raise Http404("Closed flags have no review")
    form = ReviewDateForm(
        request.POST or None, current=flag.review_date, initial={"review_date": flag.review_date}
    )
    if request.method == "POST" and form.is_valid():
        actions.flag_set_review_date(flag=flag, user=request.user, **form.cleaned_data)
        messages.success(request, "The review date has been saved.")
        return redirect("arrears:flag", pk=flag.pk)
    return render(request, "arrears/review.html", {"form": form, "flag": flag})


@income_required
def add_support(request, pk):
    flag = selectors.get_flag_for_user(request.user, pk, page=request.path)
    if flag.is_closed:
        raise Http404("Closed flags take no more support")
    form = SupportForm(request.POST or None, initial={"offered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.support_record(flag=flag, user=request.user, **data)
        messages.success(request, "The support has been recorded.")
        return redirect("arrears:flag", pk=flag.pk)
    return render(request, "arrears/support.html", {"form": form, "flag": flag})


@income_required
def support_outcome(request, pk, support_pk):
    flag, offer = selectors.get_support_for_user(request.user, pk, support_pk, page=request.path)
    form = OutcomeForm(
        request.POST or None,
        offered_on=offer.offered_on,
        initial={
            "outcome": offer.outcome,
            "outcome_on": offer.outcome_on or timezone.localdate(),
            "outcome_notes": offer.outcome_notes,
        },
    )
    if request.method == "POST" and form.is_valid():
        actions.support_set_outcome(offer=offer, user=request.user, **form.cleaned_data)
        messages.success(request, "The outcome has been saved.")
        return redirect("arrears:flag", pk=flag.pk)
    return render(request, "arrears/outcome.html", {"form": form, "flag": flag, "offer": offer})


@income_required
def close(request, pk):
    flag = selectors.get_flag_for_user(request.user, pk, page=request.path)
    if flag.is_closed:
        return redirect("arrears:flag", pk=flag.pk)
    form = CloseFlagForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        actions.flag_close(flag=flag, user=request.user, **form.cleaned_data)
        messages.success(request, "The arrears flag has been closed.")
        return redirect("arrears:flag", pk=flag.pk)
    return render(request, "arrears/close.html", {"form": form, "flag": flag})
