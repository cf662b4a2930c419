"""Writes for the call queue: claiming, handing back and cohort cadences. (The daily build
itself is `welfare.queue`; managers' assigning, moving and redeployments are in
`welfare.control_actions`.)"""

import weakref
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .call_drafts import call_drafts_drop
from .models import RANK_SQL, Call, CallTask, claim_cutoff

# A claim is a compare-and-set: it only succeeds if the task is still claimable when written,
# so two officers can never both hold one, whatever the database.
CLAIM_TRIES = 5
# An officer who hands a call back (the line busy, or they must leave it) is given other calls
# first for this long: pressing "Take next call" straight after must not give the same call
# back because it tops the queue. Colleagues take it in its place meanwhile; with nothing else
# to take, the officer gets it again. (The hand-back banner says "for the next hour".)
HANDED_BACK_FOR = timedelta(hours=1)


def _claim(pk, user, now):
    return (
        CallTask.objects.claimable(now).filter(pk=pk).update(claimed_by=user, claimed_at=now) == 1
    )


def call_task_claim_next(*, user, now=None):
    """Claim the top task `user` may take from their team's queue (tasks a manager assigned to
    them first, then unassigned ones in rank order); None when nothing is waiting.

    On PostgreSQL this is one statement (`CLAIM_NEXT_SQL`). Rows are locked with SKIP LOCKED,
    so officers pressing "Take next call" together each get a different task without waiting
    for one another, and the queue is read in parts that each have their own partial index, so
    a claim never steps over the tasks other officers hold or the retries not yet due."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return next(iter(CallTask.objects.raw(CLAIM_NEXT_SQL, _params(user, now))), None)
    claimable = CallTask.objects.claimable(now).filter(team_id=user.team_id)
    late_call_back = Call.objects.filter(
        task=OuterRef("pk"), outcome=Call.Outcome.CALL_BACK, call_back_at=OuterRef("available_from")
    )
    parts = (
        claimable.filter(assigned_to=user),
        claimable.filter(Exists(late_call_back), available_from__lte=now - CALL_BACK_GRACE),
        claimable.filter(assigned_to__isnull=True),
    )
    handed_back = Q(handed_back_by=user, handed_back_at__gte=now - HANDED_BACK_FOR)
    # The calls the officer has just handed back last, in the same order (as _HANDED_BACK).
    for candidates in [part.exclude(handed_back) for part in parts] + [
        part.filter(handed_back) for part in parts
    ]:
        for _ in range(CLAIM_TRIES):
            with transaction.atomic():
                task = _top(candidates)
                if task is None:
                    break
                if _claim(task.pk, user, now):
                    task.claimed_by, task.claimed_at = user, now
                    return task
    return None


def _params(user, now):
    return {
        "team": user.team_id,
        "user": user.pk,
        "now": now,
        "cutoff": claim_cutoff(now),
        "late": now - CALL_BACK_GRACE,
        "since": now - HANDED_BACK_FOR,
    }


def _part(condition):
    """The top unlocked task of the waiting part of a team's queue, read in rank order from its
    own index (the first row it can lock is the one)."""
    return (
        "SELECT id, due_on, risk_score FROM welfare_calltask"  # noqa: S608 (fixed conditions)
        f" WHERE status = 'open' AND team_id = %(team)s AND {condition}"
        f" ORDER BY {RANK_SQL} LIMIT 1 FOR UPDATE SKIP LOCKED"
    )


def _small_part(condition):
    """The top unlocked task of a part of a team's queue that holds few of its tasks (the
    officer's own, retries, lapsed claims, late call-backs): the part's tasks found first,
    through their own index, then ranked and locked. Written as `id = ANY (ARRAY (...))` so that
    no plan can instead walk the team's whole queue in rank order looking for them: a plan
    made without the parameters' values (the statement is prepared: `take_next_in_one`)
    cannot know how many of them are due, and one that guessed "a third" took 30-110 ms a
    press on a team's queue of 48,000 with retries not yet due."""
    return _part(
        "id = ANY (ARRAY (SELECT id FROM welfare_calltask WHERE status = 'open'"  # noqa: S608
        f" AND team_id = %(team)s AND {condition})) AND {condition}"
    )


_AVAILABLE = "(available_from IS NULL OR available_from <= %(now)s)"
_UNHELD = "(claimed_by_id IS NULL OR claimed_at < %(cutoff)s)"
# Not a call this officer handed back within HANDED_BACK_FOR (those are _HANDED_BACK's).
_NOT_HANDED_BACK = "(handed_back_by_id IS DISTINCT FROM %(user)s OR handed_back_at < %(since)s)"
_MINE_SQL = f"assigned_to_id = %(user)s AND {_UNHELD} AND {_AVAILABLE}"
_MINE = _small_part(f"{_MINE_SQL} AND {_NOT_HANDED_BACK}")
_WAITING = _part(
    "claimed_by_id IS NULL AND assigned_to_id IS NULL AND available_from IS NULL"
    f" AND {_NOT_HANDED_BACK}"
)
_RETRY = _small_part(
    "claimed_by_id IS NULL AND assigned_to_id IS NULL AND available_from <= %(now)s"
    f" AND {_NOT_HANDED_BACK}"
)
# A call-back is held for the officer who booked it; 15 minutes after its time any officer of
# the team may take it, so a tenant waiting by the phone is not left there.
CALL_BACK_GRACE = timedelta(minutes=15)
_LATE_CALL_BACK_SQL = (
    f"{_UNHELD} AND assigned_to_id <> %(user)s"  # noqa: S608 (fixed SQL)
    " AND available_from <= %(late)s"
    " AND EXISTS (SELECT 1 FROM welfare_call c WHERE c.task_id = welfare_calltask.id"
    " AND c.outcome = 'call_back' AND c.call_back_at = welfare_calltask.available_from)"
)
_LATE_CALL_BACK = _small_part(f"{_LATE_CALL_BACK_SQL} AND {_NOT_HANDED_BACK}")
_LAPSED = _small_part(
    "claimed_by_id IS NOT NULL AND claimed_at < %(cutoff)s AND assigned_to_id IS NULL"
    f" AND {_AVAILABLE} AND {_NOT_HANDED_BACK}"
)
# The calls this officer handed back within HANDED_BACK_FOR that they could take (any of the
# parts above), found through their own index (calltask_handed_back_idx): offered only when
# nothing else is, so "Hand back" then "Take next call" gives the next other call.
_HANDED_BACK = _small_part(
    "handed_back_by_id = %(user)s AND handed_back_at >= %(since)s"
    f" AND ({_MINE_SQL} OR ({_UNHELD} AND assigned_to_id IS NULL AND {_AVAILABLE})"
    f" OR ({_LATE_CALL_BACK_SQL}))"
)
# One statement: the parts of the queue, each read through its own partial index
# (CallTask.Meta.indexes), and the best of their tops claimed: the officer's own first (their
# call-backs due), then a colleague's call-back 15 minutes late (a tenant is waiting by the
# phone), then the rest in rank order, and last a call the officer has just handed back.
# Each part locks its top with SKIP LOCKED and the claim is written in the same statement, so
# two officers never get the same call.
CLAIM_NEXT_SQL = f"""
    WITH mine AS MATERIALIZED ({_MINE}),
    waiting AS MATERIALIZED ({_WAITING}),
    retry AS MATERIALIZED ({_RETRY}),
    lapsed AS MATERIALIZED ({_LAPSED}),
    late_call_back AS MATERIALIZED ({_LATE_CALL_BACK}),
    handed_back AS MATERIALIZED ({_HANDED_BACK}),
    chosen AS (
        SELECT id FROM (
            SELECT 0 AS mine_first, * FROM mine
            UNION ALL SELECT 1, * FROM late_call_back
            UNION ALL SELECT 2, * FROM waiting
            UNION ALL SELECT 2, * FROM retry
            UNION ALL SELECT 2, * FROM lapsed
            UNION ALL SELECT 3, * FROM handed_back
        ) candidates
        ORDER BY mine_first, {RANK_SQL} LIMIT 1
    )
    UPDATE welfare_calltask t SET claimed_by_id = %(user)s, claimed_at = %(now)s
    FROM chosen WHERE t.id = chosen.id
    RETURNING {", ".join(f"t.{field.column}" for field in CallTask._meta.concrete_fields)}
"""  # noqa: S608 (fixed SQL; every value is a parameter)


# "Take next call" in one statement (`take_next_in_one`): the claim above, unless a provider
# check-in is waiting for the team (it comes first: `call_actions.work_take_next`), and, when a
# call was claimed, the other calls and check-ins the officer held given back. A call claimed
# is never one the officer still holds (each part takes only unheld or lapsed calls), so the
# claim and the give-back never touch the same row.
_CHECK_IN_WAITING = (
    "EXISTS (SELECT FROM welfare_providercheckintask c WHERE c.team_id = %(team)s"
    " AND c.done_at IS NULL AND (c.claimed_by_id IS NULL OR c.claimed_at < %(cutoff)s))"
)
_CLAIM_HEAD, _CLAIM_UPDATE = CLAIM_NEXT_SQL.rsplit("UPDATE welfare_calltask t SET", 1)
_CLAIMED = _CLAIM_UPDATE.replace(
    "FROM chosen WHERE t.id = chosen.id",
    f"FROM chosen WHERE t.id = chosen.id AND NOT {_CHECK_IN_WAITING}",
).rstrip()
TAKE_NEXT_SQL = f"""{_CLAIM_HEAD.rstrip()},
    claimed AS (UPDATE welfare_calltask t SET{_CLAIMED}),
    given_back AS (
        UPDATE welfare_calltask SET claimed_by_id = NULL, claimed_at = NULL
        WHERE status = 'open' AND claimed_by_id = %(user)s AND claimed_at >= %(cutoff)s
        AND id NOT IN (SELECT id FROM claimed) AND EXISTS (SELECT FROM claimed)
    ),
    check_ins_given_back AS (
        UPDATE welfare_providercheckintask SET claimed_by_id = NULL, claimed_at = NULL
        WHERE done_at IS NULL AND claimed_by_id = %(user)s AND EXISTS (SELECT FROM claimed)
    )
    SELECT * FROM claimed
"""  # noqa: S608 (fixed SQL; every value is a parameter)


def take_next_in_one(*, user, now):
    """On PostgreSQL, "Take next call" when a call is waiting and no check-in is: claim it and
    give back what else the officer held, in one statement (one round trip, atomic on its own;
    it was five statements in two transactions, and a check-in's read in a third). None when
    there is no call to claim or a check-in is waiting: the caller then takes the long way."""
    if connection.vendor != "postgresql":
        return None
    params = _params(user, now)
    with connection.cursor() as cursor:
        if connection.connection not in _PREPARED_ON:
            # Not through Django's cursor: once a connection, so not a query of the request.
            with connection.wrap_database_errors:
                connection.connection.execute(_TAKE_NEXT_PREPARE)
            _PREPARED_ON.add(connection.connection)
        cursor.execute(_TAKE_NEXT_EXECUTE, params)
        row = cursor.fetchone()
    # The statement returns the task's columns in its fields' order (CLAIM_NEXT_SQL).
    return None if row is None else CallTask.from_db(connection.alias, _TASK_FIELDS, row)


# TAKE_NEXT_SQL is a prepared statement of each connection (SQL's PREPARE, which outlives a
# ROLLBACK), planned once for the connection and not at every press: parsing and planning its
# five parts and three writes took more of the database's CPU than running them (1.4-1.6 ms
# of CPU a press at 1,000,000 tenants, 0.35-0.45 ms prepared). The plan is made without the
# parameters' values (`plan_cache_mode`, config/settings.py), so each part is written to have
# one good plan whatever they are (`_small_part`).
_PARAMETERS = {
    "team": "bigint",
    "user": "bigint",
    "now": "timestamptz",
    "cutoff": "timestamptz",
    "late": "timestamptz",
    "since": "timestamptz",
}
_TAKE_NEXT_PREPARE = (
    f"PREPARE welfare_take_next ({', '.join(_PARAMETERS.values())}) AS "
    + TAKE_NEXT_SQL % {name: f"${n}" for n, name in enumerate(_PARAMETERS, 1)}
)
_TAKE_NEXT_EXECUTE = (
    f"EXECUTE welfare_take_next ({', '.join(f'%({name})s' for name in _PARAMETERS)})"
)
_PREPARED_ON = weakref.WeakSet()  # the connections (psycopg's) it is prepared on
_TASK_FIELDS = [field.attname for field in CallTask._meta.concrete_fields]


def _top(tasks):
    return tasks.ranked().select_for_update(skip_locked=True, of=("self",)).first()


def call_task_claim(*, task, user, now=None):
    """Claim one task from its page. False if someone else holds it (or it is closed)."""
    now = now or timezone.now()
    if task.is_claimed_by(user, now):
        return True
    if task.assigned_to_id and task.assigned_to_id != user.pk and not user.is_manager:
        return False
    return _claim(task.pk, user, now)


def call_task_hand_back(*, task, user, now=None):
    """Put a claimed task back in the queue: its claimer may, and so may a manager. Colleagues
    can take it at once; `user` is given other calls first for HANDED_BACK_FOR."""
    now = now or timezone.now()
    tasks = CallTask.objects.filter(pk=task.pk)
    if not user.is_manager:
        tasks = tasks.filter(claimed_by=user)
    released = tasks.update(
        claimed_by=None, claimed_at=None, handed_back_by=user, handed_back_at=now
    )
    if released:
        # The call is no longer the officer's: what they kept typed goes with it.
        call_drafts_drop(task=task)
    return released == 1


# Assigning, unassigning, moving, sharing out and redeployments, with their audit and undo, are
# in welfare.control_actions.


@transaction.atomic
def cohort_update(*, cohort, cadence_days, active, by, before_call_message=None):
    """Change a cohort's cadence (or switch everyone else off), and whether its tenants get the
    message before the first call; the history records who."""
    cohort.cadence_days = cadence_days
    cohort.active = active
    if before_call_message is not None:
        cohort.before_call_message = before_call_message
    cohort.full_clean()
    cohort._history_user = by
    cohort.save()
    return cohort
