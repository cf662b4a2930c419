"""The manager dashboard: the page, its CSV downloads and "Refresh now".

Every figure comes from the latest snapshot of the summary tables (welfare/dashboard.py), so the
page costs the same few queries however many tenants and calls there are. The charts are SVG
drawn here on the server from the figures of the table beneath each: the table is the primary
view, the chart an extra for those who would rather look than read.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.access import manager_required
from accounts.models import Team
from config.csv import csv_response

from . import dashboard

# Chart geometry, in SVG user units (the SVG scales to its container).
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 34
FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"


def _scope(request, teams):
    scope = dashboard.team_scope(request.GET.get("team", ""), teams)
    if scope is None:
        raise Http404("No such team")
    return scope


def _nice_ceiling(value):
    """The smallest of 1, 2 or 5 times a power of ten that is at least `value` (and 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _n(value):
    """A coordinate for an SVG attribute: two decimals at most, never localised."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _plot_x(index, count):
    slot = (WIDTH - LEFT - RIGHT) / count
    return LEFT + slot * index, slot


def _plot_y(value, top_value):
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top_value)


def _x_labels(days):
    count = len(days)
    labels = []
    for index, anchor in ((0, "start"), (count // 2, "middle"), (count - 1, "end")):
        x, slot = _plot_x(index, count)
        x += {"start": 0, "middle": slot / 2, "end": slot}[anchor]
        labels.append({"x": _n(x), "anchor": anchor, "text": f"{days[index].day:%-d %b}"})
    return labels


def _grid(levels, top_value, suffix=""):
    return [{"y": _n(_plot_y(level, top_value)), "text": f"{level:,}{suffix}"} for level in levels]


def _period(days):
    return f"From {days[0].day:%-d %B} to {days[-1].day:%-d %B %Y}"


def calls_chart(days):
    """A bar per day: the calls made."""
    most = max(days, key=lambda d: d.calls)
    top = _nice_ceiling(most.calls)
    bars = []
    for index, day in enumerate(days):
        x, slot = _plot_x(index, len(days))
        y = _plot_y(day.calls, top)
        bars.append(
            {
                "x": _n(x + slot * 0.15),
                "y": _n(y),
                "width": _n(slot * 0.7),
                "height": _n(HEIGHT - BOTTOM - y),
            }
        )
    total = sum(day.calls for day in days)
    if total:
        summary = (
            f"{_period(days)}: {total:,} calls. The busiest day was "
            f"{most.day:%A %-d %B} with {most.calls:,}."
        )
    else:
        summary = f"{_period(days)}: no calls."
    return {
        "bars": bars,
        "grid": _grid(sorted({0, top // 2, top}), top),
        "x_labels": _x_labels(days),
        "summary": summary,
    }


def contact_rate_chart(days):
    """A line through each day's contact rate; days with no calls leave a gap."""
    path, points, previous = [], [], None
    for index, day in enumerate(days):
        rate = day.contact_rate
        if rate is None:
            previous = None
            continue
        x, slot = _plot_x(index, len(days))
        x, y = _n(x + slot / 2), _n(_plot_y(rate, 100))
        path.append(f"{'L' if previous is not None else 'M'}{x} {y}")
        points.append({"x": x, "y": y})
        previous = index
    rated = [day for day in days if day.contact_rate is not None]
    calls = sum(day.calls for day in days)
    if rated:
        low = min(rated, key=lambda d: d.contact_rate)
        high = max(rated, key=lambda d: d.contact_rate)
        summary = (
            f"{_period(days)}: {dashboard.percent(sum(d.spoke for d in days), calls)}%"
            f" of calls reached the tenant. The lowest day was {low.day:%A %-d %B} at "
            f"{low.contact_rate}%, the highest {high.day:%A %-d %B} at {high.contact_rate}%."
        )
    else:
        summary = f"{_period(days)}: no calls, so no contact rate."
    return {
        "path": " ".join(path),
        "points": points,
        "grid": _grid([0, 25, 50, 75, 100], 100, "%"),
        "x_labels": _x_labels(days),
        "summary": summary,
    }


def _calls_summary(days):
    calls = sum(day.calls for day in days)
    spoke = sum(day.spoke for day in days)
    return {"calls": calls, "spoke": spoke, "contact_rate": dashboard.percent(spoke, calls)}


@manager_required
def index(request):
    teams = list(Team.objects.order_by("name"))
    scope = _scope(request, teams)
    snapshot = dashboard.latest_snapshot()
    context = {
        "teams": teams,
        "scope": scope,
        "no_team": dashboard.NO_TEAM,
        "snapshot": snapshot,
        "call_days": dashboard.CALL_DAYS,
    }
    if snapshot is not None:
        cohorts = dashboard.cohort_lines(snapshot, scope)
        days = dashboard.call_days(snapshot, scope)
        context.update(
            cohorts=cohorts,
            cohort_table=dashboard.cohort_table(snapshot, scope, cohorts),
            calls=_calls_summary(days),
            calls_chart=calls_chart(days),
            rate_chart=contact_rate_chart(days),
            calls_table=dashboard.calls_table(snapshot, scope, days),
            escalations_table=dashboard.escalations_table(snapshot, scope),
            help_table=dashboard.help_table(snapshot, scope),
            arrears_table=dashboard.arrears_table(snapshot, scope),
            services_table=dashboard.services_table(snapshot, scope),
            chart={"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT},
            chart_base=HEIGHT - BOTTOM,
            chart_font=FONT,
            label_y=HEIGHT - BOTTOM + 20,
        )
    return render(request, "dashboard/index.html", context)


@manager_required
def table_csv(request, table):
    """One of the page's tables as CSV: the same figures for the same team, no personal data."""
    build = dashboard.TABLES.get(table)
    if build is None:
        raise Http404("No such table")
    scope = _scope(request, list(Team.objects.order_by("name")))
    snapshot = dashboard.latest_snapshot()
    if snapshot is None:
        raise Http404("The figures have not been worked out yet")
    stamp = timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d-%H%M")
    return csv_response(
        f"dashboard-{table}-{scope.slug}-{stamp}.csv", build(snapshot, scope).csv_rows()
    )


@require_POST
@manager_required
def refresh(request):
    """Work the figures out now, rather than waiting for the next 15-minute refresh."""
    snapshot = dashboard.dashboard_refresh()
    if snapshot is None:
        messages.info(
            request, "The figures are being worked out already. Reload the page in a minute."
        )
    else:
        when = timezone.localtime(snapshot.computed_at)
        messages.success(request, f"Figures refreshed: as of {when:%H:%M:%S}.")
    url = reverse("dashboard:index")
    team = request.POST.get("team", "")
    if team == dashboard.NO_TEAM.value or team.isdigit():  # back to the team shown
        url += "?" + urlencode({"team": team})
    return redirect(url)
