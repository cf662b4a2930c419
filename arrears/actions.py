"""Writes for arrears. Each is one transaction and records who did what; flags and support keep
an audit history (simple_history), review dates a history of their own with the reason."""

import logging
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.locks import advisory_xact_lock
from tenants.models import Tenant

from .models import ArrearsFlag, ReviewChange, SupportOffer

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key for the morning reviews job: a fixed number no other job uses
# ("arrearsr"; the call queue has "welfareq").
REVIEWS_LOCK_KEY = 0x6172726561727372


def _status_for(review_date, on):
    due = review_date is not None and review_date <= on
    return ArrearsFlag.Status.REVIEW_DUE if due else ArrearsFlag.Status.OPEN


@transaction.atomic
def flag_raise(
    *,
    tenant: Tenant,
    user,
    reason: str,
    reported_on: date,
    review_date: date,
    details: str = "",
    help_request=None,
) -> ArrearsFlag:
    """Raise a flag: the amended procedure applies from now, escalation held to `review_date`.

    The review date is required, from every caller: without one escalation is held with no
    end and the review never comes due. A tenant has one flag open at a time; raising a second
    is refused.
    """
    if review_date is None:
        raise ValidationError(
            {"review_date": "Enter the review date: usual arrears escalation is held until then"}
        )
    today = timezone.localdate()
    flag = ArrearsFlag(
        tenant=tenant,
        reason=reason,
        reported_on=reported_on,
        details=details,
        review_date=review_date,
        help_request=help_request,
        raised_by=user,
        status=_status_for(review_date, today),
    )
    if flag.status == ArrearsFlag.Status.REVIEW_DUE:
        flag.review_due_since = today
    flag.full_clean()
    flag._history_user = user
    flag._change_reason = "Flag raised"
    try:
        # A savepoint, so a lost race leaves the outer transaction usable for the error page.
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        # Two people raising at once: the partial unique constraint lets one through.
        raise ValidationError(f"{tenant.full_name} already has an open arrears flag") from None
    ReviewChange.objects.create(
        flag=flag,
        old_date=None,
        new_date=review_date,
        reason="Set when the flag was raised",
        changed_by=user,
    )
    return flag


@transaction.atomic
def flag_set_review_date(*, flag: ArrearsFlag, user, review_date: date, reason: str) -> ArrearsFlag:
    """Set or extend the review date, with the reason; escalation stays held until then."""
    flag = ArrearsFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.is_closed:
        raise ValidationError("This flag is closed: its review date cannot change")
    today = timezone.localdate()
    old = flag.review_date
    flag.review_date = review_date
    flag.status = _status_for(review_date, today)
    if flag.status == ArrearsFlag.Status.OPEN:
        flag.review_due_since = None
    elif flag.review_due_since is None:
        flag.review_due_since = today
    flag.full_clean()
    flag._history_user = user
    flag._change_reason = reason[:100]
    flag.save(update_fields=["review_date", "status", "review_due_since"])
    ReviewChange.objects.create(
        flag=flag, old_date=old, new_date=review_date, reason=reason, changed_by=user
    )
    return flag


@transaction.atomic
def flag_close(*, flag: ArrearsFlag, user, closed_on: date, reason: str) -> ArrearsFlag:
    """Close a flag: the tenant is back on the usual arrears procedure, or needs no more help."""
    flag = ArrearsFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.is_closed:
        return flag
    flag.status = ArrearsFlag.Status.CLOSED
    flag.closed_on = closed_on
    flag.closed_reason = reason
    flag.full_clean()
    flag._history_user = user
    flag._change_reason = reason[:100]
    flag.save(update_fields=["status", "closed_on", "closed_reason"])
    return flag


@transaction.atomic
def support_record(
    *,
    flag: ArrearsFlag,
    user,
    kind: str,
    offered_on: date,
    agency: str = "",
    weekly_amount: Decimal | None = None,
    notes: str = "",
    outcome: str = SupportOffer.Outcome.PENDING,
    outcome_on: date | None = None,
    outcome_notes: str = "",
) -> SupportOffer:
    """Record support offered under a flag, and its outcome if it is already known."""
    if flag.is_closed:
        raise ValidationError("This flag is closed: reopen work under a new flag")
    offer = SupportOffer(
        flag=flag,
        kind=kind,
        agency=agency if kind == SupportOffer.Kind.EXTERNAL_AGENCY else "",
        offered_on=offered_on,
        weekly_amount=weekly_amount if kind == SupportOffer.Kind.PAYMENT_ARRANGEMENT else None,
        notes=notes,
        outcome=outcome,
        outcome_on=outcome_on,
        outcome_notes=outcome_notes,
        recorded_by=user,
    )
    offer.full_clean()
    offer._history_user = user
    offer._change_reason = "Support recorded"
    offer.save()
    return offer


@transaction.atomic
def support_set_outcome(
    *, offer: SupportOffer, user, outcome: str, outcome_on: date | None, outcome_notes: str = ""
) -> SupportOffer:
    """Record what came of support offered (agreed, declined, not eligible, completed)."""
    offer = SupportOffer.objects.select_for_update().get(pk=offer.pk)
    offer.outcome = outcome
    offer.outcome_on = outcome_on
    offer.outcome_notes = outcome_notes
    offer.full_clean()
    offer._history_user = user
    offer._change_reason = "Outcome recorded"
    offer.save(update_fields=["outcome", "outcome_on", "outcome_notes"])
    return offer


@dataclass
class ReviewsDueResult:
    on: date
    marked_due: int = 0  # flags whose review date came: now status "review due"
    reopened: int = 0  # "review due" flags whose date has since moved on: back to open
    due: int = 0  # every flag due a review on `on`, marked today or before
    skipped: bool = False

    def as_dict(self):
        return {**asdict(self), "on": self.on.isoformat()}


def mark_reviews_due(*, on: date | None = None) -> ReviewsDueResult:
    """The morning job: flags whose review date has come are marked "review due" from `on`.

    Set-based, two UPDATEs. Safe to run any number of times: a second run finds nothing to
    change. Under a transaction-level advisory lock, so two workers at once do it once.
    """
    on = on or timezone.localdate()
    with transaction.atomic():
        if not advisory_xact_lock(REVIEWS_LOCK_KEY):
            logger.info("Arrears reviews for %s skipped: another run is going", on)
            return ReviewsDueResult(on=on, skipped=True)
        flags = ArrearsFlag.objects
        result = ReviewsDueResult(on=on)
        # Plain UPDATEs write no simple_history rows: the status is derived from the review
        # date, whose every change is in ReviewChange, so history would add nothing.
        result.marked_due = flags.filter(
            status=ArrearsFlag.Status.OPEN, review_date__lte=on
        ).update(status=ArrearsFlag.Status.REVIEW_DUE, review_due_since=on)
        result.reopened = flags.filter(
            status=ArrearsFlag.Status.REVIEW_DUE, review_date__gt=on
        ).update(status=ArrearsFlag.Status.OPEN, review_due_since=None)
        result.due = flags.due_for_review(on).count()
    logger.info("Arrears reviews due on %s: %s", on, result)
    return result
