from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import cache
from .models import Service, StatusChange
from .templatetags.service_status import govuk_datetime


@transaction.atomic
def status_change_create(*, service, status, message, user, effective_at=None):
    """Record a change to `service`, in force now or from `effective_at` (which must be future).

    Nothing applies a scheduled change later: the status is read from the history, and the public
    cache expires at the change's time (services/cache.py).
    """
    now = timezone.now()
    if effective_at is None:
        effective_at = now
    elif effective_at <= now:
        raise ValidationError({"effective_at": "The date and time must be in the future"})
    # Lock the service: two managers scheduling the same moment at once are told, not both kept.
    Service.objects.select_for_update().filter(pk=service.pk).first()
    clash = service.changes.filter(cancelled_at__isnull=True, effective_at=effective_at).first()
    if clash is not None:
        when = govuk_datetime(timezone.localtime(effective_at))
        raise ValidationError(
            {
                "effective_at": f"{service} already changes to {clash.get_status_display()} on "
                f"{when}. Cancel that change first (under Already scheduled), or choose another "
                "time"
            }
        )
    change = StatusChange(
        service=service,
        status=status,
        message=message.strip(),
        effective_at=effective_at,
        created_at=now,
        created_by=user,
    )
    change.full_clean()
    change.save()
    cache.invalidate_on_commit()
    return change


@transaction.atomic
def status_change_cancel(*, change, user):
    """Cancel a scheduled change before it takes effect; once in force it can only be replaced."""
    # Lock the row so two managers cancelling at once record one cancellation, not two.
    change = StatusChange.objects.select_for_update().get(pk=change.pk)
    now = timezone.now()
    refusal = change.cancel_refusal(now)
    if refusal is not None:
        raise ValidationError(refusal)
    change.cancelled_at = now
    change.cancelled_by = user
    change.save(update_fields=["cancelled_at", "cancelled_by"])
    cache.invalidate_on_commit()
    return change
