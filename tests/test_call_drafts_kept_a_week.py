"""What an officer typed on a call they never finished (`CallDraft`) is deleted by a daily job
a week after it was last kept; a younger draft stays, even when the hold on its call lapsed."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone

from tests.factories import CallTaskFactory, OfficerFactory, TenantFactory
from tests.lock_support import lock_held_elsewhere
from welfare.call_drafts import (
    DISCARD_LOCK,
    DRAFTS_KEPT,
    call_draft_for,
    call_draft_keep,
    call_drafts_discard_stale,
)
from welfare.call_models import CallDraft
from welfare.tasks import discard_stale_drafts_task

pytestmark = pytest.mark.django_db

TYPED = {"outcome": ["spoke"], "notes": ["Asked us to call her daughter next time"]}


def draft(patch, officer, *, age, now):
    """A draft last kept `age` before `now`, on a call whose hold lapsed long ago."""
    task = CallTaskFactory(
        tenant=TenantFactory(patch=patch), claimed_by=officer, claimed_at=now - age
    )
    return call_draft_keep(task=task, officer=officer, data=TYPED, now=now - age)


def test_drafts_older_than_a_week_go_and_younger_ones_stay(patch, officer):
    now = timezone.now()
    old = draft(patch, officer, age=DRAFTS_KEPT + timedelta(minutes=1), now=now)
    older = draft(patch, OfficerFactory(team=officer.team), age=timedelta(days=40), now=now)
    # The hold on this call lapsed days ago: the officer may still take it again.
    young = draft(patch, officer, age=DRAFTS_KEPT - timedelta(minutes=1), now=now)
    today = draft(patch, officer, age=timedelta(0), now=now)

    assert call_drafts_discard_stale(now=now) == 2
    assert not CallDraft.objects.filter(pk__in=[old.pk, older.pk]).exists()
    assert set(CallDraft.objects.values_list("pk", flat=True)) == {young.pk, today.pk}
    # Back on the call, the officer's draft is there to fill the form in again.
    assert call_draft_for(task=young.task, officer=officer).data == TYPED


def test_a_draft_kept_again_counts_its_week_from_then(patch, officer):
    now = timezone.now()
    kept = draft(patch, officer, age=timedelta(days=10), now=now)
    call_draft_keep(task=kept.task, officer=officer, data=TYPED, now=now - timedelta(days=1))
    assert call_drafts_discard_stale(now=now) == 0
    assert CallDraft.objects.filter(pk=kept.pk).exists()


def test_a_second_run_the_same_day_deletes_nothing_more(patch, officer, django_assert_num_queries):
    now = timezone.now()
    draft(patch, officer, age=timedelta(days=8), now=now)
    young = draft(patch, officer, age=timedelta(days=2), now=now)
    # The lock, and one DELETE (with the savepoint around them).
    with django_assert_num_queries(4):
        assert call_drafts_discard_stale(now=now) == 1
    assert call_drafts_discard_stale(now=now + timedelta(hours=1)) == 0
    assert list(CallDraft.objects.values_list("pk", flat=True)) == [young.pk]


@pytest.mark.django_db(transaction=True)
def test_a_second_run_at_the_same_time_skips():
    with lock_held_elsewhere(DISCARD_LOCK):
        assert call_drafts_discard_stale() is None


def test_the_job_is_on_the_beat_schedule_each_night(db):
    from config.celery_app import app

    entry = app.conf.beat_schedule["welfare-discard-stale-drafts"]
    assert entry["task"] == "welfare.discard_stale_drafts"
    assert entry["schedule"] == crontab(hour=3, minute=40)
    assert entry["task"] == discard_stale_drafts_task.name
    assert discard_stale_drafts_task() == {"deleted": 0}
