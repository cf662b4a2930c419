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


class EmailChangedMeanwhile(Exception):
    """The tenant's email is no longer the one the officer's page showed: someone changed it
    since. Nothing is changed; `email`, `by` and `at` say what it is now, and who set it when."""

    def __init__(self, *, email, by, at):
        super().__init__(email)
        self.email, self.by, self.at = email, by, at


@transaction.atomic
def tenant_email_set(*, tenant, email, shown, reason, by) -> bool:
    """Add, change or remove (`email` blank) the tenant's email address, as an officer learned
    it. `shown` is the address the officer's page showed: if it has changed since, nothing is
    changed (EmailChangedMeanwhile). False if the address is already `email` (the same form
    sent twice). The file's address at the time is kept (`Tenant.email_in_file`), so a
    re-import of the same file does not undo this; the history keeps who and why."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.email == email:
        return False
    if tenant.email != shown:
        last = tenant.history.select_related("history_user").first()
        raise EmailChangedMeanwhile(
            email=tenant.email, by=last and last.history_user, at=last and last.history_date
        )
    in_file = tenant.email if tenant.email_in_file is None else tenant.email_in_file
    tenant.email = email
    # Back to the file's own address: the file's again, which a re-import may change.
    tenant.email_in_file = None if email == in_file else in_file
    tenant.full_clean()
    tenant._change_reason = reason
    tenant._history_user = by
    tenant.save(update_fields=["email", "email_in_file", "updated_at"])
    return True
