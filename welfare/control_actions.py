"""Writes for the managers' control room (issue 20): assigning, unassigning, moving and sharing
out call tasks with an audit row per task and undo within 10 minutes; redeployments that can
be previewed, ended early and cancelled; rebuilding today's queue after a cadence change."""

import heapq
import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Patch

from .models import (
    AssignmentBatch,
    AssignmentEvent,
    CallTask,
    Escalation,
    QueueRebuild,
    Redeployment,
    claim_cutoff,
)

Kind = AssignmentEvent.Kind


def _calls(count):
    return f"{count} call{'s' if count != 1 else ''}"


def _officer_name(user):
    return (user.get_full_name() or user.username) if user else "nobody"


def _apply(*, tasks, kind, summary, by, batch_team=None, **after):
    """Change `tasks` (a queryset) to `after`, writing one batch and one audit row per task.

    The rows are locked first, so what the audit says was there before is what was there."""
    rows = list(
        tasks.select_for_update(of=("self",))
        .order_by("id")
        .values("id", "assigned_to_id", "team_id", "team_fixed")
    )
    # The summary counts what was locked, not what a count before the lock saw.
    summary = summary(len(rows)) if callable(summary) else summary
    batch = AssignmentBatch.objects.create(kind=kind, team=batch_team, summary=summary, by=by)
    if not rows:
        return batch, 0
    officer_after = after.get("assigned_to")
    events = []
    for row in rows:
        team_after = after["team"].pk if "team" in after else row["team_id"]
        officer_after_id = officer_after.pk if officer_after else None
        if kind in (AssignmentBatch.Kind.MOVE, AssignmentBatch.Kind.REDEPLOY):
            event_kind = Kind.MOVED
        elif officer_after_id:
            event_kind = Kind.ASSIGNED
        else:
            event_kind = Kind.UNASSIGNED
        events.append(
            AssignmentEvent(
                batch=batch,
                task_id=row["id"],
                kind=event_kind,
                officer_before_id=row["assigned_to_id"],
                officer_after_id=officer_after_id,
                team_before_id=row["team_id"],
                team_after_id=team_after,
                team_fixed_before=row["team_fixed"],
                by=by,
                at=batch.at,
            )
        )
    AssignmentEvent.objects.bulk_create(events, batch_size=1000)
    count = CallTask.objects.filter(pk__in=[row["id"] for row in rows]).update(**after)
    return batch, count


@transaction.atomic
def call_tasks_assign(*, tasks, officer, by):
    """Give `tasks` to `officer`: only they take them from the queue. Tasks of another team than
    the officer's are left alone (the officer could not open them). Returns how many."""
    tasks = tasks.filter(team_id=officer.team_id, status=CallTask.Status.OPEN)
    who = _officer_name(officer)
    return _apply(
        tasks=tasks,
        kind=AssignmentBatch.Kind.ASSIGN,
        summary=lambda n: f"{_calls(n)} assigned to {who}",
        by=by,
        batch_team=officer.team,
        assigned_to=officer,
    )[1]


@transaction.atomic
def call_tasks_unassign(*, tasks, by, team=None):
    """Take `tasks` off the officers they were given to: back to anyone in the team."""
    tasks = tasks.filter(assigned_to__isnull=False, status=CallTask.Status.OPEN)
    return _apply(
        tasks=tasks,
        kind=AssignmentBatch.Kind.UNASSIGN,
        summary=lambda n: f"{_calls(n)} unassigned",
        by=by,
        batch_team=team,
        assigned_to=None,
    )[1]


@transaction.atomic
def call_tasks_move(*, tasks, team, by, from_team=None):
    """Move `tasks` to `team` for good: later builds leave their team alone. Claims and
    assignments end, since they belonged to the old team's officers."""
    tasks = tasks.filter(status=CallTask.Status.OPEN)
    return _apply(
        tasks=tasks,
        kind=AssignmentBatch.Kind.MOVE,
        summary=lambda n: f"{_calls(n)} moved to {team}",
        by=by,
        batch_team=from_team,
        team=team,
        team_fixed=True,
        assigned_to=None,
        claimed_by=None,
        claimed_at=None,
    )[1]


# Sharing out -----------------------------------------------------------------------------


@dataclass
class ShareRow:
    officer: object
    before: int
    pks: list

    @property
    def count(self):
        return len(self.pks)

    @property
    def after(self):
        return self.before + len(self.pks)


@dataclass
class SharePlan:
    """Who would get which waiting calls: worked out for the preview, and again when saved."""

    waiting: int
    cap: int
    fair_share: int
    rows: list = field(default_factory=list)  # [ShareRow]

    @property
    def given(self):
        return sum(row.count for row in self.rows)

    @property
    def left(self):
        return self.waiting - self.given


def _waiting(team, now=None):
    """The team's open calls no one is assigned or making, most overdue first."""
    return (
        CallTask.objects.open()
        .filter(team=team, assigned_to__isnull=True)
        .exclude(claimed_by__isnull=False, claimed_at__gte=claim_cutoff(now))
        .ranked()
    )


def fair_share(waiting, officers):
    return math.ceil(waiting / len(officers)) if officers else 0


def share_out_plan(*, team, officers, cap=None, now=None, lock=False):
    """Each waiting call, most overdue first, to whichever chosen officer has the fewest calls
    assigned, none given more than `cap` (default: their fair share of the waiting calls)."""
    officers = [officer for officer in officers if officer.team_id == team.pk]
    waiting = _waiting(team, now)
    if lock:
        waiting = waiting.select_for_update(skip_locked=True, of=("self",))
    pks = list(waiting.values_list("pk", flat=True))
    fair = fair_share(len(pks), officers)
    cap = fair if cap is None else cap
    plan = SharePlan(waiting=len(pks), cap=cap, fair_share=fair)
    if not officers:
        return plan
    before = dict(
        CallTask.objects.open()
        .filter(assigned_to__in=officers)
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("id"))
        .values_list("assigned_to", "n")
    )
    given = {officer.pk: [] for officer in officers}
    heap = [(before.get(o.pk, 0), o.username, o.pk) for o in officers]
    heapq.heapify(heap)
    for pk in pks:
        if not heap:
            break
        count, username, officer_pk = heapq.heappop(heap)
        given[officer_pk].append(pk)
        if len(given[officer_pk]) < cap:
            heapq.heappush(heap, (count + 1, username, officer_pk))
    plan.rows = [ShareRow(o, before.get(o.pk, 0), given[o.pk]) for o in officers]
    return plan


@transaction.atomic
def call_tasks_share_out(*, team, officers, cap=None, by, now=None):
    """Share out `team`'s waiting calls as `share_out_plan` says, one undoable batch.
    Returns the plan that was carried out."""
    plan = share_out_plan(team=team, officers=officers, cap=cap, now=now, lock=True)
    shares = ", ".join(f"{r.count} to {_officer_name(r.officer)}" for r in plan.rows if r.pks)
    batch = AssignmentBatch.objects.create(
        kind=AssignmentBatch.Kind.SHARE_OUT,
        team=team,
        summary=f"{_calls(plan.given)} shared out: {shares or 'none'}",
        by=by,
    )
    events = [
        AssignmentEvent(
            batch=batch,
            task_id=pk,
            kind=Kind.ASSIGNED,
            officer_after=row.officer,
            team_before=team,
            team_after=team,
            by=by,
            at=batch.at,
        )
        for row in plan.rows
        for pk in row.pks
    ]
    AssignmentEvent.objects.bulk_create(events, batch_size=1000)
    for row in plan.rows:
        CallTask.objects.filter(pk__in=row.pks).update(assigned_to=row.officer)
    plan.batch = batch
    return plan


# Undo ------------------------------------------------------------------------------------


class UndoRefused(Exception):
    pass


@transaction.atomic
def assignment_undo(*, batch, by, now=None):
    """Put back what `batch` changed, within 10 minutes of it. A task changed again since (by
    someone else, or by its call being logged) is left alone. Returns (restored, left alone)."""
    now = now or timezone.now()
    batch = AssignmentBatch.objects.select_for_update().get(pk=batch.pk)
    if not batch.can_undo(now):
        raise UndoRefused("This change can no longer be undone: undo is possible for 10 minutes.")
    events = list(batch.events.exclude(kind=Kind.UNDONE).order_by("id"))
    current = {
        row["id"]: row
        for row in CallTask.objects.select_for_update()
        .filter(pk__in=[event.task_id for event in events])
        .values("id", "status", "assigned_to_id", "team_id")
    }
    restored, undo_events = 0, []
    for event in events:
        row = current.get(event.task_id)
        unchanged = (
            row
            and row["status"] == CallTask.Status.OPEN
            and row["assigned_to_id"] == event.officer_after_id
            and row["team_id"] == event.team_after_id
        )
        if not unchanged:
            continue
        back = {"assigned_to_id": event.officer_before_id}
        if event.team_before_id != event.team_after_id:
            back.update(team_id=event.team_before_id, team_fixed=event.team_fixed_before)
        CallTask.objects.filter(pk=event.task_id).update(**back)
        restored += 1
        undo_events.append(
            AssignmentEvent(
                batch=batch,
                task_id=event.task_id,
                kind=Kind.UNDONE,
                officer_before_id=event.officer_after_id,
                officer_after_id=event.officer_before_id,
                team_before_id=event.team_after_id,
                team_after_id=event.team_before_id,
                team_fixed_before=True if event.kind == Kind.MOVED else event.team_fixed_before,
                by=by,
                at=now,
            )
        )
    AssignmentEvent.objects.bulk_create(undo_events)
    batch.undone_at, batch.undone_by = now, by
    batch.save(update_fields=["undone_at", "undone_by"])
    return restored, len(events) - restored


# Redeployments ---------------------------------------------------------------------------


def _patch_tasks_to_move(patch, team):
    """Open tasks of `patch`'s tenants that would move to `team` (a manager's moves stay)."""
    return CallTask.objects.open().filter(tenant__patch=patch, team_fixed=False).exclude(team=team)


def redeployment_preview(*, patch, team, starts_on, today=None):
    """What saving a redeployment would do now: how many open calls move, and which assigned
    calls lose their officer (the assignments belong to the old team's officers)."""
    today = today or timezone.localdate()
    if starts_on > today:
        return {"starts_now": False, "moving": 0, "losing_officer": []}
    tasks = _patch_tasks_to_move(patch, team)
    losing = list(
        tasks.filter(assigned_to__isnull=False)
        .select_related("tenant", "assigned_to")
        .order_by("assigned_to__username", "id")
    )
    return {"starts_now": True, "moving": tasks.count(), "losing_officer": losing}


def overlapping(patch, starts_on, ends_on, exclude=None):
    """Redeployments of `patch` (not cancelled) sharing a day with the period."""
    queryset = Redeployment.objects.filter(
        patch=patch, cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).select_related("team")
    return queryset.exclude(pk=exclude.pk) if exclude else queryset


def overlap_message(other):
    return (
        f"{other.patch.name} is already redeployed to {other.team} from "
        f"{other.starts_on:%-d %B %Y} to {other.ends_on:%-d %B %Y}: end or cancel that one first"
    )


def _move_patch_now(*, patch, to_team, by, summary, only_from=None):
    tasks = _patch_tasks_to_move(patch, to_team)
    if only_from is not None:
        tasks = tasks.filter(team=only_from)
    return _apply(
        tasks=tasks,
        kind=AssignmentBatch.Kind.REDEPLOY,
        summary=summary,
        by=by,
        batch_team=to_team,
        team=to_team,
        assigned_to=None,
        claimed_by=None,
        claimed_at=None,
    )[1]


@transaction.atomic
def redeployment_create(*, patch, team, starts_on, ends_on, by, today=None):
    """From `starts_on` to `ends_on`, `team` works `patch`'s calls. Builds in the period open
    the patch's tasks for `team` and move open ones there; after it they move back. If the
    period has begun, open tasks move now, each move in the audit history. Refuses a period
    that overlaps another redeployment of the patch (ValidationError).
    Returns the redeployment and how many calls moved."""
    today = today or timezone.localdate()
    # One manager at a time per patch, so two overlapping redeployments cannot both pass the
    # check below; the exclusion constraint (PostgreSQL) is the last line of defence.
    Patch.objects.select_for_update().get(pk=patch.pk)
    clash = overlapping(patch, starts_on, ends_on).first()
    if clash:
        raise ValidationError(overlap_message(clash))
    redeployment = Redeployment(
        patch=patch, team=team, starts_on=starts_on, ends_on=ends_on, created_by=by
    )
    redeployment.full_clean()
    redeployment._history_user = by
    try:
        with transaction.atomic():
            redeployment.save()
    except IntegrityError:
        raise ValidationError(
            "Another redeployment of this patch covers some of these days"
        ) from None
    moved = 0
    if starts_on <= today <= ends_on:
        moved = _move_patch_now(
            patch=patch, to_team=team, by=by, summary=f"Redeployment of {patch.name} to {team}"
        )
    return redeployment, moved


@transaction.atomic
def redeployment_end(*, redeployment, by, today=None):
    """Stop a redeployment now: one not started yet, or started today, is cancelled; one that
    has run ends yesterday. The patch's calls the team holds move back to the patch's own team
    at once. Returns how many calls moved back."""
    today = today or timezone.localdate()
    redeployment = (
        Redeployment.objects.select_for_update().select_related("patch").get(pk=redeployment.pk)
    )
    if redeployment.cancelled_at or redeployment.ends_on < today:
        raise ValidationError("This redeployment has already ended")
    running = redeployment.starts_on <= today
    if redeployment.starts_on >= today:
        redeployment.cancelled_at = timezone.now()
    else:
        redeployment.ends_on = today - timedelta(days=1)
    redeployment._history_user = by
    redeployment.save()
    if not running:
        return 0
    patch = redeployment.patch
    return _move_patch_now(
        patch=patch,
        to_team=patch.team,
        by=by,
        summary=f"Redeployment of {patch.name} ended: calls back to {patch.team}",
        only_from=redeployment.team,
    )


# Today's queue after a change ------------------------------------------------------------


def queue_rebuild_request(*, change, by):
    """Record the change and work today's queue out again in a Celery task once it commits."""
    from .tasks import rebuild_queue_task

    rebuild = QueueRebuild.objects.create(change=change, requested_by=by)
    transaction.on_commit(lambda: rebuild_queue_task.delay(rebuild.pk))
    return rebuild


def queue_rebuild_run(*, rebuild_id):
    """Build today's queue for a recorded change. False if another build held the lock (the
    task tries again); the counts say what changed."""
    from .queue import build_call_queue

    QueueRebuild.objects.filter(pk=rebuild_id, started_at__isnull=True).update(
        status=QueueRebuild.Status.RUNNING, started_at=timezone.now()
    )
    try:
        result = build_call_queue()
    except Exception:
        QueueRebuild.objects.filter(pk=rebuild_id).update(
            status=QueueRebuild.Status.FAILED, finished_at=timezone.now()
        )
        raise
    if result.skipped:
        return False
    QueueRebuild.objects.filter(pk=rebuild_id).update(
        status=QueueRebuild.Status.DONE,
        finished_at=timezone.now(),
        opened=result.opened,
        reranked=result.reranked,
        closed_not_due=result.closed_not_due,
        closed_not_eligible=result.closed_not_eligible,
    )
    return True


@transaction.atomic
def escalation_set_owner(*, escalation, owner, by):
    """Give an open escalation to a manager (or to no one)."""
    return Escalation.objects.filter(pk=escalation.pk, status=Escalation.Status.OPEN).update(
        owner=owner
    )
