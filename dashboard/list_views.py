"""The lists behind the dashboard's counts: paginated, filtered, as CSV, each read logged."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.access import manager_required
from accounts.models import Team
from config.csv import csv_response
from config.csv_export import download_query, refused_download, streaming_csv
from tenants.selectors import log_tenants_listed

from . import tables
from .charts import BOTTOM, FONT, HEIGHT, LEFT, RIGHT, WIDTH
from .compare import teams_table
from .forms import TrendForm, WorkloadForm
from .lists import LISTS, Counted, describe, filter_in_words, list_form
from .trend import trend_chart, trend_days
from .workload import PERIODS, workload

PAGE_SIZE = 50


def _log(user, spec, rows, query, page, csv=False):
    """One access-log row naming every tenant shown or downloaded, in one insert per batch
    (none for a list that shows no tenant, such as the providers)."""
    if spec.tenant_of is None:
        return
    if csv and spec.csv_tenant_id is not None:
        ids = [spec.csv_tenant_id(row) for row in rows]
    else:
        ids = [spec.tenant_of(row).pk for row in rows]
    log_tenants_listed(user, ids, page, query=query)


def _spec(name):
    spec = LISTS.get(name)
    if spec is None:
        raise Http404("No such list")
    return spec


@manager_required
def figure_list(request, name):
    spec = _spec(name)
    form = list_form(name, request.GET)
    if form.refused:
        return _refused(request, name, spec, form)
    rows = spec.rows(form.values(), timezone.now())
    more = False
    if spec.count_cap:
        # One count of at most count_cap + 1 rows, not of every call in 90 days.
        counted = rows.select_related(None).order_by()[: spec.count_cap + 1].count()
        more = counted > spec.count_cap
        rows = Counted(rows, min(counted, spec.count_cap), None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    query = describe(name, form)[:200]
    _log(request.user, spec, page.object_list, query, request.path)
    return render(
        request,
        "dashboard/figure_list.html",
        {
            "name": name,
            "spec": spec,
            "showing": filter_in_words(form),
            "share": rows if getattr(rows, "whole", None) is not None else None,
            "more": more,
            "form": form,
            "page": page,
            "now": timezone.now(),
            "as_of": timezone.localtime(rows.snapshot.computed_at)
            if spec.from_snapshot and rows.snapshot
            else None,
            "today": timezone.localdate(),
            "csv_query": request.GET.urlencode(),
        },
    )


def _refused(request, name, spec, form):
    """A filter value that is not one of the choices: its error and no rows (the whole list
    would pass for the figure that was clicked)."""
    return render(
        request,
        "dashboard/figure_list.html",
        {
            "name": name,
            "spec": spec,
            "form": form,
            "page": Paginator([], PAGE_SIZE).get_page(1),
            "now": timezone.now(),
            "today": timezone.localdate(),
            "csv_query": request.GET.urlencode(),
        },
        status=form.status_code,
    )


@manager_required
def figure_list_csv(request, name):
    """The whole filtered list as CSV (personal data: managers only, every tenant logged)."""
    spec = _spec(name)
    form = list_form(name, request.GET)
    if form.refused:
        return refused_download(form)
    now = timezone.now()
    query = f"CSV {describe(name, form)}"[:200]
    user, path = request.user, request.path
    rows = spec.rows(form.values(), now)
    return streaming_csv(
        filename=f"{name}-{timezone.localtime(now):%Y-%m-%d-%H%M}.csv",
        header=spec.csv_header,
        rows=spec.csv_query(rows) if spec.csv_query else rows,
        row=lambda obj: spec.csv_row(obj, now),
        log=lambda batch: _log(user, spec, batch, query, path, csv=True),
    )


def _workload(request, teams):
    """The workload's filter and its lines: none for a refused filter."""
    form = WorkloadForm(request.GET or None, teams=teams, periods=PERIODS)
    values = form.kept_values()
    period = values["days"] or "30"
    team_id = int(values["team"]) if values["team"] else None
    lines = [] if form.refused else workload(days=PERIODS[period], team_id=team_id)
    return form, period, team_id, lines


@manager_required
def officer_workload(request):
    """Per officer over the last 7, 30 or 90 days: calls, contact rate, requests, escalations."""
    teams = list(Team.objects.order_by("name"))
    form, period, team_id, lines = _workload(request, teams)
    return render(
        request,
        "dashboard/workload.html",
        {
            "form": form,
            "lines": lines,
            "teams": teams,
            "days": period,
            "team_id": team_id,
            "periods": PERIODS,
            "csv_query": download_query(request.GET),
        },
        status=form.status_code,
    )


@manager_required
def workload_csv(request):
    """The workload table as filtered on its page: staff and counts, no tenant's data."""
    teams = list(Team.objects.order_by("name"))
    form, period, team_id, lines = _workload(request, teams)
    if form.refused:
        return refused_download(form)
    team = next((t for t in teams if t.pk == team_id), None)
    rows = [
        [
            "officer",
            "team",
            "calls",
            "contact_rate_percent",
            "requests_raised",
            "requests_open_owned",
            "escalations_raised",
        ]
    ]
    for line in lines:
        rate = line.contact_rate
        rows.append(
            [
                line.officer.get_full_name() or line.officer.username,
                str(line.officer.team or ""),
                line.calls,
                "" if rate is None else rate,
                line.raised,
                line.open_owned,
                line.escalations,
            ]
        )
    slug = f"team-{team.pk}" if team else "all-teams"
    stamp = f"{timezone.localtime():%Y-%m-%d-%H%M}"
    return csv_response(f"workload-{period}-days-{slug}-{stamp}.csv", rows)


@manager_required
def teams(request):
    """Teams side by side, from the latest snapshot."""
    snapshot = tables.latest_snapshot()
    table = teams_table(snapshot) if snapshot else None
    return render(
        request,
        "dashboard/teams.html",
        {"snapshot": snapshot, "table": table, "scope": tables.ALL_TEAMS},
    )


def _snapshot_or_404():
    snapshot = tables.latest_snapshot()
    if snapshot is None:
        raise Http404("The figures have not been worked out yet")
    return snapshot


def _stamp(snapshot):
    return timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d-%H%M")


@manager_required
def teams_csv(request):
    """Teams side by side as CSV: the page's figures, from the same snapshot."""
    snapshot = _snapshot_or_404()
    return csv_response(f"dashboard-teams-{_stamp(snapshot)}.csv", teams_table(snapshot).csv_rows())


def _trend(request):
    """The trend's filter, the scope and cohorts it is for, and its days (oldest first)."""
    teams_list = list(Team.objects.order_by("name"))
    snapshot = tables.latest_snapshot()
    cohorts = [c for c in (snapshot.cohorts if snapshot else []) if c["active"]]
    form = TrendForm(request.GET or None, teams=teams_list, cohorts=cohorts)
    if form.refused:
        return form, snapshot, cohorts, tables.ALL_TEAMS, []
    scope = tables.team_scope(form.values()["team"], teams_list)
    days = trend_days(scope, cohorts, snapshot.as_of) if snapshot else []
    return form, snapshot, cohorts, scope, days


@manager_required
def trend(request):
    """ "Up to date %" per cohort over the last 90 days, for all teams, one team or no team:
    a table (the primary view) and a chart of the chosen cohort."""
    form, _snapshot, cohorts, scope, days = _trend(request)
    context = {
        "form": form,
        "cohorts": cohorts,
        "scope": scope,
        "geometry": {
            "width": WIDTH,
            "height": HEIGHT,
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "label_y": HEIGHT - BOTTOM + 20,
        },
        "chart_font": FONT,
    }
    if form.refused:
        return render(request, "dashboard/trend.html", context, status=form.status_code)
    code = form.values()["cohort"]
    chosen = next((c for c in cohorts if c["code"] == code), None)
    chosen = chosen or (cohorts[0] if cohorts else None)
    context.update(
        chosen=chosen,
        days=list(reversed(days)),
        chart=trend_chart(days, chosen["code"]) if chosen and days else None,
        csv_query=download_query(request.GET),  # the table is every cohort's, whichever
    )
    return render(request, "dashboard/trend.html", context)


@manager_required
def trend_csv(request):
    """The trend's table as CSV, newest day first: each cohort's "up to date %" per day for
    the page's team (blank where no figure was recorded)."""
    form, snapshot, cohorts, scope, days = _trend(request)
    if form.refused:
        return refused_download(form)
    if snapshot is None:
        raise Http404("The figures have not been worked out yet")
    rows = [["day", *(f"{c['name']} up to date (%)" for c in cohorts)]]
    for day in reversed(days):
        rows.append([day.day.isoformat(), *("" if v is None else v for v in day.cells)])
    return csv_response(f"dashboard-trend-{scope.slug}-{_stamp(snapshot)}.csv", rows)
