"""The manager dashboard: the page, its CSV downloads and "Refresh now".

Every figure comes from the latest snapshot of the summary tables (dashboard/refresh.py), so the
page costs the same few queries however many tenants and calls there are. The SVG charts are
drawn in dashboard/charts.py.
"""

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.access import manager_required
from accounts.models import Team
from config.csv import csv_response
from config.csv_export import refused_download
from welfare.control_selectors import escalations_past_target
from welfare.provider_models import ProviderOversight
from welfare.provider_selectors import needing_a_team, staffing_counts

from . import tables
from .charts import BOTTOM, FONT, HEIGHT, LEFT, RIGHT, WIDTH, calls_chart, contact_rate_chart
from .forms import TeamForm
from .refresh import CALL_DAYS
from .tasks import refresh_dashboard_task

# When a manager last pressed "Refresh now", so the page can say newer figures are coming.
REFRESH_ASKED_KEY = "dashboard:refresh-asked-at"


def _scope(request, teams):
    scope = tables.team_scope(request.GET.get("team", ""), teams)
    if scope is None:
        raise Http404("No such team")
    return scope


def _calls_summary(days, scope):
    calls = sum(day.calls for day in days)
    spoke = sum(day.spoke for day in days)
    return {
        "calls": calls,
        "spoke": spoke,
        "contact_rate": tables.percent(spoke, calls),
        "calls_url": tables.list_url("calls", scope, period=str(CALL_DAYS)),
        "spoke_url": tables.list_url("calls", scope, period=str(CALL_DAYS), reached="on"),
    }


def _refresh_pending(snapshot):
    asked_at = cache.get(REFRESH_ASKED_KEY)
    if asked_at and (snapshot is None or asked_at > snapshot.computed_at):
        return asked_at
    return None


PROVIDER_ROWS = (
    ("critical", "Critical"),
    ("stretched", "Stretched"),
    ("adequate", "Adequate"),
    ("not_checked_in", "Not checked in yet"),
    ("overdue", "Check-ins overdue"),
)


def _provider_rows(counts, scope):
    counts = {**counts, "not_checked_in": counts["unknown"]}
    rows = [(key, label, counts[key]) for key, label in PROVIDER_ROWS]
    if scope.team_id is None:
        # Every team's figures, or "No team": the providers no team checks in with, so never
        # checked in on, counted apart (one count), their list on the providers page.
        rows.append(("needs_team", "Needs an owning team", needing_a_team().count()))
    return rows


@manager_required
def index(request):
    teams = list(Team.objects.order_by("name"))
    form = TeamForm(request.GET or None, teams=teams)
    if form.refused:
        # A team that is not one of the choices: its error and no figures, as the trend and
        # the lists answer (every team's figures would pass for the team asked for).
        return render(
            request,
            "dashboard/index.html",
            {"form": form, "teams": teams, "scope": tables.ALL_TEAMS, "no_team": tables.NO_TEAM},
            status=form.status_code,
        )
    scope = tables.team_scope(form.values()["team"], teams)
    snapshot = tables.latest_snapshot()
    context = {
        "form": form,
        "teams": teams,
        "scope": scope,
        "no_team": tables.NO_TEAM,
        "snapshot": snapshot,
        "call_days": CALL_DAYS,
        "refresh_asked_at": _refresh_pending(snapshot),
        # Live, as the age target is a setting managers change (one indexed count).
        "escalations_past_target": scope.filter(escalations_past_target()).count(),
        # Live too: a check-in recorded a minute ago shows (one aggregate over the providers).
        "provider_rows": _provider_rows(
            staffing_counts(scope.filter(ProviderOversight.objects)), scope
        ),
    }
    if snapshot is not None:
        cohorts = tables.cohort_lines(snapshot, scope)
        days = tables.call_days(snapshot, scope)
        context.update(
            cohorts=cohorts,
            cohort_table=tables.cohort_table(snapshot, scope, cohorts),
            calls=_calls_summary(days, scope),
            calls_chart=calls_chart(days),
            rate_chart=contact_rate_chart(days),
            calls_table=tables.calls_table(snapshot, scope, days),
            escalations_table=tables.escalations_table(snapshot, scope),
            help_table=tables.help_table(snapshot, scope),
            arrears_table=tables.arrears_table(snapshot, scope),
            services_table=tables.services_table(snapshot, scope),
            chart={"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT},
            chart_base=HEIGHT - BOTTOM,
            chart_font=FONT,
            label_y=HEIGHT - BOTTOM + 20,
        )
    return render(request, "dashboard/index.html", context)


@manager_required
def table_csv(request, table):
    """One of the page's tables as CSV: the same figures for the same team, no personal data."""
    build = tables.TABLES.get(table)
    if build is None:
        raise Http404("No such table")
    teams = list(Team.objects.order_by("name"))
    if (form := TeamForm(request.GET or None, teams=teams)).refused:
        return refused_download(form)  # as the page and the lists
    scope = _scope(request, teams)
    snapshot = tables.latest_snapshot()
    if snapshot is None:
        raise Http404("The figures have not been worked out yet")
    stamp = timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d-%H%M")
    return csv_response(
        f"dashboard-{table}-{scope.slug}-{stamp}.csv", build(snapshot, scope).csv_rows()
    )


@require_POST
@manager_required
def refresh(request):
    """Work the figures out now, rather than waiting for the next 15-minute refresh: in a
    Celery task (10 to 30 seconds at a million tenants on the 2-CPU bench machine), never in
    the request. The page says when the figures were last worked out, and that newer ones are
    on their way."""
    asked_at = timezone.now()
    cache.set(REFRESH_ASKED_KEY, asked_at, 3600)
    transaction.on_commit(refresh_dashboard_task.delay)
    when = timezone.localtime(asked_at)
    messages.success(
        request,
        f"The figures are being worked out again (asked at {when:%H:%M:%S}). "
        "Reload the page in a moment to see them.",
    )
    url = reverse("dashboard:index")
    team = request.POST.get("team", "")
    if team == tables.NO_TEAM.value or team.isdigit():  # back to the team shown
        url += "?" + urlencode({"team": team})
    return redirect(url)
