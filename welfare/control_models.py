"""The managers' control room (issue 20): queue settings managers change, rebuilds of today's
queue after a change, and the audit of every assignment, unassignment and move."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Team

__all__ = ["AssignmentBatch", "AssignmentEvent", "QueueRebuild", "QueueSettings"]

SETTINGS_CACHE_KEY = "welfare:queue-settings:v2"
# Every claim check reads the settings (nine times in one "Save and take next call"): each
# process keeps what it read from the cache for this long (another process's save shows here
# within it; this process's own save at once).
LOCAL_SECONDS = 1.0
_local = {"at": float("-inf"), "saved": None}


def forget_local_settings():
    """Drop this process's copy of the queue settings (a save does; so do tests)."""
    _local.update(at=float("-inf"), saved=None)


UNDO_MINUTES = 10
DEFAULT_ESCALATION_TARGET_WORKING_DAYS = 2


class QueueSettings(models.Model):
    """The queue's numbers managers change in the app (one row), with their history.

    Read on every claim check, so kept in the cache and dropped from it on every save."""

    claim_minutes = models.PositiveSmallIntegerField(
        "minutes a call is held",
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="A call taken and left alone this long goes back to the queue.",
    )
    escalation_target_working_days = models.PositiveSmallIntegerField(
        "escalation age target (working days)",
        default=DEFAULT_ESCALATION_TARGET_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    calls_from_number = models.CharField(
        "number we call from",
        max_length=30,
        blank=True,
        help_text="Named in the message before the first call. Blank: the CALLS_FROM_NUMBER "
        "setting.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "queue settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="queue_settings_single_row"),
            models.CheckConstraint(
                condition=Q(claim_minutes__gte=5, claim_minutes__lte=240),
                name="queue_settings_claim_minutes_5_to_240",
            ),
            models.CheckConstraint(
                condition=Q(
                    escalation_target_working_days__gte=1, escalation_target_working_days__lte=30
                ),
                name="queue_settings_escalation_target_1_to_30",
            ),
        ]

    def __str__(self):
        return "Queue settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(SETTINGS_CACHE_KEY)
        forget_local_settings()

    @classmethod
    def current(cls):
        """The saved settings, or the defaults until a manager saves (claim minutes: the
        CALL_CLAIM_MINUTES setting). Only the saved row is cached, never a default."""
        now = time.monotonic()
        saved = _local["saved"] if now - _local["at"] < LOCAL_SECONDS else None
        if saved is None:
            saved = cache.get(SETTINGS_CACHE_KEY)
            if saved is None:
                rows = cls.objects.filter(pk=1).values(
                    "claim_minutes", "escalation_target_working_days", "calls_from_number"
                )
                saved = rows[0] if rows else {}
                cache.set(SETTINGS_CACHE_KEY, saved, 300)
            _local.update(at=now, saved=saved)
        current = {
            "claim_minutes": getattr(settings, "CALL_CLAIM_MINUTES", 30),
            "escalation_target_working_days": DEFAULT_ESCALATION_TARGET_WORKING_DAYS,
            **saved,
        }
        # The number tenants see in "We'll call you today from <number>".
        current["calls_from_number"] = (
            current.get("calls_from_number") or settings.CALLS_FROM_NUMBER
        )
        return current


class QueueRebuild(models.Model):
    """Today's queue worked out again after a manager's change, in a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Updating the queue"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    change = models.CharField(max_length=300, help_text="What was saved, in words.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    opened = models.PositiveIntegerField(default=0)
    reranked = models.PositiveIntegerField(default=0)
    closed_not_due = models.PositiveIntegerField(default=0)
    closed_not_eligible = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Queue rebuild {self.pk}: {self.change}"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def outcome(self):
        """What changed, in words: "107 calls closed: no longer due; 3 calls opened"."""

        def calls(n):
            return f"{n} call{'s' if n != 1 else ''}"

        parts = []
        if self.closed_not_due:
            parts.append(f"{calls(self.closed_not_due)} closed: no longer due")
        if self.closed_not_eligible:
            parts.append(f"{calls(self.closed_not_eligible)} closed: no longer eligible")
        if self.opened:
            parts.append(f"{calls(self.opened)} opened: now due")
        if self.reranked:
            parts.append(f"{calls(self.reranked)} re-ranked")
        return "; ".join(parts) or "No calls changed"


class AssignmentBatch(models.Model):
    """One manager's action on a set of call tasks; undone as a whole within 10 minutes."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", "Assigned"
        UNASSIGN = "unassign", "Unassigned"
        MOVE = "move", "Moved to another team"
        SHARE_OUT = "share_out", "Shared out"
        REDEPLOY = "redeploy", "Moved by a redeployment"

    kind = models.CharField(max_length=20, choices=Kind)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["team", "-at"], name="assignbatch_team_at_idx")]

    def __str__(self):
        return self.summary

    def undo_until(self):
        return self.at + timedelta(minutes=UNDO_MINUTES)

    def can_undo(self, now=None):
        return (
            self.undone_at is None
            and self.kind != self.Kind.REDEPLOY
            and (now or timezone.now()) < self.undo_until()
        )


class AssignmentEvent(models.Model):
    """One task's change of officer or team: what it was before, what it became, who did it."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Unassigned"
        MOVED = "moved", "Moved to another team"
        OFFICER_REMOVED = "officer_removed", "Officer removed by a move"
        UNDONE = "undone", "Undone"

    batch = models.ForeignKey(AssignmentBatch, on_delete=models.PROTECT, related_name="events")
    task = models.ForeignKey(
        "welfare.CallTask", on_delete=models.PROTECT, related_name="assignment_events"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    officer_before = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    officer_after = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    team_before = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, related_name="+")
    team_after = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, related_name="+")
    team_fixed_before = models.BooleanField(default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["task", "-at"], name="assignevent_task_idx"),
            models.Index(fields=["officer_after", "-at"], name="assignevent_after_idx"),
            models.Index(fields=["officer_before", "-at"], name="assignevent_before_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} task {self.task_id}"
