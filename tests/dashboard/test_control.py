"""Issue 20 on the dashboard: counts that open their lists, the daily up-to-date record and its
90-day trend, teams side by side, and "Refresh now" as a Celery task."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dashboard.models import UpToDateDay
from dashboard.refresh import dashboard_refresh
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def aged(patch, days_since_contact):
    return TenantFactory(
        patch=patch,
        date_of_birth=date(1940, 3, 1),
        last_contact_at=timezone.now() - timedelta(days=days_since_contact),
    )


def test_the_overdue_count_opens_the_list_for_the_same_team(manager_client, patch):
    aged(patch, 20), aged(patch, 30), aged(patch, 2)
    dashboard_refresh()
    page = manager_client.get(reverse("dashboard:index") + f"?team={patch.team_id}")
    link = (
        reverse("dashboard:list", args=["tenants"])
        + f"?cohort=aged_70&amp;standing=overdue&amp;team={patch.team_id}"
    )
    assert f'href="{link}">2<' in page.content.decode()


def test_each_refresh_records_the_day_and_the_last_of_a_day_wins(patch):
    aged(patch, 20)
    dashboard_refresh()
    aged(patch, 2)
    dashboard_refresh()
    row = UpToDateDay.objects.get(cohort="aged_70")
    assert (row.day, row.team_id, row.tenants, row.up_to_date) == (
        timezone.localdate(),
        patch.team_id,
        2,
        1,
    )


def test_the_trend_shows_90_days_as_a_table_and_a_chart(manager_client, patch):
    start = datetime(2026, 5, 1, 12, 0, tzinfo=LONDON)
    with time_machine.travel(start, tick=False):
        aged(patch, 20)
        dashboard_refresh()  # 0% up to date (the tenant is overdue on 1 May)
    with time_machine.travel(start + timedelta(days=1), tick=False):
        aged(patch, 1)
        dashboard_refresh()  # 50%
        page = manager_client.get(reverse("dashboard:trend") + "?cohort=aged_70")
    html = page.content.decode()
    assert html.count('<tr class="govuk-table__row">') == 91  # header + 90 days
    assert "Sat 2 May 2026" in html and "Fri 1 May 2026" in html
    assert "50% up to date on 2 May; the lowest was 0% on 1 May" in html
    assert 'role="img"' in html


@pytest.mark.parametrize("days", [3, 30])
def test_the_trend_page_queries_do_not_grow(manager_client, patch, days, django_assert_num_queries):
    aged(patch, 20)
    for back in range(days):
        with time_machine.travel(timezone.now() - timedelta(days=back), tick=False):
            dashboard_refresh()
    # 3 (session, user, device) + teams + latest snapshot + the trend (one GROUP BY)
    # + 3 (session save)
    with django_assert_num_queries(9):
        assert manager_client.get(reverse("dashboard:trend")).status_code == 200


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?cohort=zzz", '<a href="#cohort">Cohort in the chart: Select a valid choice. zzz is'),
        ("?team=999999", '<a href="#team">Team: Select a valid choice. 999999 is not one'),
        ("?team=all&cohort=aged_70", '<a href="#team">Team: Select a valid choice. all is'),
    ],
)
def test_an_invalid_trend_filter_shows_its_error_and_no_figures(
    manager_client, patch, query, error, django_assert_num_queries
):
    """Never the first cohort's (or every team's) line passing for the one asked for."""
    aged(patch, 20)
    dashboard_refresh()
    # 3 (session, user, device) + teams + latest snapshot, and no trend; + 3 (session save)
    with django_assert_num_queries(8):
        response = manager_client.get(reverse("dashboard:trend") + query)
    html = response.content.decode()
    assert response.status_code == 400  # as every refused list (FilterForm.status_code)
    assert 'id="trend-refused"' in html and error in html
    assert "<title>Error: " in html
    assert 'id="trend-table"' not in html and 'role="img"' not in html
    assert 'id="trend-none"' in html


def test_the_trend_keeps_a_valid_team_and_cohort_chosen(manager_client, patch):
    aged(patch, 20)
    dashboard_refresh()
    html = manager_client.get(
        reverse("dashboard:trend"), {"team": patch.team_id, "cohort": "aged_70"}
    ).content.decode()
    assert 'id="trend-refused"' not in html and 'id="trend-table"' in html
    assert f'<option value="{patch.team_id}" selected>' in html
    assert '<option value="aged_70" selected>' in html


def test_teams_side_by_side(manager_client, patch, other_patch):
    aged(patch, 20), aged(patch, 2), aged(other_patch, 2)
    dashboard_refresh()
    html = manager_client.get(reverse("dashboard:teams")).content.decode()
    row = html.split("Aged 70+: up to date (%)</th>")[1].split("</tr>")[0]
    assert re.findall(r">(\d+|–)<", row) == ["50", "100", "–"]  # North, South, No team


def test_refresh_now_queues_the_task_and_says_newer_figures_are_coming(
    manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = manager_client.post(reverse("dashboard:refresh"), follow=True)
    assert len(queued) == 1  # the Celery task, sent once the request's work is committed
    html = response.content.decode()
    assert "The figures are being worked out again" in html
    assert 'id="refresh-pending"' in html
    dashboard_refresh()  # what the worker does
    html = manager_client.get(reverse("dashboard:index")).content.decode()
    assert 'id="refresh-pending"' not in html and "Figures as of" in html


def test_officers_are_refused(officer_client):
    for name in ["dashboard:trend", "dashboard:teams", "dashboard:workload"]:
        assert officer_client.get(reverse(name)).status_code == 403


def test_the_dashboard_counts_escalations_past_their_age_target(manager_client, patch):
    from welfare.models import Escalation

    for days in (10, 0):
        Escalation.objects.create(
            tenant=TenantFactory(patch=patch),
            team=patch.team,
            reason="wrong_number",
            opened_at=timezone.now() - timedelta(days=days),
        )
    dashboard_refresh()
    html = manager_client.get(reverse("dashboard:index")).content.decode()
    assert "Escalations past their age target: 1<" in html


def test_arrears_counts_open_the_arrears_list_for_the_same_team(manager_client, patch):
    dashboard_refresh()
    html = manager_client.get(reverse("dashboard:index")).content.decode()
    assert 'href="/arrears/?reason=furlough&amp;status=closed&amp;team="' in html
    html = manager_client.get(reverse("dashboard:index") + f"?team={patch.team_id}").content
    assert f"/arrears/?reason=furlough&amp;status=closed&amp;team={patch.team_id}".encode() in html
