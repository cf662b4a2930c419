"""Dates every app counts the same way: working days in England, and ages in whole years."""

from datetime import date

import holidays
from dateutil.relativedelta import relativedelta

# Offline data; the years are worked out as they are first asked for.
ENGLAND = holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England bank holiday (substitute days included)."""
    return ENGLAND.is_working_day(day)


def add_working_days(day: date, count: int) -> date:
    """The `count`th working day after `day`; `day` itself need not be a working day."""
    return ENGLAND.get_nth_working_day(day, count)


def years_before(on: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year."""
    return on - relativedelta(years=years)


def age_on(born: date, on: date) -> int:
    """Whole years from `born` to `on`: as `years_before`, someone born on 29 February turns a
    year older on 1 March in a common year (not on 28 February, as relativedelta(on, born)
    would have it), so an age and the cohort rule built on `years_before` never disagree."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
