"""The queue table's "why now" names the cohort in words, each fact once (issue 14, item 9),
with as many queries for a page of 3 calls as for a page of 25."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallTaskFactory
from tests.queue.helpers import born_aged, cadence, make_tenant
from welfare import actions

pytestmark = pytest.mark.django_db


def queued(patch, days_overdue=3, **fields):
    today = timezone.localdate()
    tenant = make_tenant(patch, **fields)
    return CallTaskFactory(
        tenant=tenant,
        due_on=today - timedelta(days=days_overdue),
        cadence_days=cadence(tenant, today),  # as the build would rank it
        aged_70=tenant.date_of_birth <= born_aged(70, today),
    )


def why(page, task):
    """The text of the Why cell in the row of `task`'s tenant."""
    row = page.split(f'href="{reverse("welfare:task", args=[task.pk])}"', 1)[1]
    return (
        row.split('<td class="govuk-table__cell app-queue-table__why">', 1)[1]
        .split("</td>", 1)[0]
        .strip()
    )


def test_a_lifeline_customer_is_named_with_the_cadence(officer_client, patch):
    task = queued(patch, lifeline=True)
    page = officer_client.get(reverse("welfare:queue")).content.decode()
    assert why(page, task) == "Lifeline customer - due every 28 days - overdue 3 days"


def test_a_tag_is_not_repeated(officer_client, patch):
    today = timezone.localdate()
    task = queued(patch, days_overdue=0, lifeline=True, date_of_birth=born_aged(75, today))
    page = officer_client.get(reverse("welfare:queue")).content.decode()
    text = why(page, task)
    assert text == "Aged 70+ - Lifeline customer - due every 14 days - due today"
    assert text.lower().count("70+") == 1


def test_everyone_else_says_so(officer_client, patch):
    task = queued(patch, days_overdue=99)
    page = officer_client.get(reverse("welfare:queue")).content.decode()
    assert why(page, task) == "Everyone else - due every 90 days - overdue 99 days"


def test_my_calls_have_the_cohort_too(officer_client, officer, patch):
    task = queued(patch, lifeline=True)
    actions.call_task_claim(task=task, user=officer)
    page = officer_client.get(reverse("welfare:queue")).content.decode()
    mine = page.split('id="mine"', 1)[1].split("</table>", 1)[0]
    assert "Lifeline customer - due every 28 days - overdue 3 days" in mine


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_page_takes_as_many_queries_at_any_size(
    officer_client, officer, patch, size, django_assert_num_queries
):
    tasks = [queued(patch, lifeline=i % 2 == 0, days_overdue=i) for i in range(size)]
    actions.call_task_claim(task=tasks[-1], user=officer)
    # As tests/queue/test_pages.py counts it: the cohorts and cadence of the page's tenants
    # (one query, by the due rule), the cohorts' cadences and names (one each, the process's
    # copies read on its first page), the running campaigns (4, the process's copy), and the
    # call-backs due (one).
    with django_assert_num_queries(19):
        assert officer_client.get(reverse("welfare:queue")).status_code == 200


def test_the_queue_csv_says_why_in_the_same_words(manager_client, team, patch):
    queued(patch, lifeline=True)
    response = manager_client.get(reverse("welfare:team_csv", args=[team.pk]))
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert "Lifeline customer - due every 28 days - overdue 3 days" in rows[1]
