"""Writes to the tenant register. Each is one transaction and records who changed what, and why."""

from django.db import transaction
from django.utils import timezone

from .models import FamilyContact, PhoneNumber, Tenant
from .signals import tenant_flags_changed

FLAG_FIELDS = [
    "self_isolating_from",
    "self_isolating_until",
    "in_hospital_until",
    "declined_calls_on",
    "deceased_reported_on",
    "interpreter_language",
    "communication_needs",
    "lives_alone",
    "lifeline",
]


@transaction.atomic
def tenant_update_flags(*, tenant: Tenant, user, reason: str, **values) -> Tenant:
    """Change the flags that change calls; the audit history keeps before, after, who and why."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    changed = [
        name for name in FLAG_FIELDS if name in values and getattr(tenant, name) != values[name]
    ]
    if not changed:
        return tenant
    for name in changed:
        setattr(tenant, name, values[name])
    tenant.full_clean()
    tenant._change_reason = reason
    tenant._history_user = user
    tenant.save(update_fields=[*changed, "updated_at"])
    # Welfare stops calls at once and sends a reported death to a manager (welfare/apps.py).
    tenant_flags_changed.send(sender=Tenant, tenant=tenant, changed=changed)
    return tenant


@transaction.atomic
def family_contact_save(*, tenant: Tenant, user, reason: str, contact=None, **values):
    """Add or change a family contact. Consent to wellbeing updates is dated when given."""
    contact = contact or FamilyContact(tenant=tenant)
    for name, value in values.items():
        setattr(contact, name, value)
    if not contact.consent_to_updates:
        contact.consent_given_on = None
    contact.full_clean()
    contact._change_reason = reason
    contact._history_user = user
    contact.save()
    return contact


@transaction.atomic
def phone_number_add(*, tenant, number, reason, by, now=None):
    """Record a number learned in the app; it stands until the file sends different numbers."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    row = PhoneNumber.objects.filter(tenant=tenant, number=number).first()
    row = row or PhoneNumber(tenant=tenant, number=number)
    row.source, row.status = PhoneNumber.Source.APP, PhoneNumber.Status.GOOD
    row.file_numbers = tenant.file_numbers_key()
    row.reason, row.by, row.at = reason, by, now or timezone.now()
    row._history_user = by  # the history says who, as for every other change
    row.save()
    return row


@transaction.atomic
def phone_number_mark(*, tenant, number, status, reason, by, now=None):
    """Mark one of the tenant's numbers good, wrong or dead (the history keeps each change)."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    in_file = str(number) in {str(n) for n in tenant.phones()}
    row = PhoneNumber.objects.filter(tenant=tenant, number=number).first()
    if row is None:
        row = PhoneNumber(
            tenant=tenant,
            number=number,
            source=PhoneNumber.Source.FILE if in_file else PhoneNumber.Source.APP,
            file_numbers=tenant.file_numbers_key(),
        )
    row.status, row.reason, row.by, row.at = status, reason, by, now or timezone.now()
    row._history_user = by
    row.save()
    return row
