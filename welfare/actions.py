"""Writes for the call queue: claiming, handing back, assigning, moving and rebalancing tasks,
redeployments and cohort cadences. (The daily build itself is `welfare.queue`.)"""

import heapq
from collections import defaultdict
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from .models import RANK_SQL, Call, CallTask, Redeployment, claim_cutoff

# A claim is a compare-and-set: it only succeeds if the task is still claimable when written,
# so two officers can never both hold one, whatever the database.
CLAIM_TRIES = 5


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
        params = {
            "team": user.team_id,
            "user": user.pk,
            "now": now,
            "cutoff": claim_cutoff(now),
            "late": now - CALL_BACK_GRACE,
        }
        return next(iter(CallTask.objects.raw(CLAIM_NEXT_SQL, params)), None)
    claimable = CallTask.objects.claimable(now).filter(team_id=user.team_id)
    late_call_back = Call.objects.filter(
        task=OuterRef("pk"), outcome=Call.Outcome.CALL_BACK, call_back_at=OuterRef("available_from")
    )
    for candidates in (
        claimable.filter(assigned_to=user),
        claimable.filter(assigned_to__isnull=True),
        claimable.filter(Exists(late_call_back), available_from__lte=now - CALL_BACK_GRACE),
    ):
        for _ in range(CLAIM_TRIES):
            with transaction.atomic():
                task = _top(candidates)
                if task is None:
                    break
                if _claim(task.pk, user, now):
                    task.claimed_by, task.claimed_at = user, now
                    return task
    return None


def _part(condition):
    """The top unlocked task of one part of a team's queue."""
    return (
        "SELECT id, due_on, risk_score FROM welfare_calltask"  # noqa: S608 (fixed conditions)
        f" WHERE status = 'open' AND team_id = %(team)s AND {condition}"
        f" ORDER BY {RANK_SQL} LIMIT 1 FOR UPDATE SKIP LOCKED"
    )


_AVAILABLE = "(available_from IS NULL OR available_from <= %(now)s)"
_MINE = _part(
    "assigned_to_id = %(user)s AND (claimed_by_id IS NULL OR claimed_at < %(cutoff)s)"
    f" AND {_AVAILABLE}"
)
_WAITING = _part("claimed_by_id IS NULL AND assigned_to_id IS NULL AND available_from IS NULL")
_RETRY = _part("claimed_by_id IS NULL AND assigned_to_id IS NULL AND available_from <= %(now)s")
# A call-back is held for the officer who booked it; 15 minutes after its time any officer of
# the team may take it, so a tenant waiting by the phone is not left there.
CALL_BACK_GRACE = timedelta(minutes=15)
_LATE_CALL_BACK = _part(
    "assigned_to_id <> %(user)s AND available_from <= %(late)s"
    " AND (claimed_by_id IS NULL OR claimed_at < %(cutoff)s)"
    " AND EXISTS (SELECT 1 FROM welfare_call c WHERE c.task_id = welfare_calltask.id"
    " AND c.outcome = 'call_back' AND c.call_back_at = welfare_calltask.available_from)"
)
_LAPSED = _part(
    "claimed_by_id IS NOT NULL AND claimed_at < %(cutoff)s AND assigned_to_id IS NULL"
    f" AND {_AVAILABLE}"
)
# One statement: the parts of the queue, each read through its own partial index
# (CallTask.Meta.indexes), and the best of their tops claimed, the officer's own first.
CLAIM_NEXT_SQL = f"""
    WITH mine AS MATERIALIZED ({_MINE}),
    waiting AS MATERIALIZED ({_WAITING}),
    retry AS MATERIALIZED ({_RETRY}),
    lapsed AS MATERIALIZED ({_LAPSED}),
    late_call_back AS MATERIALIZED ({_LATE_CALL_BACK}),
    chosen AS (
        SELECT id FROM (
            SELECT 0 AS mine_first, * FROM mine
            UNION ALL SELECT 1, * FROM waiting
            UNION ALL SELECT 1, * FROM retry
            UNION ALL SELECT 1, * FROM lapsed
            UNION ALL SELECT 1, * FROM late_call_back
        ) candidates
        ORDER BY mine_first, {RANK_SQL} LIMIT 1
    )
    UPDATE welfare_calltask t SET claimed_by_id = %(user)s, claimed_at = %(now)s
    FROM chosen WHERE t.id = chosen.id
    RETURNING t.*
"""  # noqa: S608 (fixed SQL; every value is a parameter)


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


def call_task_hand_back(*, task, user):
    """Put a claimed task back in the queue: its claimer may, and so may a manager."""
    tasks = CallTask.objects.filter(pk=task.pk)
    if not user.is_manager:
        tasks = tasks.filter(claimed_by=user)
    return tasks.update(claimed_by=None, claimed_at=None) == 1


@transaction.atomic
def call_tasks_assign(*, tasks, officer):
    """Give `tasks` to `officer`: only they take them from the queue. Tasks of another team than
    the officer's are left alone (the officer could not open them)."""
    return tasks.filter(team_id=officer.team_id).update(assigned_to=officer)


@transaction.atomic
def call_tasks_move(*, tasks, team):
    """Move `tasks` to `team` for good: later builds leave their team alone. Claims and
    assignments end, since they belonged to the old team's officers."""
    return tasks.update(
        team=team, team_fixed=True, assigned_to=None, claimed_by=None, claimed_at=None
    )


@transaction.atomic
def redeployment_create(*, patch, team, starts_on, ends_on, by, today=None):
    """From `starts_on` to `ends_on`, `team` works `patch`'s calls. Builds in the period open
    the patch's tasks for `team` and move open ones there; after it they move back. If the
    period has begun, open tasks move now. Returns the redeployment and how many moved."""
    today = today or timezone.localdate()
    redeployment = Redeployment(
        patch=patch, team=team, starts_on=starts_on, ends_on=ends_on, created_by=by
    )
    redeployment.full_clean()
    redeployment._history_user = by
    redeployment.save()
    moved = 0
    if starts_on <= today <= ends_on:
        moved = (
            CallTask.objects.open()
            .filter(tenant__patch=patch, team_fixed=False)
            .exclude(team=team)
            .update(team=team, assigned_to=None, claimed_by=None, claimed_at=None)
        )
    return redeployment, moved


@transaction.atomic
def call_tasks_rebalance(*, team, officers, now=None):
    """Share `team`'s unassigned, unclaimed open tasks among `officers`: in rank order, each
    task goes to whoever has the fewest open tasks assigned. Returns {officer: tasks given}."""
    officers = [officer for officer in officers if officer.team_id == team.pk]
    if not officers:
        return {}
    pks = list(
        CallTask.objects.open()
        .filter(team=team, assigned_to__isnull=True)
        .exclude(claimed_by__isnull=False, claimed_at__gte=claim_cutoff(now))
        .ranked()
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)
    )
    counts = dict(
        CallTask.objects.open()
        .filter(assigned_to__in=officers)
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("id"))
        .values_list("assigned_to", "n")
    )
    heap = [(counts.get(officer.pk, 0), officer.username, officer.pk) for officer in officers]
    heapq.heapify(heap)
    given = defaultdict(list)
    for pk in pks:
        count, username, officer_pk = heapq.heappop(heap)
        given[officer_pk].append(pk)
        heapq.heappush(heap, (count + 1, username, officer_pk))
    for officer_pk, task_pks in given.items():
        CallTask.objects.filter(pk__in=task_pks).update(assigned_to_id=officer_pk)
    return {officer: len(given[officer.pk]) for officer in officers}


@transaction.atomic
def cohort_update(*, cohort, cadence_days, active, by):
    """Change a cohort's cadence (or switch everyone else off); the history records who."""
    cohort.cadence_days = cadence_days
    cohort.active = active
    cohort.full_clean()
    cohort._history_user = by
    cohort.save()
    return cohort
