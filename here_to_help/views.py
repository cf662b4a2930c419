"""Here to Help pages: the request lists, raising and working a request, signposting, and the
resource directory (any staff may read it; managers add, change and validate entries)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import income_required, manager_required, staff_required
from accounts.kept_labels import labelled_by
from accounts.submit_once import ALREADY_SAVED, submit_once
from config.csv_export import download_query, refused_download, streaming_csv
from tenants.selectors import get_tenant_for_user, log_tenants_listed

from . import actions, selectors
from .forms import (
    DirectoryFilterForm,
    NoFlagNeededForm,
    NoteForm,
    OrganisationForm,
    RaiseRequestForm,
    RequestFilterForm,
    SignpostForm,
    StatusForm,
)
from .models import directory_valid_days

PAGE_SIZE = 25


def _add_errors(form, error):
    """Put an action's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _list_page(request, template, queryset, filters, **context):
    # A refused filter: its error and no requests, never the whole list passing for it.
    page = Paginator([] if filters.refused else queryset, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    log_tenants_listed(request.user, [item.tenant_id for item in page], request.path)
    return render(
        request,
        template,
        {
            "page": page,
            "filters": filters,
            "now": timezone.now(),
            # The download's filters: the page's, without its page number.
            "csv_query": download_query(request.GET),
            **context,
        },
        status=filters.status_code,
    )


CSV_HEADER = [
    "request",
    "tenant",
    "tenancy_ref",
    "postcode",
    "need",
    "status",
    "past_target",
    "target",
    "raised",
    "owner",
    "team",
]


def _csv_row(item):
    return [
        item.pk,
        item.tenant.full_name,
        item.tenant.tenancy_ref,
        item.tenant.postcode,
        item.get_need_display(),
        item.get_status_display(),
        "yes" if item.is_late else "no",
        f"{timezone.localtime(item.due_at):%Y-%m-%d %H:%M}",
        f"{timezone.localtime(item.raised_at):%Y-%m-%d %H:%M}",
        str(item.owner) if item.owner else "The team",
        item.team.name if item.team else "",
    ]


def _list_csv(request, name, queryset, filters):
    """The whole filtered list, as the page lists it, every tenant in it logged as listed; a
    refused filter downloads nothing (never the whole list passing for it)."""
    if filters.refused:
        return refused_download(filters)
    user, path = request.user, request.path
    return streaming_csv(
        filename=f"{name}-{timezone.localtime():%Y-%m-%d-%H%M}.csv",
        header=CSV_HEADER,
        rows=queryset,
        row=_csv_row,
        log=lambda batch: log_tenants_listed(user, [item.tenant_id for item in batch], path),
    )


def _my_filtered(request):
    filters = RequestFilterForm(request.GET or None, user=request.user, with_owner=False)
    return selectors.my_requests(request.user, **filters.filters()), filters


def _team_filtered(request):
    filters = RequestFilterForm(request.GET or None, user=request.user)
    return selectors.team_requests(request.user, **filters.filters()), filters


@staff_required
def my_requests(request):
    queryset, filters = _my_filtered(request)
    return _list_page(request, "help/my_requests.html", queryset, filters)


@staff_required
def my_requests_csv(request):
    return _list_csv(request, "your-help-requests", *_my_filtered(request))


@staff_required
def team_requests(request):
    queryset, filters = _team_filtered(request)
    return _list_page(request, "help/team_requests.html", queryset, filters)


@staff_required
def team_requests_csv(request):
    return _list_csv(request, "team-help-requests", *_team_filtered(request))


@staff_required
@submit_once
@labelled_by(RaiseRequestForm)
def raise_request(request, tenant_pk):
    tenant = get_tenant_for_user(request.user, tenant_pk, page=request.path)
    form = RaiseRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        help_request, raised = actions.request_raise_once(
            tenant=tenant,
            need=form.cleaned_data["need"],
            source=form.cleaned_data["source"],
            raised_by=request.user,
            notes=form.cleaned_data["notes"],
        )
        if not raised:
            messages.info(request, ALREADY_SAVED)
            return redirect("help:request", pk=help_request.pk)
        due = timezone.localtime(help_request.due_at)
        messages.success(
            request,
            f"Request raised: {help_request.get_need_display().lower()} for {tenant.full_name}, "
            f"target {due:%-d %B %Y}.",
        )
        return redirect("help:request", pk=help_request.pk)
    return render(request, "help/raise.html", {"tenant": tenant, "form": form})


# An open request's page sends the status and the note box in one form, whichever button is
# pressed: what was typed in one is never dropped by sending the other.
UPDATE_FORM = "request-update"


def _render_request(request, help_request, *, note_form=None, status_form=None, status=200):
    notes, signposts = selectors.request_history(help_request)
    context = {
        "help_request": help_request,
        "tenant": help_request.tenant,
        "notes": notes,
        "signposts": signposts,
        "past_target": help_request.is_past_target(),
        "note_form": note_form or NoteForm(form_id=UPDATE_FORM if help_request.is_open else None),
        "update_form_id": UPDATE_FORM,
        "status_form": status_form or StatusForm(current=help_request.status),
        "can_consider_arrears": request.user.sees_arrears_amounts,
        "arrears_flags": list(help_request.arrears_flags.order_by("reported_on"))
        if help_request.is_financial_difficulty
        else [],
    }
    return render(request, "help/request.html", context, status=status)


@staff_required
def request_detail(request, pk):
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    return _render_request(request, help_request)


def _finish(request, help_request, message):
    messages.success(request, message)
    return redirect("help:request", pk=help_request.pk)


def _refused(request, help_request, error):
    messages.error(request, " ".join(error.messages))
    return redirect("help:request", pk=help_request.pk)


@staff_required
@require_POST
def take_ownership(request, pk):
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    try:
        actions.request_take_ownership(help_request=help_request, user=request.user)
    except ValidationError as error:
        return _refused(request, help_request, error)
    return _finish(request, help_request, "You own this request now.")


@staff_required
@require_POST
def release(request, pk):
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    try:
        actions.request_release(help_request=help_request, user=request.user)
    except ValidationError as error:
        return _refused(request, help_request, error)
    return _finish(request, help_request, "The request is back with the team.")


@staff_required
@require_POST
@submit_once
@labelled_by(NoteForm)
def add_note(request, pk):
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    if help_request.is_open and request.POST.get("status"):
        # "Add note" pressed with a new status chosen as well: both are saved, as with
        # "Save status", rather than the status and its outcome being dropped.
        return _change_status(request, help_request)
    form = NoteForm(request.POST, form_id=UPDATE_FORM if help_request.is_open else None)
    if form.is_valid():
        actions.request_add_note(
            help_request=help_request, author=request.user, text=form.cleaned_data["text"]
        )
        return _finish(request, help_request, "Note added.")
    return _render_request(request, help_request, note_form=form)


@staff_required
@require_POST
@submit_once
@labelled_by(StatusForm, NoteForm)
def change_status(request, pk):
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    return _change_status(request, help_request)


def _change_status(request, help_request):
    """The status, and the note typed with it (optional), saved together or not at all."""
    form = StatusForm(request.POST, current=help_request.status)
    note_form = NoteForm(
        request.POST, form_id=UPDATE_FORM if help_request.is_open else None, optional=True
    )
    if form.is_valid() and note_form.is_valid():
        note = note_form.cleaned_data["text"].strip()
        try:
            help_request = actions.request_change_status(
                help_request=help_request,
                status=form.cleaned_data["status"],
                by=request.user,
                outcome=form.cleaned_data["text"],
                note=note,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            done = f"The request is now {help_request.get_status_display().lower()}."
            return _finish(request, help_request, f"Note added. {done}" if note else done)
    return _render_request(request, help_request, note_form=note_form, status_form=form)


@staff_required
@labelled_by(SignpostForm)
def signpost(request, pk):
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    if not help_request.is_open:
        return _refused(
            request,
            help_request,
            ValidationError("This request is finished: it cannot be signposted."),
        )
    organisations = selectors.offered_organisations(help_request)
    form = SignpostForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            made = actions.request_signpost(
                help_request=help_request,
                organisation=form.cleaned_data["organisation"],
                given_by=request.user,
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _finish(request, help_request, f"Signposted to {made.organisation}.")
    return render(
        request,
        "help/signpost.html",
        {
            "help_request": help_request,
            "tenant": help_request.tenant,
            "form": form,
            "organisations": list(organisations),
        },
    )


def _safe_next(request, next_url):
    """`next_url` if it is a path on this site (never a view name or another site), else ""."""
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@income_required
def arrears_considered(request, pk):
    """ "No flag needed": the income officer's decision on a financial-difficulty request, with
    the reason, on a page of its own that says what it records; a refused post keeps what was
    typed. `next`: where to go afterwards (the home page's panel sends it)."""
    help_request = selectors.get_request_for_user(request.user, pk, page=request.path)
    if not help_request.is_financial_difficulty:
        raise Http404("Only a financial-difficulty request asks for an arrears flag")
    if help_request.arrears_considered_at is not None:
        messages.info(request, "A decision on an arrears flag is already recorded.")
        return redirect("help:request", pk=help_request.pk)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = NoFlagNeededForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_arrears_considered(
                help_request=help_request, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, f"Recorded: no arrears flag needed for {help_request.tenant.full_name}."
            )
            return redirect(next_url or reverse("help:request", args=[help_request.pk]))
    return render(
        request,
        "help/no_flag_needed.html",
        {
            "help_request": help_request,
            "tenant": help_request.tenant,
            "form": form,
            "next": next_url,
            "notes": list(help_request.notes.select_related("author")),
        },
    )


# The resource directory.


@staff_required
def directory(request):
    filters = DirectoryFilterForm(request.GET or None)
    queryset = [] if filters.refused else selectors.directory(**filters.filters())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "help/directory.html",
        {
            "page": page,
            "filters": filters,
            "valid_days": directory_valid_days(),
            "needing_validation": selectors.directory_needing_validation_count()
            if request.user.is_manager
            else None,
        },
        status=filters.status_code,
    )


@staff_required
def organisation_detail(request, pk):
    organisation = selectors.get_organisation(pk)
    return render(request, "help/organisation.html", {"organisation": organisation})


def _organisation_form(request, organisation=None):
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.organisation_save(
                by=request.user,
                organisation=organisation,
                needs=data["needs"],
                areas=data["areas"],
                **{name: data[name] for name in actions.ORGANISATION_FIELDS if name != "phone"},
                phone=data["phone"] or "",
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{saved.name} has been saved.")
            return redirect("help:organisation", pk=saved.pk)
    return render(
        request, "help/organisation_form.html", {"form": form, "organisation": organisation}
    )


@manager_required
@labelled_by(OrganisationForm)
def organisation_add(request):
    return _organisation_form(request)


@manager_required
@labelled_by(OrganisationForm)
def organisation_edit(request, pk):
    return _organisation_form(request, selectors.get_organisation(pk))


@manager_required
@require_POST
def organisation_validate(request, pk):
    organisation = selectors.get_organisation(pk)
    actions.organisation_validate(organisation=organisation, by=request.user)
    messages.success(
        request,
        f"{organisation.name} is validated: it can be offered to tenants for the next "
        f"{directory_valid_days()} days.",
    )
    return redirect("help:organisation", pk=organisation.pk)
