"""What follows at once from a change to a tenant's flags on their record (tenants.signals
`tenant_flags_changed`, connected in welfare/apps.py): their open calls close or one opens, and a
reported death goes to a manager."""

from django.db import transaction
from django.utils import timezone

from here_to_help.models import HelpRequest

from .cadence import call_tenants, not_eligible_reason
from .call_models import Escalation
from .models import CallTask
from .queue_now import call_task_open_for

# The flags whose change can make a tenant callable today: a decline cleared, a hospital stay
# or a death report ended or withdrawn, or isolation (the unwell cohort, due every 7 days).
# Any other flag (communication needs, an interpreter...) waits for the next morning's build.
MAY_OPEN_A_CALL = {
    "declined_calls_on",
    "in_hospital_until",
    "deceased_reported_on",
    "self_isolating_from",
    "self_isolating_until",
}


@transaction.atomic
def calls_follow_flags(*, tenant, changed, now=None):
    """After a tenant's flags change on their record: close open call tasks if the tenant can
    no longer be called today, or, for a change that can make them callable (MAY_OPEN_A_CALL),
    open one now if they are due, as the morning's build would, with its "We'll call you
    today" message (not at the next build); ask a manager to confirm a reported death."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if call_tenants().eligible_for_calls(today).filter(pk=tenant.pk).exists():
        if MAY_OPEN_A_CALL & set(changed):
            call_task_open_for(tenant_id=tenant.pk, on=today, now=now)
    else:
        reason = {
            "deceased": CallTask.ClosedReason.DECEASED,
            "reported_deceased": CallTask.ClosedReason.DECEASED,
            "declined": CallTask.ClosedReason.DECLINED,
            "in_hospital": CallTask.ClosedReason.IN_HOSPITAL,
        }.get(not_eligible_reason(tenant, today), CallTask.ClosedReason.NOT_ELIGIBLE)
        CallTask.objects.open().filter(tenant=tenant).update(
            status=CallTask.Status.CLOSED,
            closed_reason=reason,
            closed_at=now,
            claimed_by=None,
            claimed_at=None,
        )
    if "deceased_reported_on" in changed and tenant.deceased_reported_on and not tenant.deceased_on:
        HelpRequest.objects.filter(tenant=tenant, status__in=HelpRequest.OPEN_STATUSES).update(
            status=HelpRequest.Status.CLOSED,
            resolved_at=now,
            outcome="Closed: the tenant was reported deceased.",
        )
        Escalation.objects.get_or_create(
            tenant=tenant,
            status=Escalation.Status.OPEN,
            defaults={
                "team_id": tenant.patch.team_id if tenant.patch_id else None,
                "reason": Escalation.Reason.DECEASED,
                "opened_at": now,
            },
        )
