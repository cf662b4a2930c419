"""Writes for support providers: who owns the relationship, contacts, and check-ins."""

from django.db import transaction
from django.utils import timezone

from .provider_models import (
    ProviderCheckIn,
    ProviderContact,
    ProviderOversight,
    Staffing,
    default_next_check_in,
)


@transaction.atomic
def provider_oversight_set(*, provider, team, cadence_days):
    """The team that owns the relationship with `provider` and how often it checks in."""
    oversight, created = ProviderOversight.objects.select_for_update().get_or_create(
        provider=provider,
        defaults={
            "team": team,
            "cadence_days": cadence_days,
            "next_check_in_on": timezone.localdate(),
        },
    )
    if not created:
        oversight.team, oversight.cadence_days = team, cadence_days
        oversight.save(update_fields=["team", "cadence_days"])
    return oversight


def provider_contact_add(*, provider, name, role="", phone="", email=""):
    contact = ProviderContact(provider=provider, name=name, role=role, phone=phone, email=email)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def provider_check_in_record(*, provider, by, staffing, notes="", next_check_in_on=None, now=None):
    """Record a check-in and the provider's staffing from now on. "Critical" puts the
    provider's tenants in the provider-critical campaign from the next queue build and shows
    the provider to managers; any other status ends that."""
    now = now or timezone.now()
    oversight = ProviderOversight.objects.select_for_update().get(provider=provider)
    next_check_in_on = next_check_in_on or default_next_check_in(
        timezone.localtime(now).date(), oversight.cadence_days
    )
    check_in = ProviderCheckIn.objects.create(
        provider=provider,
        team=oversight.team,
        staffing=staffing,
        next_check_in_on=next_check_in_on,
        notes=notes,
        by=by,
        at=now,
    )
    if oversight.staffing != staffing:
        oversight.staffing, oversight.staffing_since = staffing, now
    oversight.next_check_in_on = next_check_in_on
    oversight.save(update_fields=["staffing", "staffing_since", "next_check_in_on"])
    return check_in


__all__ = [
    "Staffing",
    "provider_check_in_record",
    "provider_contact_add",
    "provider_oversight_set",
]
