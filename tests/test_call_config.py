"""The running campaigns and the cohorts each process keeps (welfare.call_config): a change shows
on the next call page, in this process at once and in another within a second."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from welfare import call_config
from welfare.campaign_models import Campaign
from welfare.models import Cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled():
    """Long after the last change: copies are kept."""
    with time_machine.travel(timezone.now() + timedelta(seconds=call_config.GRACE_SECONDS + 1)):
        yield


def running_names():
    return [c.name for c in call_config.running_campaigns(timezone.localdate())]


def test_a_copy_is_kept_once_settled(settled, django_assert_num_queries):
    names = running_names()
    with django_assert_num_queries(0):
        assert running_names() == names


def test_a_saved_campaign_shows_at_once_in_this_process(settled):
    running_names()
    programme = Campaign.objects.get(code=Campaign.PROGRAMME_CODE)
    programme.name = "Winter welfare calls"
    programme.save()
    assert "Winter welfare calls" in running_names()


def test_another_process_change_is_read_once_the_version_moves(settled, monkeypatch):
    monkeypatch.setattr(call_config, "LOCAL_SECONDS", 0)
    assert call_config.cohorts()["lifeline"].cadence_days != 3
    # Another process saves (its signal is not ours): the row, then the version with its time.
    Cohort.objects.filter(code="lifeline").update(cadence_days=3)
    assert call_config.cohorts()["lifeline"].cadence_days != 3  # this process's copy
    cache.set(call_config.VERSION_KEY, f"another:{timezone.now().timestamp()}", None)
    assert call_config.cohorts()["lifeline"].cadence_days == 3


def test_within_the_grace_after_a_change_the_rows_are_read_every_time(
    django_assert_num_queries,
):
    call_config.changed()
    call_config.active_cadences()
    with django_assert_num_queries(1):
        call_config.active_cadences()


def test_a_version_in_another_format_is_no_error(settled, django_assert_num_queries):
    cache.set(call_config.VERSION_KEY, "268d6041743144b581d078d1abd36b39", None)
    call_config.active_cadences()
    with django_assert_num_queries(0):
        call_config.active_cadences()
