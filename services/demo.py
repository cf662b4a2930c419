"""The service-status register's part in `seed_demo` (in dashboard/management/commands/)."""

from django.db import transaction
from django.db.models import Count

from . import cache
from .models import Service, StatusChange


@transaction.atomic
def service_list_date(*, at):
    """Date the service list's load (the data migration's changes) at `at`, the demo's first day.

    `make run` migrates just before it seeds, so the list was loaded at the real time, after the
    days the demo then plays in the past: every service's history began with a change dated today
    that replaced all its played changes, and the public page showed every service as changed
    today. Only a service whose one change is still the loaded one is moved: a history that
    managers have added to is never rewritten.
    """
    untouched = Service.objects.annotate(changes_made=Count("changes")).filter(changes_made=1)
    moved = StatusChange.objects.filter(
        service__in=untouched, created_by__isnull=True, effective_at__gt=at
    ).update(effective_at=at, created_at=at)
    if moved:
        cache.invalidate_on_commit()
    return moved
