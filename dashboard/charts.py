"""The dashboard's SVG charts, drawn on the server from the figures of the table beneath each:
the table is the primary view, the chart an extra for those who would rather look than read."""

from .tables import percent

# Chart geometry, in SVG user units (the SVG scales to its container).
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 34
FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"


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


def percent_line(days, value_of):
    """An SVG path through each day's percentage (`value_of(day)`), and its points; a day
    with no value (None) leaves a gap."""
    path, points, previous = [], [], None
    for index, day in enumerate(days):
        value = value_of(day)
        if value is None:
            previous = None
            continue
        x, slot = _plot_x(index, len(days))
        x, y = _n(x + slot / 2), _n(_plot_y(value, 100))
        path.append(f"{'L' if previous is not None else 'M'}{x} {y}")
        points.append({"x": x, "y": y})
        previous = index
    return path, points


def percent_chart(days, path, points, summary):
    """A 0-100% line chart's drawing: the line, its points, the grid, the days and a summary."""
    return {
        "path": " ".join(path),
        "points": points,
        "grid": _grid([0, 25, 50, 75, 100], 100, "%"),
        "x_labels": _x_labels(days),
        "summary": summary,
    }


def contact_rate_chart(days):
    """A line through each day's contact rate; days with no calls leave a gap."""
    path, points = percent_line(days, lambda day: day.contact_rate)
    rated = [day for day in days if day.contact_rate is not None]
    calls = sum(day.calls for day in days)
    if rated:
        low = min(rated, key=lambda d: d.contact_rate)
        high = max(rated, key=lambda d: d.contact_rate)
        summary = (
            f"{_period(days)}: {percent(sum(d.spoke for d in days), calls)}%"
            f" of calls reached the tenant. The lowest day was {low.day:%A %-d %B} at "
            f"{low.contact_rate}%, the highest {high.day:%A %-d %B} at {high.contact_rate}%."
        )
    else:
        summary = f"{_period(days)}: no calls, so no contact rate."
    return percent_chart(days, path, points, summary)
