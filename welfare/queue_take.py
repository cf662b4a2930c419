""" "Take next call" as an officer presses it: the call they still hold, or the next one."""

from django.db import transaction

from config.locks import advisory_xact_lock

from . import call_actions, provider_selectors, selectors


def take_next_unless_held(*, user, exclude=None, check_ins=True, now=None):
    """The call (with `check_ins`, or the check-in) `user` still holds, other than `exclude`,
    as `(it, True)`; otherwise the next call or check-in claimed for them
    (`call_actions.work_take_next`, None when nothing is waiting), as `(it, False)`.

    The check and the claim run in one transaction under a lock of the officer's own, so two
    presses at once (two tabs, a double click) are served one after the other and the second
    finds the call the first claimed. Checked before the claim without the lock, both found
    none held: the officer got two calls, or the second press gave back the call the first
    had just given them, while they were on it."""
    # savepoint=False: inside a transaction already (a test's), join it rather than add two
    # statements a press; the lock is then held until that transaction ends.
    with transaction.atomic(savepoint=False):
        advisory_xact_lock(f"welfare.take_next.{user.pk}", wait=True)
        held = selectors.my_held_task(user, exclude=exclude, now=now)
        if held is None and check_ins:
            held = provider_selectors.my_held_check_in(user)
        if held is not None:
            return held, True
        return call_actions.work_take_next(user=user, now=now), False
