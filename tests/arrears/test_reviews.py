"""The morning reviews job.

Part of the arrears tests, split from test_arrears.py along its sections."""

from datetime import timedelta

import psycopg
import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from arrears.actions import REVIEWS_LOCK_KEY, mark_reviews_due
from arrears.models import ArrearsFlag
from conftest import sign_in
from tests.arrears.helpers import text_of
from tests.factories import (
    ArrearsFlagFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db


class TestReviewsDue:
    def test_flags_whose_review_date_has_come_are_marked_due(self, tenant, outsider, patch):
        today = timezone.localdate()
        due = ArrearsFlagFactory(tenant=tenant, review_date=today)
        overdue = ArrearsFlagFactory(tenant=outsider, review_date=today - timedelta(days=3))
        later = ArrearsFlagFactory(
            tenant=TenantFactory(patch=patch), review_date=today + timedelta(days=1)
        )
        unset = ArrearsFlagFactory(tenant=TenantFactory(patch=patch))
        closed = ArrearsFlagFactory(
            tenant=TenantFactory(patch=patch),
            review_date=today,
            status="closed",
            closed_on=today,
        )

        result = mark_reviews_due(on=today)

        assert (result.marked_due, result.due) == (2, 2)
        statuses = dict(ArrearsFlag.objects.values_list("pk", "status"))
        assert statuses == {
            due.pk: "review_due",
            overdue.pk: "review_due",
            later.pk: "open",
            unset.pk: "open",
            closed.pk: "closed",
        }
        assert ArrearsFlag.objects.get(pk=overdue.pk).review_due_since == today

    def test_a_second_run_changes_nothing(self, flag):
        flag.review_date = timezone.localdate()
        flag.save()
        mark_reviews_due()

        second = mark_reviews_due()

        assert (second.marked_due, second.reopened, second.due) == (0, 0, 1)

    def test_a_flag_whose_date_moved_on_goes_back_to_open(self, flag):
        flag.status = "review_due"
        flag.review_date = timezone.localdate() + timedelta(days=5)
        flag.save()

        assert mark_reviews_due().reopened == 1
        flag.refresh_from_db()
        assert flag.status == "open"

    def test_a_run_while_another_holds_the_lock_skips(self, flag):
        flag.review_date = timezone.localdate()
        flag.save()
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [REVIEWS_LOCK_KEY])

            result = mark_reviews_due()

        assert result.skipped
        flag.refresh_from_db()
        assert flag.status == "open"

    def test_the_job_runs_each_morning_at_half_past_six(self):
        from config.celery_app import app

        entry = app.conf.beat_schedule["arrears-mark-reviews-due"]
        assert entry["task"] == "arrears.mark_reviews_due"
        assert entry["schedule"] == crontab(hour=6, minute=30)
        assert app.conf.timezone == "Europe/London"

    def test_home_page_lists_reviews_due_for_the_team(
        self, client, income_officer, tenant, outsider
    ):
        ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())
        ArrearsFlagFactory(tenant=outsider, review_date=timezone.localdate())
        mark_reviews_due()

        page = text_of(sign_in(client, income_officer).get("/"))

        assert "1 arrears review due" in page
        assert "Margaret Holt (PHG-0900101)" in page
        assert "Nowak" not in page

    def test_home_page_counts_open_flags_with_no_review_date(
        self, client, income_officer, tenant, outsider
    ):
        # Raised before a review date was required: they never come due by themselves.
        ArrearsFlagFactory(tenant=tenant, review_date=None)
        ArrearsFlagFactory(tenant=outsider, review_date=None)

        page = text_of(sign_in(client, income_officer).get("/"))

        undated = page.split('id="reviews-undated"')[1].split("</p>")[0]
        assert "1 open flag has no review date" in undated
        assert 'href="/arrears/?review=none">Set their review dates' in undated
        assert "No arrears reviews due" in page
        listed = text_of(client.get("/arrears/?review=none"))
        assert "PHG-0900101" in listed and "PHG-0900103" not in listed

    def test_officers_home_page_has_no_arrears_panel(self, officer_client, tenant):
        ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())

        page = text_of(officer_client.get("/"))

        assert "arrears" not in page.lower()


@pytest.mark.django_db(transaction=True)
def test_the_reviews_job_runs_on_a_real_worker(celery_worker_process, patch):
    from arrears.tasks import mark_reviews_due_task

    today = timezone.localdate()
    flag = ArrearsFlagFactory(tenant=TenantFactory(patch=patch), review_date=today)

    result = mark_reviews_due_task.delay(today.isoformat()).get(timeout=30)

    assert result == {
        "on": today.isoformat(),
        "marked_due": 1,
        "reopened": 0,
        "due": 1,
        "skipped": False,
    }
    flag.refresh_from_db()
    assert (flag.status, flag.review_due_since) == ("review_due", today)
    # Run again, as a second beat or a retry would: nothing changes.
    again = mark_reviews_due_task.delay(today.isoformat()).get(timeout=30)
    assert again["marked_due"] == 0
