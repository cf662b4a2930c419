"""Date fields' examples are dates the field would take, worked out when the form is shown: a
fixed "For example, 27 3 2026" went by and then named a date the form refuses."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from arrears.forms import RaiseFlagForm, ReviewDateForm, SupportForm
from tenants.forms import TenantFlagsForm

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("now", "ahead", "back"),
    [
        (datetime(2026, 11, 30, 9, 0, tzinfo=LONDON), "7 12 2026", "23 11 2026"),
        (datetime(2027, 12, 28, 23, 30, tzinfo=LONDON), "4 1 2028", "21 12 2027"),
    ],
)
def test_each_hint_names_a_date_a_week_from_the_day_it_is_shown(now, ahead, back):
    with time_machine.travel(now, tick=False):
        assert str(ReviewDateForm().fields["review_date"].help_text) == (
            f"Usual arrears escalation is held until this date. For example, {ahead}"
        )
        assert str(RaiseFlagForm().fields["review_date"].help_text).endswith(
            f"For example, {ahead}"
        )
        assert str(SupportForm().fields["outcome_on"].help_text) == (
            f"Leave blank while waiting for an outcome. For example, {back}"
        )
        assert str(TenantFlagsForm().fields["self_isolating_from"].help_text) == (
            f"For example, {ahead}"
        )
