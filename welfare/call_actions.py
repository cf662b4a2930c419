"""Logging a welfare call and what follows from it (DOMAIN.md: The call; Retries and escalation).

`call_log` is the one write behind the call form. It is one transaction: the call, the task,
the tenant and any Here to Help requests all change together or not at all.
"""

import hashlib
import json
from datetime import datetime, time

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from config.dates import add_working_days
from config.locks import advisory_xact_lock
from here_to_help.actions import request_raise
from here_to_help.models import HelpRequest
from tenants.actions import phone_number_mark
from tenants.models import PhoneNumber, Tenant

from . import message_hooks
from .actions import call_task_claim_next, take_next_in_one
from .call_drafts import call_drafts_drop
from .call_models import Call, CallNote, Escalation, EscalationAction, QueueGap
from .campaign_actions import campaign_calls_record
from .campaign_rules import due_in_any
from .models import CallTask, claim_cutoff
from .provider_actions import check_in_task_claim_next, check_in_tasks_release

ATTEMPTS_BEFORE_ESCALATION = 3
QUEUE_CHECK_LOCK = 0x77656C6667617073  # "welfgaps": any fixed number no other job uses
HISTORY_REASON = "welfare call"


class CallRefused(Exception):
    """The call cannot be logged against this task; the message says why, in plain words."""


def next_working_day_start(now):
    """Midnight (Europe/London) at the start of the next working day after `now`."""
    london = timezone.get_default_timezone()
    today = timezone.localtime(now, london).date()
    return timezone.make_aware(datetime.combine(add_working_days(today, 1), time.min), london)


class CallConflict(CallRefused):
    """What was sent is not what was recorded: the form's key was used for a call with other
    content (an amendment after Back), or the task was finished by an earlier call. `call` is
    the call as it was recorded, to show the officer beside what they typed."""

    def __init__(self, message, call):
        super().__init__(message)
        self.call = call


def call_digest(content):
    """A fingerprint of what a call form said (`call_log`'s content): equal for a resubmission,
    different for an amendment."""
    family, call_back, until = (
        content["family_contact"],
        content["call_back_at"],
        content["in_hospital_until"],
    )
    fingerprint = [
        content["outcome"],
        content["wellbeing"] or "",
        [answer or "" for answer in content["answers"]],
        sorted(content["needs"]),
        getattr(family, "pk", family),
        call_back.isoformat() if call_back else None,
        until.isoformat() if until else None,
        (content["notes"] or "").strip(),
    ]
    if content.get("discharge_date_not_known"):  # only then: earlier calls' digests stand
        fingerprint.append("discharge date not known")
    return hashlib.sha256(json.dumps(fingerprint).encode()).hexdigest()


@transaction.atomic
def call_log(
    *,
    task,
    officer,
    outcome,
    idempotency_key,
    wellbeing="",
    answers=(),
    needs=(),
    family_contact=None,
    call_back_at=None,
    in_hospital_until=None,
    discharge_date_not_known=False,
    number_dialled=None,
    notes="",
    campaigns=(),
    campaign_answers=None,
    new_attempt=False,
    now=None,
):
    """Record one call on a task the officer holds, and apply its outcome.

    The same `idempotency_key` with the same content (a double click, a resubmitted form)
    returns the call already recorded, with `replayed` set, and changes nothing. The same key
    with other content, or a task an earlier call finished, raises `CallConflict` with the
    recorded call: nothing is recorded and nothing is overwritten. `new_attempt` (the officer
    chose "Record it as a new attempt" after that) takes the task again if no one else holds
    it. A task closed otherwise, or whose claim lapsed or passed to someone else, is refused
    with `CallRefused`.

    A wrong or dead number marks `number_dialled` (the number the call page showed) wrong: it
    must still be one of the tenant's numbers to dial, or the call is refused. With another
    number left to dial, the task stays open and held by the officer, to dial it now; with none
    (or none posted: the one to dial now is never guessed, so none is marked) it escalates. The
    number is not in the content a resubmission is compared by: a resubmission is found by its
    key before the number is checked (the first submission's mark took it off the numbers to
    dial)."""
    now = now or timezone.now()
    content = {
        "outcome": outcome,
        "wellbeing": wellbeing if outcome == Call.Outcome.SPOKE else "",
        "answers": list(answers) if outcome == Call.Outcome.SPOKE else [],
        "needs": list(needs) if outcome == Call.Outcome.SPOKE else [],
        "family_contact": family_contact,
        "call_back_at": call_back_at if outcome == Call.Outcome.CALL_BACK else None,
        "in_hospital_until": in_hospital_until if outcome == Call.Outcome.IN_HOSPITAL else None,
        "discharge_date_not_known": bool(
            discharge_date_not_known and outcome == Call.Outcome.IN_HOSPITAL
        ),
        "notes": notes,
    }
    digest = call_digest(content)
    # The task's row lock orders two submissions of one form: the second finds the first's call.
    # The tenant's row is locked with it (and read with its patch, for the outcome, and team, for
    # the banner: who picks up the requests raised), the patch is not: calls to a patch's
    # tenants never wait for each other.
    task = (
        CallTask.objects.select_for_update(of=("self", "tenant"))
        .select_related("tenant__patch__team")
        .get(pk=task.pk)
    )
    existing = Call.objects.select_related("officer").filter(idempotency_key=idempotency_key)
    existing = existing.first()
    if existing is not None:
        if existing.content_digest in ("", digest):
            existing.replayed = True
            existing.raised_requests = requests_raised_by(existing)
            return existing
        raise CallConflict("This call was already recorded with different details.", existing)
    if not task.is_open:
        last = task.calls.select_related("officer").first()
        if last is not None:
            raise CallConflict("This call was already recorded.", last)
        raise CallRefused("This call is no longer open, so it was not recorded.")
    if new_attempt and not (task.claim_active(now) and task.claimed_by_id != officer.pk):
        task.claimed_by, task.claimed_at = officer, now
    if not task.is_claimed_by(officer, now):
        if task.claim_active(now):
            raise CallRefused(f"{task.claimed_by} has taken this call, so yours was not recorded.")
        raise CallRefused(
            "Your hold on this call ran out, so it was not recorded. Take the call again to "
            "record it."
        )
    if family_contact is not None and not (
        family_contact.tenant_id == task.tenant_id and family_contact.consent_to_updates
    ):
        raise CallRefused("That family contact has not consented to wellbeing updates.")
    tenant = task.tenant  # locked above
    dialled = _number_dialled(tenant, outcome, number_dialled)
    today = timezone.localtime(now).date()
    call = Call.objects.create(
        task=task,
        tenant=tenant,
        officer=officer,
        made_at=now,
        made_on=today,
        outcome=outcome,
        wellbeing=content["wellbeing"],
        answers=content["answers"],
        call_back_at=content["call_back_at"],
        in_hospital_until=content["in_hospital_until"],
        discharge_date_not_known=content["discharge_date_not_known"],
        family_updated=family_contact,
        notes=notes,
        idempotency_key=idempotency_key,
        content_digest=digest,
    )
    campaign_calls_record(
        call=call, campaigns=campaigns, answers=campaign_answers or {}, today=today
    )
    call.replayed = False
    call.number_marked = None
    if dialled is not None:
        call.number_marked = _mark_wrong(tenant, dialled, officer, now)
    call.raised_requests = _apply_outcome(call, task, tenant, officer, now, today, content["needs"])
    # What was kept while the officer left the page mid-call is recorded now; a finished call's
    # drafts (anyone's) are never shown again.
    call_drafts_drop(task=task, officer=officer if task.is_open else None)
    message_hooks.after_call(call, tenant)  # queued now, sent by Celery after commit
    return call


def requests_raised_by(call, with_owner=False):
    """The Here to Help requests `call` raised; with `with_owner`, their status and owner."""
    if call.outcome != Call.Outcome.SPOKE:
        return []
    requests = (
        HelpRequest.objects.filter(
            source_task_id=call.task_id,
            source=HelpRequest.Source.WELFARE_CALL,
            raised_by_id=call.officer_id,
        )
        .select_related(*(["owner"] if with_owner else []))
        .order_by("id")
    )
    if not with_owner:
        requests = requests.only("need", "due_at")
    return list(requests)


@transaction.atomic
def call_add_note(*, call, text, by, idempotency_key, now=None):
    """Add a note to a recorded call (what the officer typed for an amendment that came after
    the call was recorded). Sending the same form again adds it once."""
    note, _ = CallNote.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={"call": call, "text": text.strip(), "by": by, "at": now or timezone.now()},
    )
    return note


def _release(task):
    task.claimed_by = None
    task.claimed_at = None


def _close(task, reason, now):
    task.status = CallTask.Status.CLOSED
    task.closed_reason = reason
    task.closed_at = now
    _release(task)


def _save_tenant(tenant, officer, fields, reason=HISTORY_REASON):
    tenant._history_user = officer
    tenant._change_reason = reason
    tenant.save(update_fields=[*fields, "updated_at"])


def _apply_outcome(call, task, tenant, officer, now, today, needs):
    """Apply the call's outcome to its task and tenant; returns the requests it raised."""
    outcome = call.outcome
    raised = []
    if outcome == Call.Outcome.SPOKE:
        task.status = CallTask.Status.DONE
        task.closed_at = now
        task.last_wellbeing = call.wellbeing
        _release(task)
        # last_contact_at is not in the audited fields: the calls are its history.
        Tenant.objects.filter(pk=tenant.pk).update(last_contact_at=now)
        raised = [
            request_raise(
                tenant=tenant,
                need=need,
                source=HelpRequest.Source.WELFARE_CALL,
                raised_by=officer,
                source_task=task,
                notes=call.notes,
            )
            for need in needs
        ]
    elif outcome in Call.FAILED:
        days = (
            Call.objects.filter(task=task, outcome__in=Call.FAILED)
            .values("made_on")
            .distinct()
            .count()
        )
        task.attempts = days
        _release(task)
        if days >= ATTEMPTS_BEFORE_ESCALATION:
            _escalate(task, Escalation.Reason.FAILED_ATTEMPTS, now)
        else:
            task.available_from = next_working_day_start(now)
    elif outcome == Call.Outcome.WRONG_NUMBER:
        if call.number_marked is not None and tenant.numbers_to_dial():
            # Another number to try: the officer dials it now, on the same call (DOMAIN.md: a
            # wrong number escalates only when nothing is left to try). Not a failed attempt;
            # the hold starts again, from this call (`call_lapse` compares calls with it).
            task.claimed_at = now
        else:
            _release(task)
            _escalate(task, Escalation.Reason.WRONG_NUMBER, now)
    elif outcome == Call.Outcome.CALL_BACK:
        # Held for the time the tenant asked, for the same officer.
        task.available_from = call.call_back_at
        task.assigned_to = officer
        _release(task)
    elif outcome == Call.Outcome.DECLINED:
        tenant.declined_calls_on = today
        _save_tenant(tenant, officer, ["declined_calls_on"])
        _close(task, CallTask.ClosedReason.DECLINED, now)
    elif outcome == Call.Outcome.IN_HOSPITAL:
        tenant.in_hospital_until = call.in_hospital_until
        # The record's history shows the date; it says when the date is ours, not the tenant's.
        reason = HISTORY_REASON
        if call.discharge_date_not_known:
            # (At most 100 characters: simple-history's column.)
            reason += (
                f": discharge date not known, we call again on {call.in_hospital_until:%-d %B %Y}"
                " to ask"
            )
        _save_tenant(tenant, officer, ["in_hospital_until"], reason)
        _close(task, CallTask.ClosedReason.IN_HOSPITAL, now)
    elif outcome == Call.Outcome.DECEASED:
        tenant.deceased_reported_on = today
        _save_tenant(tenant, officer, ["deceased_reported_on"])
        CallTask.objects.open().filter(tenant=tenant).exclude(pk=task.pk).update(
            status=CallTask.Status.CLOSED,
            closed_reason=CallTask.ClosedReason.DECEASED,
            closed_at=now,
            claimed_by=None,
            claimed_at=None,
        )
        HelpRequest.objects.filter(tenant=tenant, status__in=HelpRequest.OPEN_STATUSES).update(
            status=HelpRequest.Status.CLOSED,
            resolved_at=now,
            outcome="Closed: the tenant was reported deceased on a welfare call.",
        )
        _escalate(task, Escalation.Reason.DECEASED, now)
    task.save()
    return raised


def _number_dialled(tenant, outcome, number):
    """The number to mark wrong for a wrong or dead number: the one the call page showed and
    posted, checked against the tenant's numbers to dial as they are now (the tenant's row is
    locked). A number no longer among them (marked or replaced by someone else meanwhile, or
    never the tenant's) is refused, never marked; none posted marks none. It is never worked
    out here: the only number to dial now may be one the officer never saw."""
    if outcome != Call.Outcome.WRONG_NUMBER or number is None:
        return None
    for candidate in tenant.numbers_to_dial():
        if str(candidate) == str(number):
            return candidate
    shown = getattr(to_python(number), "as_national", number)
    raise CallRefused(
        f"{tenant.full_name}'s numbers changed while the call page was open: {shown} is no "
        "longer one to dial, so the call was not recorded and no number was marked. Check the "
        "numbers and save the call again."
    )


def _mark_wrong(tenant, number, officer, now):
    """Mark the number dialled wrong, so no one dials it again (the officer tries the next
    number, or an escalation looks for another way). Returns the marked `PhoneNumber`."""
    return phone_number_mark(
        tenant=tenant,
        number=number,
        status=PhoneNumber.Status.WRONG,
        reason=f"Welfare call on {timezone.localtime(now):%-d %B %Y}: wrong or dead number",
        by=officer,
        now=now,
    )


def _escalate(task, reason, now):
    """Close the task and open an escalation, so the tenant stays in front of a manager."""
    _close(task, CallTask.ClosedReason.ESCALATED, now)
    escalation, _ = Escalation.objects.get_or_create(
        tenant_id=task.tenant_id,
        status=Escalation.Status.OPEN,
        defaults={"task": task, "team_id": task.team_id, "reason": reason, "opened_at": now},
    )
    return escalation


@transaction.atomic
def escalation_record_action(*, escalation, kind, notes, by, now=None):
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        raise CallRefused("This escalation is closed.")
    return EscalationAction.objects.create(
        escalation=escalation, kind=kind, notes=notes, by=by, at=now or timezone.now()
    )


@transaction.atomic
def escalation_close(
    *, escalation, result, by, contacted=False, death_confirmed=None, now=None, requeue=True
):
    """Close an escalation with its result (never without one). A due tenant with a number to
    dial is put in today's queue at once (`requeue`; a visit's card left makes its own retry).

    `contacted`: the tenant was reached (by family, a visit...): counts as a successful contact.
    `death_confirmed` (deceased escalations): True records the death; False clears the report
    and the tenant is called again.
    """
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update().select_related("tenant").get(pk=escalation.pk)
    )
    if not escalation.is_open:
        raise CallRefused("This escalation is already closed.")
    if not result.strip():
        raise CallRefused("Enter the result before closing the escalation.")
    tenant = Tenant.objects.select_for_update().get(pk=escalation.tenant_id)
    if escalation.reason == Escalation.Reason.DECEASED:
        if death_confirmed is None:
            raise CallRefused("Say whether the death is confirmed.")
        if death_confirmed:
            tenant.deceased_on = tenant.deceased_reported_on or timezone.localtime(now).date()
        else:
            tenant.deceased_reported_on = None
        _save_tenant(tenant, by, ["deceased_on", "deceased_reported_on"])
    if contacted:
        Tenant.objects.filter(pk=tenant.pk).update(last_contact_at=now)
    escalation.status = Escalation.Status.CLOSED
    escalation.result = result.strip()
    escalation.closed_at = now
    escalation.closed_by = by
    escalation.save()
    if death_confirmed is False:
        # The report was wrong: a due tenant is called today, not after the next morning's build
        # (as when the report is cleared on their record). Imported here: flag_actions uses this
        # module's neighbours.
        from .flag_actions import calls_follow_flags

        calls_follow_flags(tenant=tenant, changed=["deceased_reported_on"], now=now)
    elif requeue and not escalation.visits.filter(outcome="moved").exists():
        # (A visit found the tenant has moved: the tenancy ends, nobody is called or texted.)
        from .queue_now import call_back_after_escalation

        escalation.call_opened = call_back_after_escalation(tenant=tenant, now=now)
    return escalation


@transaction.atomic
def queue_check(*, on=None, now=None):
    """Find every eligible, due tenant with neither an open call task nor an open escalation,
    and record them for managers. Set-based; safe to run twice on a day. Gaps found earlier
    that are now covered are marked resolved."""
    now = now or timezone.now()
    on = on or timezone.localtime(now).date()
    # Two workers running the check at once: the second waits, then finds nothing new.
    advisory_xact_lock(QUEUE_CHECK_LOCK, wait=True)
    open_task = CallTask.objects.open().filter(tenant=OuterRef("pk"))
    open_escalation = Escalation.objects.filter(
        tenant=OuterRef("pk"), status=Escalation.Status.OPEN
    )
    # A tenant added to the register today joins the queue at the next morning's build: not
    # missing yet.
    start_of_day = timezone.make_aware(datetime.combine(on, time.min))
    missing = due_in_any(on).filter(
        ~Exists(open_task), ~Exists(open_escalation), created_at__lt=start_of_day
    )
    ids = list(missing.values_list("pk", flat=True))
    QueueGap.objects.bulk_create(
        [QueueGap(tenant_id=pk, found_on=on) for pk in ids], ignore_conflicts=True
    )
    QueueGap.objects.filter(resolved_at__isnull=True).exclude(
        tenant_id__in=missing.values("pk")
    ).update(resolved_at=now)
    return len(ids)


@transaction.atomic
def call_take_next(*, user, now=None):
    """ "Take next call": claim the top call `user` may take, then give back any other call they
    hold, so it goes back to colleagues at once instead of after CALL_CLAIM_MINUTES. With no
    other call waiting, the call they hold is theirs again."""
    now = now or timezone.now()
    task = call_task_claim_next(user=user, now=now)
    held = CallTask.objects.open().filter(claimed_by=user, claimed_at__gte=claim_cutoff(now))
    if task is None:
        return held.order_by("-claimed_at").first()
    held.exclude(pk=task.pk).update(claimed_by=None, claimed_at=None)
    return task


def work_take_next(*, user, now=None):
    """ "Take next call" over the whole team queue: a provider check-in due comes before the
    calls (one conversation covers every tenant the provider supports, and a check-in left
    behind the calls could wait for weeks), then the next call (`call_take_next`). Whatever
    else the officer held goes back to colleagues at once. Returns a `CallTask`, a
    `ProviderCheckInTask` or None."""
    now = now or timezone.now()
    if (task := take_next_in_one(user=user, now=now)) is not None:
        return task
    check_in = check_in_task_claim_next(user=user, now=now)
    if check_in is not None:
        CallTask.objects.open().filter(claimed_by=user).update(claimed_by=None, claimed_at=None)
        check_in_tasks_release(user=user, keep=check_in)
        return check_in
    task = call_take_next(user=user, now=now)
    if task is not None:
        check_in_tasks_release(user=user)
    return task
