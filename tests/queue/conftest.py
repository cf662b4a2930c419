"""Fixtures shared by the queue tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    CallTaskFactory,
    load_default_cohorts,
)
from tests.queue.helpers import make_tenant


@pytest.fixture(autouse=True)
def cohorts(db):
    """The seeded defaults (a transactional test elsewhere may have emptied the table)."""
    load_default_cohorts()


@pytest.fixture
def queue_of(patch):
    """`n` open tasks in `patch`'s team, most overdue first."""

    def make(n):
        today = timezone.localdate()
        return [
            CallTaskFactory(
                tenant=make_tenant(patch, first_name=f"Tenant{i}", last_name=f"Number{i}"),
                due_on=today - timedelta(days=n - i),
            )
            for i in range(n)
        ]

    return make


@pytest.fixture
def task_in_team(patch):
    return CallTaskFactory(tenant=make_tenant(patch))
