"""A team's queue page: the bulk actions (assign, unassign, move) come before the list of calls
in the same plain form, so a manager who ticks rows on a phone does not scroll past a page of
25 rows to act on them; the form still works without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallTaskFactory, OfficerFactory, TenantFactory
from welfare.models import CallTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_page(patch):
    today = timezone.localdate()
    return [
        CallTaskFactory(tenant=TenantFactory(patch=patch), due_on=today - timedelta(days=n))
        for n in range(30)
    ]


def test_the_actions_come_before_the_rows_in_one_form(manager_client, team, full_page):
    OfficerFactory(team=team)
    page = manager_client.get(reverse("welfare:team", args=[team.pk])).content.decode()
    form = re.search(r'<form method="post" novalidate>(.*?)</form>', page, re.S)[1]
    first_row = form.index('name="tasks"')
    for control in ('value="assign"', 'value="unassign"', 'value="move"', 'name="officer"',
                    'name="team"', 'name="all_matching"'):  # fmt: skip
        assert control in form and form.index(control) < first_row, control
    assert form.count('name="tasks"') == 25  # a full page of rows follows the actions


def test_ticked_rows_are_assigned_by_the_plain_form(manager_client, team, full_page):
    ravi = OfficerFactory(team=team)
    ticked = [full_page[0].pk, full_page[1].pk]
    manager_client.post(
        reverse("welfare:team", args=[team.pk]),
        {"tasks": ticked, "action": "assign", "officer": ravi.pk},
    )
    assert set(CallTask.objects.filter(assigned_to=ravi).values_list("pk", flat=True)) == set(
        ticked
    )
