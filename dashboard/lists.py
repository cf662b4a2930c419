"""The lists behind the dashboard's counts (issue 20, "Figures you can open"): tenants by cohort
and standing, open escalations, open Here to Help requests, support providers by staffing, calls
made (dashboard.call_list). Each list is one queryset built from the same rules the counts use,
a filter, table columns and CSV columns.

The counts on the dashboard page link here (dashboard.tables)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from accounts.models import Team
from here_to_help.models import HelpRequest, Need
from welfare.control_selectors import escalation_target_cutoff
from welfare.models import Call, Cohort, Escalation
from welfare.provider_selectors import oversight_list

from .call_list import CSV_HEADER as CALL_CSV_HEADER
from .call_list import (
    PERIODS,
    CallListForm,
    FilterForm,
    call_csv,
    calls_list,
    officer_choices,
)
from .list_csv import escalation_csv, provider_csv, request_csv, tenant_csv, tenant_csv_rows
from .models import AGE_BAND_ENDS, COHORT_BITS, AgeBand, TenantGroupFigure, TenantStanding
from .tables import latest_snapshot, percent

PERIOD_CHOICES = list(PERIODS.items())
# Each standing's label and TenantGroupFigure.standing, in list order: a snapshot's tenants are
# numbered overdue first, up to date last.
STANDINGS = {
    "overdue": ("Overdue", 1),
    "due_today": ("Due today", 0),
    "up_to_date": ("Up to date", -1),
}


def _team_choices(teams):
    return [("", "All teams"), ("none", "No team"), *((str(t.pk), t.name) for t in teams)]


def _by_team(queryset, value, path):
    if value == "none":
        return queryset.filter(**{f"{path}__isnull": True})
    if value:
        return queryset.filter(**{path: int(value)})
    return queryset


class _ListForm(FilterForm):
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams)


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
    # "No team" stays a choice, as on the dashboard: a provider no team checks in with has no
    # staffing either, so these counts and this list are empty for it, but they agree (the
    # dashboard counts those providers apart; their list is on the providers page).
    field_order = ["staffing", "overdue", "team"]


def providers_list(values, on):
    """Providers a team checks in with, by staffing status and overdue check-ins (the
    dashboard's counts): critical first, then the longest overdue. No tenant's data."""
    staffing = values.get("staffing")
    rows = oversight_list(
        on,
        staffing="" if staffing == NOT_CHECKED_IN else staffing or None,
        overdue=bool(values.get("overdue")),
    )
    return _by_team(rows, values.get("team"), "team")


class Counted:
    """A queryset with its count known beforehand (from the snapshot's group figures), for the
    Paginator and the CSV: no count(*) over a million rows."""

    ordered = True

    def __init__(self, rows, total, snapshot, keys=None, whole=None):
        self.rows, self.total, self.snapshot, self.keys = rows, total, snapshot, keys
        # The tenants of the same cohort and team whatever their standing, when a standing is
        # chosen: "N of M", the percentage the dashboard shows, can be checked on the list.
        self.whole = whole

    @property
    def share(self):
        return None if self.whole is None else percent(self.total, self.whole)

    def count(self):
        return self.total

    def __len__(self):
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice) and self.keys is not None:
            # A page's positions first, from the narrow table alone, then their tenants: page
            # 40 skips 1,950 index entries, not 1,950 tenants joined and thrown away.
            return self.rows.filter(position__in=Subquery(self.keys[index]))
        return self.rows[index]

    def iterator(self, chunk_size):
        return self.rows.iterator(chunk_size=chunk_size)


def _in_cohort(code):
    """The condition on COHORT_BITS masks (TenantStanding, TenantGroupFigure) for a cohort;
    "everyone else" is in none of them."""
    if code == Cohort.Code.EVERYONE_ELSE:
        return Q(cohorts=0)
    return Q(GreaterThan(F("cohorts").bitand(COHORT_BITS[code]), 0))


def tenants_list(values, snapshot):
    """Eligible tenants by cohort and standing, as the snapshot's counts counted them (by the
    queue's due rule when it was worked out: a tenant in several cohorts is in each; "everyone
    else" is in none), most overdue first. Each standing is a run of positions, so a page is a
    range of the (snapshot, position) or (snapshot, team, position) index; the count and those
    runs come from the snapshot's group figures in one query."""
    if snapshot is None:
        return Counted(TenantStanding.objects.none(), 0, None)
    matching = Q()
    if values.get("cohort") in COHORT_BITS or values.get("cohort") == Cohort.Code.EVERYONE_ELSE:
        matching &= _in_cohort(values["cohort"])
    team = values.get("team")
    if team:
        matching &= Q(team__isnull=True) if team == "none" else Q(team_id=int(team))
    standing = values.get("standing") if values.get("standing") in STANDINGS else None
    groups = TenantGroupFigure.objects.filter(snapshot=snapshot)
    sums = groups.aggregate(
        **{
            key: Sum("tenants", filter=Q(standing=STANDINGS[key][1]), default=0)
            for key in STANDINGS
        },
        matching=Sum(
            "tenants",
            filter=matching
            & (Q(standing=STANDINGS[standing][1]) if standing else Q(standing__isnull=False)),
            default=0,
        ),
        whole=Sum("tenants", filter=matching & Q(standing__isnull=False), default=0),
    )
    # Positions run overdue, due today, up to date (then those never called).
    first, runs = 1, {}
    for key in STANDINGS:
        runs[key] = (first, first + sums[key] - 1)
        first += sums[key]
    low, high = runs[standing] if standing else (1, first - 1)
    listed = TenantStanding.objects.filter(
        snapshot=snapshot, position__gte=low, position__lte=high
    ).filter(matching)
    rows = listed.select_related("tenant__patch__team").order_by("position")
    keys = listed.order_by("position").values("position")
    whole = sums["whole"] if standing else None
    return Counted(rows, sums["matching"], snapshot, keys, whole)


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


@dataclass(frozen=True)
class FigureList:
    title: str
    form: type
    rows: object  # (values, now) -> queryset
    csv_header: tuple
    csv_row: object  # (row, now) -> tuple
    tenant_of: object  # row -> tenant, for the access log; None: no tenant is shown
    noun: str = "row"
    from_snapshot: bool = False  # rows (Counted) as the latest refresh worked them out
    # The CSV may read lighter rows (tuples) than the page: (rows) -> rows for the CSV, each
    # passed to csv_row and to csv_tenant_id (for the access log) in place of `tenant_of`.
    csv_query: object = None
    csv_tenant_id: object = None
    # Count at most this many (a page of 50 needs no count of millions): beyond it the list
    # says "more than", and pages through the first ones only.
    count_cap: int | None = None

    @property
    def shows_tenants(self):
        return self.tenant_of is not None


LISTS = {
    "tenants": FigureList(
        "Tenants by cohort and calls",
        TenantListForm,
        lambda values, now: tenants_list(values, latest_snapshot()),
        (
            "tenancy_ref",
            "name",
            "patch",
            "team",
            "cadence_days",
            "days_overdue",
            "last_contact",
        ),
        tenant_csv,
        lambda standing: standing.tenant,
        "tenant",
        from_snapshot=True,
        csv_query=tenant_csv_rows,
        csv_tenant_id=lambda row: row[0],
    ),
    "escalations": FigureList(
        "Open escalations",
        EscalationListForm,
        escalations_list,
        ("tenancy_ref", "name", "team", "reason", "opened_at", "age_days", "owner"),
        escalation_csv,
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
        request_csv,
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
        provider_csv,
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
        count_cap=10_000,
    ),
}


def list_form(name, data):
    kwargs = {"teams": list(Team.objects.order_by("name"))}
    if name == "tenants":
        kwargs["cohorts"] = list(Cohort.objects.all())
    return LISTS[name].form(data or None, **kwargs)


def filter_in_words(form):
    """Each chosen filter as "Label: choice", for the list's heading (none when refused)."""
    if not form.is_bound or not form.is_valid():
        return []
    words = []
    for name, value in form.cleaned_data.items():
        field, label = form.fields[name], form[name].label  # a name's label if it has none
        if value in ("", None, False):
            continue
        if isinstance(field, forms.BooleanField):
            words.append(str(label))
        elif isinstance(field, forms.ChoiceField):
            words.append(f"{label}: {dict(field.choices).get(value, value)}")
        else:
            words.append(f"{label}: {value}")
    return words


def describe(name, form):
    """The list and its filter in words, for the access log and the CSV's file name."""
    values = form.values()
    parts = [name] + [f"{key}={value}" for key, value in values.items() if value]
    return " ".join(parts)
