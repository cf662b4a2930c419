"""The lists behind the dashboard's counts: paginated, filtered, as CSV, each read logged."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.access import manager_required
from accounts.models import Team
from config.csv_export import refused_download, streaming_csv
from tenants.selectors import log_tenants_listed

from . import tables
from .charts import BOTTOM, FONT, HEIGHT, LEFT, RIGHT, WIDTH
from .compare import teams_table
from .forms import TrendForm
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


@manager_required
def officer_workload(request):
    """Per officer over the last 7, 30 or 90 days: calls, contact rate, requests, escalations."""
    teams = list(Team.objects.order_by("name"))
    period = request.GET.get("days") if request.GET.get("days") in PERIODS else "30"
    team = request.GET.get("team", "")
    team_id = int(team) if team.isdigit() and any(str(t.pk) == team for t in teams) else None
    lines = workload(days=PERIODS[period], team_id=team_id)
    return render(
        request,
        "dashboard/workload.html",
        {"lines": lines, "teams": teams, "days": period, "team_id": team_id, "periods": PERIODS},
    )


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


@manager_required
def trend(request):
    """ "Up to date %" per cohort over the last 90 days, for all teams, one team or no team:
    a table (the primary view) and a chart of the chosen cohort."""
    teams_list = list(Team.objects.order_by("name"))
    snapshot = tables.latest_snapshot()
    cohorts = [c for c in (snapshot.cohorts if snapshot else []) if c["active"]]
    form = TrendForm(request.GET or None, teams=teams_list, cohorts=cohorts)
    context = {
        "form": form,
        "cohorts": cohorts,
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
        return render(request, "dashboard/trend.html", {**context, "scope": tables.ALL_TEAMS})
    values = form.values()
    scope = tables.team_scope(values["team"], teams_list)
    chosen = next((c for c in cohorts if c["code"] == values["cohort"]), None)
    chosen = chosen or (cohorts[0] if cohorts else None)
    days = trend_days(scope, cohorts, snapshot.as_of) if snapshot else []
    context.update(
        scope=scope,
        chosen=chosen,
        days=list(reversed(days)),
        chart=trend_chart(days, chosen["code"]) if chosen and days else None,
    )
    return render(request, "dashboard/trend.html", context)
