"""The lists behind the dashboard's counts (issue 20, "Figures you can open"): tenants by cohort
and standing, open escalations, open Here to Help requests, support providers by staffing, calls
made (dashboard.call_list). Each list is one queryset built from the same rules the counts use,
a filter, table columns and CSV columns.

The counts on the dashboard page link here (dashboard.tables)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Team
from here_to_help.models import HelpRequest, Need
from welfare.cadence import call_tenants
from welfare.control_selectors import escalation_target_cutoff
from welfare.models import Call, Cohort, Escalation
from welfare.provider_selectors import oversight_list

from .call_list import CSV_HEADER as CALL_CSV_HEADER
from .call_list import PERIODS, CallListForm, call_csv, calls_list, officer_choices
from .models import AGE_BAND_ENDS, AgeBand

PERIOD_CHOICES = list(PERIODS.items())
STANDINGS = {
    "overdue": ("Overdue", Q(call_days_overdue__gt=0)),
    "due_today": ("Due today", Q(call_days_overdue=0)),
    "up_to_date": ("Up to date", Q(call_days_overdue__lt=0)),
}


def _team_choices(teams):
    return [("", "All teams"), ("none", "No team"), *((str(t.pk), t.name) for t in teams)]


def _by_team(queryset, value, path):
    if value == "none":
        return queryset.filter(**{f"{path}__isnull": True})
    if value:
        return queryset.filter(**{path: int(value)})
    return queryset


class _ListForm(forms.Form):
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams)

    def values(self):
        return self.cleaned_data if self.is_valid() else dict.fromkeys(self.fields, "")


class TenantListForm(_ListForm):
    cohort = forms.ChoiceField(required=False, label="Cohort")
    standing = forms.ChoiceField(
        required=False,
        label="Calls",
        choices=[("", "Any"), *((key, label) for key, (label, _) in STANDINGS.items())],
    )
    field_order = ["cohort", "standing", "team"]

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", "Any cohort"), *((c.code, c.name) for c in cohorts)]


class EscalationListForm(_ListForm):
    reason = forms.ChoiceField(
        required=False, label="Why", choices=[("", "Any reason"), *Escalation.Reason.choices]
    )
    age = forms.ChoiceField(
        required=False, label="Open for", choices=[("", "Any time"), *AgeBand.choices]
    )
    past_target = forms.BooleanField(required=False, label="Only those past their age target")
    raised_by = forms.ChoiceField(
        required=False,
        label="Raised by (open or closed)",
        help_text="The officer whose call made the escalation",
    )
    period = forms.ChoiceField(
        required=False, label="Opened", choices=[("", "Any time"), *PERIOD_CHOICES]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].choices = officer_choices()


class RequestListForm(_ListForm):
    need = forms.ChoiceField(required=False, choices=[("", "Any need"), *Need.choices])
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any open status"), *HelpRequest.Status.choices, ("all", "Any status")],
    )
    past_target = forms.BooleanField(required=False, label="Only those open past their target")
    raised_by = forms.ChoiceField(required=False, label="Raised by")
    owner = forms.ChoiceField(required=False, label="Owner")
    period = forms.ChoiceField(
        required=False, label="Raised", choices=[("", "Any time"), *PERIOD_CHOICES]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].choices = self.fields["owner"].choices = officer_choices()


def _since(values, now):
    """The start of the first of the last `period` days (Europe/London), or None."""
    if not values.get("period"):
        return None
    first = timezone.localdate(now) - timedelta(days=int(values["period"]) - 1)
    return timezone.make_aware(datetime.combine(first, time.min))


NOT_CHECKED_IN = "not_checked_in"


class ProviderListForm(_ListForm):
    staffing = forms.ChoiceField(
        required=False,
        label="Staffing",
        choices=[
            ("", "Any"),
            ("critical", "Critical"),
            ("stretched", "Stretched"),
            ("adequate", "Adequate"),
            (NOT_CHECKED_IN, "Not checked in"),
        ],
    )
    overdue = forms.BooleanField(required=False, label="Only check-ins overdue")
    field_order = ["staffing", "overdue", "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every provider has an owning team: "No team" would always be empty.
        self.fields["team"].choices = [c for c in self.fields["team"].choices if c[0] != "none"]


def providers_list(values, on):
    """Providers a team checks in with, by staffing status and overdue check-ins (the
    dashboard's counts): critical first, then the longest overdue. No tenant's data."""
    staffing = values.get("staffing")
    return oversight_list(
        on,
        staffing="" if staffing == NOT_CHECKED_IN else staffing or None,
        overdue=bool(values.get("overdue")),
        team_id=int(values["team"]) if (values.get("team") or "").isdigit() else None,
    )


def tenants_list(values, on):
    """Eligible tenants by cohort and standing, by the queue's own due rule (as the dashboard
    counts them: a tenant in several cohorts is in each; "everyone else" is in none)."""
    tenants = call_tenants().eligible_for_calls(on).with_cadence(on)
    code = values.get("cohort")
    if code == Cohort.Code.EVERYONE_ELSE:
        for other in call_tenants().call_cohort_rules(on):
            tenants = tenants.filter(**{f"in_{other}": False})
    elif code:
        tenants = tenants.filter(**{f"in_{code}": True})
    if values.get("standing") in STANDINGS:
        tenants = tenants.filter(STANDINGS[values["standing"]][1])
    else:
        tenants = tenants.filter(call_cadence_days__isnull=False)
    tenants = _by_team(tenants, values.get("team"), "patch__team")
    return tenants.select_related("patch__team").order_by("-call_days_overdue", "last_name", "id")


def escalations_list(values, now):
    if values.get("raised_by"):
        # As the workload counts them: open or closed, made by the task's last call before
        # the escalation opened.
        last_caller = (
            Call.objects.filter(task=OuterRef("task"), made_at__lte=OuterRef("opened_at"))
            .order_by("-made_at", "-id")
            .values("officer")[:1]
        )
        escalations = Escalation.objects.filter(task__isnull=False).annotate(
            raiser=Subquery(last_caller)
        )
        escalations = escalations.filter(raiser=int(values["raised_by"]))
    else:
        escalations = Escalation.objects.filter(status=Escalation.Status.OPEN)
    if _since(values, now):
        escalations = escalations.filter(opened_at__gte=_since(values, now))
    if values.get("reason"):
        escalations = escalations.filter(reason=values["reason"])
    ends = dict(AGE_BAND_ENDS)
    if values.get("age") in AgeBand.values:
        # The dashboard's bands: each runs from the previous band's end up to its own.
        bands = [band.value for band in AgeBand]
        index = bands.index(values["age"])
        end = ends.get(values["age"])
        start = ends.get(bands[index - 1]) if index else None
        if end is not None:
            escalations = escalations.filter(opened_at__gt=now - timedelta(days=end))
        if start is not None:
            escalations = escalations.filter(opened_at__lte=now - timedelta(days=start))
    if values.get("past_target"):
        escalations = escalations.filter(opened_at__lt=escalation_target_cutoff(now))
    escalations = _by_team(escalations, values.get("team"), "team")
    return escalations.select_related("tenant", "team", "owner").order_by("opened_at", "id")


def requests_list(values, now):
    if values.get("status") == "all":
        requests = HelpRequest.objects.all()
    elif values.get("status"):
        requests = HelpRequest.objects.filter(status=values["status"])
    else:
        requests = HelpRequest.objects.open()
    if values.get("raised_by"):
        requests = requests.filter(raised_by_id=int(values["raised_by"]))
    if values.get("owner"):
        requests = requests.filter(owner_id=int(values["owner"]))
    if _since(values, now):
        requests = requests.filter(raised_at__gte=_since(values, now))
    if values.get("need"):
        requests = requests.filter(need=values["need"])
    if values.get("past_target"):
        requests = requests.open().filter(due_at__lt=now)
    requests = _by_team(requests, values.get("team"), "team")
    return requests.select_related("tenant", "team", "owner").order_by("due_at", "id")


def _age(opened_at, now):
    return (now - opened_at).days


@dataclass(frozen=True)
class FigureList:
    title: str
    form: type
    rows: object  # (values, now) -> queryset
    csv_header: tuple
    csv_row: object  # (row, now) -> tuple
    tenant_of: object  # row -> tenant, for the access log; None: no tenant is shown
    noun: str = "row"

    @property
    def shows_tenants(self):
        return self.tenant_of is not None


def _tenant_csv(tenant, now):
    return (
        tenant.tenancy_ref,
        tenant.full_name,
        tenant.patch.code if tenant.patch else "",
        tenant.patch.team.name if tenant.patch else "No team",
        tenant.call_cadence_days,
        tenant.call_days_overdue,
        timezone.localtime(tenant.last_contact_at).date().isoformat()
        if tenant.last_contact_at
        else "",
    )


def _provider_csv(oversight, now):
    return (
        oversight.provider.name,
        oversight.team.name,
        oversight.get_staffing_display() or "Not checked in",
        timezone.localtime(oversight.staffing_since).date().isoformat()
        if oversight.staffing_since
        else "",
        oversight.next_check_in_on.isoformat(),
        max((timezone.localdate(now) - oversight.next_check_in_on).days, 0),
        oversight.tenant_count,
    )


def _escalation_csv(escalation, now):
    return (
        escalation.tenant.tenancy_ref,
        escalation.tenant.full_name,
        escalation.team.name if escalation.team else "No team",
        escalation.get_reason_display(),
        timezone.localtime(escalation.opened_at).isoformat(timespec="minutes"),
        _age(escalation.opened_at, now),
        str(escalation.owner or ""),
    )


def _request_csv(request, now):
    return (
        request.tenant.tenancy_ref,
        request.tenant.full_name,
        request.team.name if request.team else "No team",
        request.get_need_display(),
        request.get_status_display(),
        timezone.localtime(request.raised_at).isoformat(timespec="minutes"),
        timezone.localtime(request.due_at).isoformat(timespec="minutes"),
        _age(request.raised_at, now),
        str(request.owner or ""),
    )


LISTS = {
    "tenants": FigureList(
        "Tenants by cohort and calls",
        TenantListForm,
        lambda values, now: tenants_list(values, timezone.localdate(now)),
        (
            "tenancy_ref",
            "name",
            "patch",
            "team",
            "cadence_days",
            "days_overdue",
            "last_contact",
        ),
        _tenant_csv,
        lambda tenant: tenant,
        "tenant",
    ),
    "escalations": FigureList(
        "Open escalations",
        EscalationListForm,
        escalations_list,
        ("tenancy_ref", "name", "team", "reason", "opened_at", "age_days", "owner"),
        _escalation_csv,
        lambda escalation: escalation.tenant,
        "escalation",
    ),
    "requests": FigureList(
        "Here to Help requests",
        RequestListForm,
        requests_list,
        (
            "tenancy_ref",
            "name",
            "team",
            "need",
            "status",
            "raised_at",
            "target",
            "age_days",
            "owner",
        ),
        _request_csv,
        lambda request: request.tenant,
        "request",
    ),
    "providers": FigureList(
        "Support providers by staffing",
        ProviderListForm,
        lambda values, now: providers_list(values, timezone.localdate(now)),
        (
            "provider",
            "team",
            "staffing",
            "staffing_since",
            "next_check_in",
            "days_overdue",
            "tenants_supported",
        ),
        _provider_csv,
        None,
        "provider",
    ),
    "calls": FigureList(
        "Calls made",
        CallListForm,
        calls_list,
        CALL_CSV_HEADER,
        call_csv,
        lambda call: call.tenant,
        "call",
    ),
}


def list_form(name, data):
    kwargs = {"teams": list(Team.objects.order_by("name"))}
    if name == "tenants":
        kwargs["cohorts"] = list(Cohort.objects.all())
    return LISTS[name].form(data or None, **kwargs)


def describe(name, form):
    """The list and its filter in words, for the access log and the CSV's file name."""
    values = form.values()
    parts = [name] + [f"{key}={value}" for key, value in values.items() if value]
    return " ".join(parts)
