"""The 90-day trend of "up to date %" per cohort and team (issue 20): each refresh records the
day's figures from its snapshot (`record_up_to_date_day`); the trend page reads them back, one
query, and draws a line as a server-rendered SVG beside the table."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum

from .models import CohortFigure, UpToDateDay

TREND_DAYS = 90


def record_up_to_date_day(snapshot):
    """The snapshot's cohort figures, per team, as the record of its day (replacing any
    earlier refresh of the same day). Runs inside the refresh's transaction."""
    UpToDateDay.objects.filter(day=snapshot.as_of).delete()
    rows = (
        CohortFigure.objects.filter(snapshot=snapshot)
        .values("team", "cohort")
        .annotate(n=Sum("tenants"), ok=Sum("up_to_date"))
        .order_by()
    )
    UpToDateDay.objects.bulk_create(
        UpToDateDay(
            day=snapshot.as_of,
            team_id=r["team"],
            cohort=r["cohort"],
            tenants=r["n"],
            up_to_date=r["ok"],
        )
        for r in rows
    )


@dataclass
class TrendDay:
    day: object
    percents: dict  # cohort code -> whole percent (rounded down), or None

    def percent(self, code):
        return self.percents.get(code)

    @property
    def cells(self):
        return list(self.percents.values())


def trend_days(scope, cohorts, last_day):
    """One entry per day of the last TREND_DAYS up to `last_day`, oldest first."""
    first = last_day - timedelta(days=TREND_DAYS - 1)
    sums = {}
    for r in (
        scope.filter(UpToDateDay.objects.filter(day__gte=first, day__lte=last_day))
        .values("day", "cohort")
        .annotate(n=Sum("tenants"), ok=Sum("up_to_date"))
        .order_by()
    ):
        sums[r["day"], r["cohort"]] = r["ok"] * 100 // r["n"] if r["n"] else None
    return [
        TrendDay(
            day,
            {c["code"]: sums.get((day, c["code"])) for c in cohorts},
        )
        for day in (first + timedelta(days=i) for i in range(TREND_DAYS))
    ]


def trend_chart(days, code):
    """A line through each day's "up to date %" for one cohort; days not recorded leave a gap."""
    from .charts import _period, percent_chart, percent_line

    path, points = percent_line(days, lambda day: day.percent(code))
    known = [(day, day.percent(code)) for day in days if day.percent(code) is not None]
    if known:
        low = min(known, key=lambda item: item[1])
        summary = (
            f"{_period(days)}: {known[-1][1]}% up to date on {known[-1][0].day:%-d %B}; "
            f"the lowest was {low[1]}% on {low[0].day:%-d %B}."
        )
    else:
        summary = f"{_period(days)}: no figures recorded yet."
    return percent_chart(days, path, points, summary)
