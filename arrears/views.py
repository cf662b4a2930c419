"""Income officers' and managers' pages. Every view is `income_required`: an officer gets 403,
and another team's flag or tenant 404 through the `get_*_for_user` helpers."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.access import income_required
from config.csv_export import download_query, refused_download, streaming_csv
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
    UnflaggedFilterForm,
)
from .models import ArrearsFlag
from .money import weeks_of_rent

PAGE_SIZE = 25
PENCE = Decimal("0.01")


def _positive_int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _safe_next(request):
    """The `next` of the post or address if it is a path on this site (the worklist's page,
    filters kept), else "": never another site, a scheme-relative `//host`, or a view name."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


def _filtered(request, today):
    """The list's filter from the address, and the flags it lists (none for a refused filter:
    a value that is not one of the choices, or a team the user may not see, never passes for
    the whole list)."""
    form = FlagFilterForm(request.GET, user=request.user)
    filters = form.values()
    queryset = [] if form.refused else selectors.flag_list(request.user, on=today, **filters)
    return form, filters, queryset


def _whose(user, form, filters):
    """Whose flags the list holds, in words: an income officer sees only their team's."""
    if not user.is_manager:
        return f"of tenants in your team's patches ({user.team})"
    team = filters.get("team", "")
    if team == "none":
        return "of tenants with no patch"
    if team:  # one of the choices: the form checked it
        return f"of tenants in {dict(form.fields['team'].choices)[team]}'s patches"
    return "of every team's tenants"


@income_required
def flags(request):
    today = timezone.localdate()
    form, filters, queryset = _filtered(request, today)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [flag.tenant_id for flag in page], request.path)
    return render(
        request,
        "arrears/flags.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "today": today,
            "whose": _whose(request.user, form, filters),
            # The download's filters: the page's, without its page number.
            "csv_query": download_query(request.GET),
            # The worklist of those still to consider: their count, on the same team scope.
            "unflagged": selectors.unflagged_count(request.user, on=today),
        },
        status=form.status_code,
    )


def _unflagged(request, today):
    """The worklist's filter from the address, and the tenants it lists (none for a refused
    filter: never the whole list passing for the one asked for)."""
    form = UnflaggedFilterForm(request.GET)
    filters = form.values()
    if form.refused:
        return form, []
    return form, selectors.unflagged_in_arrears(request.user, on=today, **filters)


def _whose_unflagged(user):
    return "across every team" if user.is_manager else f"in your team's patches ({user.team})"


class UnflaggedPaginator(Paginator):
    """The worklist's pages, counted no further than `COUNT_AHEAD` tenants past the start of
    the page asked for, so a view never counts the register: "1,000 or more" on page 1, and
    always the next pages to go to (`more` says the count stopped). The count reads the same
    index, in the same order, as the page, and stops at its LIMIT."""

    COUNT_AHEAD = 1000

    def __init__(self, object_list, per_page, *, number):
        super().__init__(object_list, per_page)
        self.more = False
        self.cap = (max(_positive_int(number) or 1, 1) - 1) * per_page + self.COUNT_AHEAD

    @cached_property
    def count(self):
        if isinstance(self.object_list, list):  # a refused filter's nothing
            return len(self.object_list)
        counted = self.object_list[: self.cap + 1].count()
        self.more = counted > self.cap
        return min(counted, self.cap)


@income_required
def unflagged(request):
    """Tenants in arrears with no open flag: the income officer's worklist of flags to raise."""
    today = timezone.localdate()
    form, queryset = _unflagged(request, today)
    number = request.GET.get("page")
    page = UnflaggedPaginator(queryset, PAGE_SIZE, number=number).get_page(number)
    for tenant in page:
        tenant.weeks_owed = weeks_of_rent(tenant.balance, tenant.weekly_rent)
    log_tenants_listed(request.user, [tenant.pk for tenant in page], request.path)
    return render(
        request,
        "arrears/unflagged.html",
        {
            "form": form,
            "page": page,
            "whose": _whose_unflagged(request.user),
            "csv_query": download_query(request.GET),
            # "Raise a flag" comes back here, to this page with its filters, once saved.
            "here": request.get_full_path(),
        },
        status=form.status_code,
    )


UNFLAGGED_HEADER = [
    "tenancy_ref",
    "tenant",
    "balance",
    "balance_as_at",
    "weekly_rent",
    "weeks_owed",
    "patch",
    "raise_flag",
]


@income_required
def unflagged_csv(request):
    """Every tenant the filtered worklist holds (every page), streamed, each batch logged as
    listed before its rows are sent. A refused filter downloads nothing."""
    form, queryset = _unflagged(request, timezone.localdate())
    if form.refused:
        return refused_download(form)
    raise_url = request.build_absolute_uri(reverse("arrears:raise"))

    def row(tenant):
        return [
            tenant.tenancy_ref,
            tenant.full_name,
            tenant.balance.quantize(PENCE),  # a number, positive: owed
            tenant.balance_as_at.isoformat(),
            "" if tenant.weekly_rent is None else tenant.weekly_rent.quantize(PENCE),
            weeks_of_rent(tenant.balance, tenant.weekly_rent) or "",
            tenant.patch.code if tenant.patch else "",
            f"{raise_url}?tenant={tenant.pk}",
        ]

    user, path = request.user, request.path
    return streaming_csv(
        filename=f"arrears-unflagged-{timezone.localtime():%Y-%m-%d-%H%M}.csv",
        header=UNFLAGGED_HEADER,
        rows=queryset,
        row=row,
        log=lambda batch: log_tenants_listed(user, [tenant.pk for tenant in batch], path),
    )


def _csv_columns(user, today):
    """The CSV's header and its row function: the list's columns, the balance only for a user
    who may see amounts (the CSV never shows more than the page)."""
    amounts = user.sees_arrears_amounts
    header = ["flag", "tenancy_ref", "tenant", "reported_on", "reason", "details", "status"]
    header += ["review_date", "support_offered"]
    header += ["balance", "balance_as_at"] if amounts else []
    header.append("patch")

    def row(flag):
        cells = [
            flag.pk,
            flag.tenant.tenancy_ref,
            flag.tenant.full_name,
            flag.reported_on.isoformat(),
            flag.get_reason_display(),
            flag.details,
            ArrearsFlag.Status(flag.status_on(today)).label,
            flag.review_date.isoformat() if flag.review_date else "",
            # Each kind with its outcome, oldest first; never an amount (a weekly payment).
            "; ".join(
                f"{offer.title} ({offer.get_outcome_display().lower()})"
                for offer in flag.support.all()
            ),
        ]
        if amounts:  # positive is owed, negative in credit, as the rent file writes it
            cells += [
                # A number, not text (so -12.00 is not quoted as a formula); pence, as SQLite
                # hands the subquery's decimal back with 12 places.
                "" if flag.balance is None else flag.balance.quantize(PENCE),
                flag.balance_as_at.isoformat() if flag.balance_as_at else "",
            ]
        cells.append(flag.tenant.patch.code if flag.tenant.patch else "")
        return cells

    return header, row


@income_required
def flags_csv(request):
    """Every flag the filtered list holds (every page), streamed; each batch's tenants logged as
    listed before its rows are sent. A refused filter downloads nothing."""
    today = timezone.localdate()
    form, _filters, queryset = _filtered(request, today)
    if form.refused:
        return refused_download(form)
    header, row = _csv_columns(request.user, today)
    user, path = request.user, request.path
    return streaming_csv(
        filename=f"arrears-flags-{timezone.localtime():%Y-%m-%d-%H%M}.csv",
        header=header,
        rows=queryset.prefetch_related(selectors.SUPPORT_KINDS),
        row=row,
        log=lambda batch: log_tenants_listed(user, [flag.tenant_id for flag in batch], path),
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
    financial-difficulty Here to Help request. `next` (a path on this site: the worklist's page
    with its filters) is where the officer goes once it is raised; else the new flag."""
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
    next_url = _safe_next(request)
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
            messages.success(
                request,
                format_html(
                    'Arrears flag raised for {} ({}). <a class="govuk-notification-banner__link" '
                    'href="{}">View the flag</a>',
                    tenant.full_name,
                    tenant.tenancy_ref,
                    reverse("arrears:flag", args=[flag.pk]),
                ),
            )
            return redirect(next_url or reverse("arrears:flag", args=[flag.pk]))
    return render(
        request,
        "arrears/raise.html",
        {
            "form": form,
            "tenant": tenant,
            "help_request": help_request,
            "next": next_url,
            # What the request says (a call's notes: "hours cut at the care home"), read-only
            # beside the form, so the flag's details can be written from it.
            "request_notes": list(help_request.notes.select_related("author"))
            if help_request
            else [],
        },
    )


@income_required
def review(request, pk):
    flag = selectors.get_flag_for_user(request.user, pk, page=request.path)
    if flag.is_closed:
        raise Http404("Closed flags have no review")
    form = ReviewDateForm(request.POST or None, current=flag.review_date)
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
