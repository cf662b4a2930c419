"""Helpers shared by the queue tests (split from test_queue.py along its sections)."""

import itertools
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connections
from django.urls import reverse

from config.dates import years_before
from tenants.models import Tenant
from tests.factories import TenantFactory
from welfare.cadence import call_tenants
from welfare.models import CallTask, Cohort

ROOT = Path(__file__).resolve().parent.parent.parent
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 6, 1)  # a Monday in British Summer Time
SERIAL = itertools.count()


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def contacted(days_ago, on=ON):
    return at(on - timedelta(days=days_ago))


def born_aged(years, on=ON, days_short=0):
    """A date of birth that makes the tenant `years` old on `on` (minus `days_short` days)."""
    return years_before(on, years) + timedelta(days=days_short)


def make_tenant(patch=None, **fields):
    """A tenant on the register since a year before ON, spoken to yesterday unless told."""
    fields.setdefault("last_contact_at", contacted(1))
    fields.setdefault("date_of_birth", born_aged(40))
    fields.setdefault("last_name", f"Surname{next(SERIAL)}")  # no O'Brien: pages escape quotes
    tenant = TenantFactory(patch=patch, **fields)
    tenant.created_at = at(ON - timedelta(days=365))
    Tenant.objects.filter(pk=tenant.pk).update(created_at=tenant.created_at)
    return tenant


def cadence(tenant, on=ON):
    return call_tenants().filter(pk=tenant.pk).with_cadence(on).get().call_cadence_days


def is_due(tenant, on=ON):
    return call_tenants().due_on(on).filter(pk=tenant.pk).exists()


def open_task(tenant):
    return CallTask.objects.open().get(tenant=tenant)


def set_cohort(code, **fields):
    """A manager's change to a cohort: saved, as the cohorts page saves it."""
    cohort = Cohort.objects.get(code=code)
    for name, value in fields.items():
        setattr(cohort, name, value)
    cohort.save()


def run_in_threads(count, work):
    """Run work(index) in `count` threads released together; each has its own connection."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def task_urls(task):
    return [
        ("get", reverse("welfare:task", args=[task.pk])),
        ("post", reverse("welfare:claim", args=[task.pk])),
        ("post", reverse("welfare:hand_back", args=[task.pk])),
    ]


def manager_urls(team, cohort):
    return [
        reverse("welfare:team", args=[team.pk]),
        reverse("welfare:no_team"),
        reverse("welfare:rebalance", args=[team.pk]),
        reverse("welfare:redeploy"),
        reverse("welfare:cohorts"),
        reverse("welfare:cohort_edit", args=[cohort.pk]),
    ]
