"""A call form sent after the officer's hold on the call ran out, or after the call was logged
from another tab (DOMAIN.md: The call). A long call outlasts the 30-minute hold (and the session:
accounts.kept_post keeps the form through sign-in), so the form says which hold it was typed
under (`held_since`, the hold's `claimed_at` when the page was shown) and what happened since
decides: nothing, and the call is saved as if the hold were still the officer's; a call logged
since, or someone else holding it, and the officer is shown that beside what they typed."""

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .call_actions import CallConflict, CallRefused, call_log
from .call_models import Call
from .models import CallTask


class CallTakenMeanwhile(CallRefused):
    """Someone else took the call after the officer's hold ran out, and has logged nothing:
    `task.claimed_by` holds it (or held it last), since `task.claimed_at`."""

    def __init__(self, task):
        super().__init__(f"{task.claimed_by} has taken this call, so yours was not recorded.")
        self.task = task


def held_since_from(value):
    """The `held_since` a form sent, or None (a form from before it was sent, or tampered)."""
    try:
        parsed = parse_datetime(value or "")
    except ValueError:
        return None
    return parsed if parsed is not None and timezone.is_aware(parsed) else None


def call_log_from_form(*, task, officer, held_since, idempotency_key, new_attempt=False, **call):
    """`call_log` for the call form: first, under the task's lock, what happened since the form
    was shown. A call logged on the task since `held_since` (from another tab, or by a colleague)
    raises `CallConflict` with it; a colleague who took the call raises `CallTakenMeanwhile`;
    otherwise a lapsed hold is taken again for the officer, in the same transaction as the call.

    A form whose key is already recorded goes straight to `call_log` (a replay stays a replay, and
    never takes the call again), as does "Record it as a new attempt" (`call_log` has its rule).
    """
    call.update(officer=officer, idempotency_key=idempotency_key, new_attempt=new_attempt)
    call["now"] = call.get("now") or timezone.now()
    # Still held (as read, unlocked): the everyday case, straight to `call_log`, which locks the
    # task and checks the hold again. A call logged since releases the hold, so it is not missed.
    if new_attempt or task.is_claimed_by(officer, call["now"]):
        return call_log(task=task, **call)
    with transaction.atomic():
        # Locked as `call_log` locks it (task, then tenant), so two sends of one form wait in
        # turn and the second finds the first's call by its key.
        locked = (
            CallTask.objects.select_for_update(of=("self", "tenant"))
            .select_related("tenant", "claimed_by")
            .get(pk=task.pk)
        )
        if locked.is_open and not Call.objects.filter(idempotency_key=idempotency_key).exists():
            _take_back_if_untouched(locked, officer, held_since, call["now"])
        return call_log(task=task, **call)


def _take_back_if_untouched(task, officer, held_since, now):
    mine = task.claimed_by_id == officer.pk
    # A form from before `held_since` was sent: the hold it was typed under, if still the last.
    since = held_since or (task.claimed_at if mine else None)
    if since is not None:
        recorded = task.calls.select_related("officer").filter(made_at__gt=since).first()
        if recorded is not None:
            raise CallConflict("This call was already recorded.", recorded)
    if task.is_claimed_by(officer, now):
        return
    if task.claimed_by_id is not None and not mine:
        raise CallTakenMeanwhile(task)
    if since is None:
        return  # what happened meanwhile is not known: `call_log` refuses, the form is kept
    task.claimed_by, task.claimed_at = officer, now
    task.save(update_fields=["claimed_by", "claimed_at"])
