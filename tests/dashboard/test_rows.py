"""The list rows' dates, written without the date filter, read as the filter writes them."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template

from dashboard.templatetags.dashboard_rows import date


def filtered(value, format):
    return Template("{{ value|date:format }}").render(Context({"value": value, "format": format}))


@pytest.mark.parametrize(
    ("made", "day", "minute"),
    [
        # British Summer Time: the evening in UTC is the next day in London.
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "2 Jul 2026", "2 Jul 2026, 00:30"),
        # Greenwich Mean Time: London is UTC; a single-digit day, a morning hour.
        (datetime(2026, 12, 5, 7, 4, tzinfo=UTC), "5 Dec 2026", "5 Dec 2026, 07:04"),
    ],
)
def test_a_date_reads_as_the_date_filter_writes_it_in_london_time(made, day, minute):
    assert date(made, "j M Y") == filtered(made, "j M Y") == day
    assert date(made, "j M Y, H:i") == filtered(made, "j M Y, H:i") == minute


def test_no_date_is_empty_as_with_the_filter():
    assert date(None, "j M Y") == filtered(None, "j M Y") == ""
