"""Here to Help writes. Each is one transaction, and every change to a request leaves a line in
its notes history with who made it and when."""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from services import cache as public_cache
from tenants.postcodes import OUTWARD_CODE

from . import messages
from .models import (
    HelpRequest,
    Need,
    Organisation,
    OrganisationArea,
    OrganisationNeed,
    RequestNote,
    Signpost,
    target_due_at,
)


def _note(help_request, author, text, at=None):
    return RequestNote.objects.create(
        request=help_request, author=author, text=text, created_at=at or timezone.now()
    )


def _lock(help_request):
    # Every change to a request locks its row first: two officers resolving and signposting the
    # same request at once are applied one after the other, each seeing the other's status.
    return (
        HelpRequest.objects.select_for_update(of=("self",))
        .select_related("tenant", "owner")
        .get(pk=help_request.pk)
    )


def _require_open(help_request):
    if not help_request.is_open:
        raise ValidationError(
            f"This request is {help_request.get_status_display().lower()}: it cannot be changed."
        )


_RELATED = ["tenant", "team", "raised_by", "owner", "source_task", "arrears_considered_by"]


def request_raise(*, tenant, need, source, raised_by, notes="", source_task=None):
    """Raise a request for `tenant`, owned by the team of the tenant's patch, with its target.

    The call-logging work calls this once for each need ticked during a call, with
    source=HelpRequest.Source.WELFARE_CALL and the call task.
    """
    now = timezone.now()
    help_request = HelpRequest(
        tenant=tenant,
        need=need,
        source=source,
        team_id=tenant.patch.team_id if tenant.patch_id else None,
        raised_by=raised_by,
        raised_at=now,
        due_at=target_due_at(need, now),
        source_task=source_task,
    )
    # The related rows were just read by the caller, and the database checks its constraints:
    # validating here would ask for each of them again.
    help_request.full_clean(exclude=_RELATED, validate_constraints=False)
    text = _raised_note(source, notes)
    # Checked above, before any write; inside a call's transaction the writes are part of it.
    with transaction.atomic(savepoint=False):
        help_request.save()
        _note(help_request, raised_by, text, at=now)
        messages.request_received(help_request)  # sent by Celery after commit
    return help_request


def _raised_note(source, notes):
    text = f"Raised from a {HelpRequest.Source(source).label.lower()}."
    return f"{text}\n{notes.strip()}" if notes.strip() else text


# Staff pages are never cached, so the browser's Back fetches the raise form again, with a new
# form key: `submit_once` cannot know it was sent before (the browser refills what was typed).
RESENT_WITHIN = timedelta(hours=1)


@transaction.atomic
def request_raise_once(*, tenant, need, source, raised_by, notes=""):
    """Raise a request from the raise form, unless it is that form sent again: `raised_by`
    raised a request for `tenant` with these same details within the last hour and it is still
    open. Returns the request (the earlier one if so) and whether it was raised now."""
    earlier = (
        HelpRequest.objects.open()
        .filter(
            tenant=tenant,
            need=need,
            source=source,
            raised_by=raised_by,
            raised_at__gte=timezone.now() - RESENT_WITHIN,
            notes__author=raised_by,
            notes__text=_raised_note(source, notes),
        )
        .order_by("-raised_at")
        .first()
    )
    if earlier is not None:
        return earlier, False
    return request_raise(
        tenant=tenant, need=need, source=source, raised_by=raised_by, notes=notes
    ), True


@transaction.atomic
def request_take_ownership(*, help_request, user):
    """`user` takes the request on; a new request moves to in progress."""
    help_request = _lock(help_request)
    _require_open(help_request)
    if help_request.owner_id == user.pk:
        return help_request
    previous = help_request.owner
    help_request.owner = user
    if help_request.status == HelpRequest.Status.NEW:
        help_request.status = HelpRequest.Status.IN_PROGRESS
    help_request.save(update_fields=["owner", "status", "updated_at"])
    _note(help_request, user, f"Took ownership from {previous}." if previous else "Took ownership.")
    return help_request


@transaction.atomic
def request_release(*, help_request, user):
    """Give the request back to the team: unowned, anyone in the team can take it on."""
    help_request = _lock(help_request)
    _require_open(help_request)
    if help_request.owner_id is None:
        return help_request
    help_request.owner = None
    help_request.save(update_fields=["owner", "updated_at"])
    _note(help_request, user, "Gave the request back to the team.")
    return help_request


@transaction.atomic
def request_add_note(*, help_request, author, text):
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Enter a note"})
    return _note(help_request, author, text)


@transaction.atomic
def request_change_status(*, help_request, status, by, outcome="", note=""):
    """Move an open request to another status. Resolving needs an outcome, closing it as no
    longer needed a reason (both kept in `outcome`); a finished request cannot be changed.
    `note`, typed with the change, is added to the history before it, or not at all."""
    help_request = _lock(help_request)
    _require_open(help_request)
    outcome = outcome.strip()
    if status == help_request.status:
        raise ValidationError({"status": "The request already has this status"})
    previous = help_request.get_status_display().lower()
    help_request.status = status
    fields = ["status", "updated_at"]
    if status in HelpRequest.FINISHED_STATUSES:
        if not outcome:
            field = "outcome" if status == HelpRequest.Status.RESOLVED else "reason"
            raise ValidationError({field: f"Enter the {field}"})
        help_request.resolved_at = timezone.now()
        help_request.outcome = outcome
        fields += ["resolved_at", "outcome"]
    help_request.full_clean(exclude=["tenant", "team", "raised_by", "owner", "source_task"])
    help_request.save(update_fields=fields)
    if note.strip():
        _note(help_request, by, note.strip())
    text = f"Status changed from {previous} to {help_request.get_status_display().lower()}."
    if outcome:
        label = "Outcome" if status == HelpRequest.Status.RESOLVED else "Reason"
        text = f"{text}\n{label}: {outcome}"
    _note(help_request, by, text)
    if status == HelpRequest.Status.RESOLVED:
        messages.request_resolved(help_request)  # sent by Celery after commit
    return help_request


@transaction.atomic
def request_signpost(*, help_request, organisation, given_by, notes):
    """Record that the tenant was given `organisation`'s details, and move the request to
    referred. Only an entry the directory offers for this request may be used."""
    help_request = _lock(help_request)
    _require_open(help_request)
    notes = notes.strip()
    if not notes:
        raise ValidationError({"notes": "Enter what you gave the tenant"})
    # Checked again here, in the transaction: the entry may have closed, or passed its 90 days,
    # since the page offering it was loaded.
    if not Organisation.objects.offered_for(help_request).filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": f"{organisation} is no longer offered for this request"}
        )
    now = timezone.now()
    signpost = Signpost.objects.create(
        request=help_request,
        organisation=organisation,
        given_by=given_by,
        given_at=now,
        notes=notes,
    )
    if help_request.status != HelpRequest.Status.REFERRED:
        help_request.status = HelpRequest.Status.REFERRED
        help_request.save(update_fields=["status", "updated_at"])
    _note(help_request, given_by, f"Signposted to {organisation}.\n{notes}", at=now)
    return signpost


@transaction.atomic
def request_arrears_considered(*, help_request, by, reason):
    """An income officer decided a financial-difficulty request needs no arrears flag, and why:
    kept on the request (shown there) and in its notes. A decision already recorded stands; a
    flag can still be raised from the request afterwards."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Enter why no arrears flag is needed"})
    help_request = _lock(help_request)
    if help_request.need != Need.FINANCIAL:
        raise ValidationError("Only a financial-difficulty request asks for an arrears flag.")
    if help_request.arrears_considered_at is not None:
        return help_request
    help_request.arrears_considered_by = by
    help_request.arrears_considered_at = timezone.now()
    help_request.arrears_no_flag_reason = reason
    help_request.save(
        update_fields=["arrears_considered_by", "arrears_considered_at", "arrears_no_flag_reason"]
    )
    _note(help_request, by, f"No arrears flag needed: {reason}")
    return help_request


# The resource directory.


def parse_areas(text):
    """'pr1, PR2 fy8' -> ['FY8', 'PR1', 'PR2']; ValueError names the first code not valid."""
    codes = set()
    for code in re.split(r"[\s,;]+", text.upper()):
        if not code:
            continue
        if not OUTWARD_CODE.match(code):
            raise ValueError(code)
        codes.add(code)
    return sorted(codes)


ORGANISATION_FIELDS = [
    "name",
    "kind",
    "description",
    "covers_all_areas",
    "phone",
    "email",
    "website",
    "opening_notes",
    "temporarily_closed",
]


@transaction.atomic
def organisation_save(*, by, needs, areas, organisation=None, **values):
    """Add a directory entry or change one. A new entry counts as validated by whoever added it:
    they have just checked its details. Changing an entry does not validate it."""
    now = timezone.now()
    if organisation is None:
        organisation = Organisation(validated_at=now, validated_by=by, created_at=now)
    for name in ORGANISATION_FIELDS:
        if name in values:
            setattr(organisation, name, values[name])
    if not needs:
        raise ValidationError({"needs": "Select the needs the organisation meets"})
    if not organisation.covers_all_areas and not areas:
        raise ValidationError(
            {"areas": "Enter the postcode districts covered, or say it covers all areas"}
        )
    organisation.full_clean()
    organisation.save()
    organisation.needs.exclude(need__in=needs).delete()
    OrganisationNeed.objects.bulk_create(
        [OrganisationNeed(organisation=organisation, need=need) for need in needs],
        ignore_conflicts=True,
    )
    areas = [] if organisation.covers_all_areas else areas
    organisation.areas.exclude(outward_code__in=areas).delete()
    OrganisationArea.objects.bulk_create(
        [OrganisationArea(organisation=organisation, outward_code=code) for code in areas],
        ignore_conflicts=True,
    )
    # The help centre and the Open Referral feed show the change once it is committed.
    public_cache.invalidate_on_commit()
    return organisation


@transaction.atomic
def organisation_validate(*, organisation, by):
    """Someone checked the entry's details today: it is offered again for another 90 days."""
    organisation.validated_at = timezone.now()
    organisation.validated_by = by
    organisation.save(update_fields=["validated_at", "validated_by", "updated_at"])
    public_cache.invalidate_on_commit()
    return organisation
