"""The record's answer to "how do we reach this tenant?" when the call queue cannot: the open
escalation (a manager's: "No number to dial", a wrong number, failed attempts) and the open
doorstep visit, with who has each. A tenant with no number to dial is never given to an
officer as a call (welfare.no_number): without this the record said only "No open call"."""

from tenants.models import PhoneNumber

from .call_models import Escalation
from .visit_models import Visit


def tenant_reach_context(tenant, numbers):
    """`numbers`: the tenant's `contact_numbers()`, already read for the record. Two queries.

    Keys start with `call_`, as the rest of the record's welfare section."""
    return {
        "call_no_number": not any(n.status == PhoneNumber.Status.GOOD for n in numbers),
        "call_escalation": Escalation.objects.filter(
            tenant_id=tenant.pk, status=Escalation.Status.OPEN
        )
        .select_related("team", "owner")
        .first(),
        "call_visit": Visit.objects.open()
        .filter(tenant_id=tenant.pk)
        .select_related("team", "officer")
        .first(),
    }
