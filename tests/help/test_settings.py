"""Here to Help settings managers change in the app (issue 20): targets per need and the
directory's validation period, with their history."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from here_to_help.models import (
    HelpSettings,
    Need,
    directory_valid_days,
    target_due_at,
    target_working_days,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def form_data(**changes):
    data = {f"target_{need.value}": target_working_days(need.value) for need in Need}
    data["directory_valid_days"] = directory_valid_days()
    return {**data, **changes}


def test_a_manager_changes_a_target_and_new_requests_follow(manager_client, manager):
    raised = datetime(2026, 6, 1, 10, 0, tzinfo=LONDON)  # a Monday
    assert target_due_at(Need.BENEFITS, raised).date().isoformat() == "2026-06-08"
    response = manager_client.post(
        reverse("help:settings"), form_data(target_benefits="2"), follow=True
    )
    page = response.content.decode()
    assert "New requests&#x27; targets follow at once" in page
    assert target_working_days(Need.BENEFITS) == 2
    assert target_due_at(Need.BENEFITS, raised).date().isoformat() == "2026-06-03"
    assert "Benefits advice 2" in page and escape(str(manager)) in page
    assert HelpSettings.history.get().history_user == manager


def test_the_directory_period_is_a_setting(manager_client):
    manager_client.post(reverse("help:settings"), form_data(directory_valid_days="30"))
    assert directory_valid_days() == 30


def test_out_of_range_is_refused_and_what_was_typed_is_shown(manager_client):
    response = manager_client.post(
        reverse("help:settings"), form_data(target_food="0", directory_valid_days="400")
    )
    page = response.content.decode()
    assert "Enter a number from 1 to 30" in page and 'value="0"' in page
    assert "Enter a number from 7 to 365" in page and 'value="400"' in page
    assert not HelpSettings.objects.exists()


def test_officers_are_refused(officer_client):
    assert officer_client.get(reverse("help:settings")).status_code == 403
    assert officer_client.post(reverse("help:settings"), form_data()).status_code == 403


@time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=LONDON), tick=False)
def test_defaults_until_a_manager_saves(settings):
    settings.HELP_TARGET_WORKING_DAYS = {"benefits": 3}
    assert target_working_days(Need.FOOD) == 1
    assert target_working_days(Need.BENEFITS) == 3
    assert directory_valid_days() == 90
