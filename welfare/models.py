from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from accounts.models import Patch, Team
from tenants.models import Tenant

from .call_text import day_text, when_text


class Cohort(models.Model):
    """A group of tenants called at a cadence managers can change (DOMAIN.md, cohorts).

    Who is in each cohort is a rule in code (`welfare.cadence`); the numbers
    live here so managers can change them, and every change is in the history.
    """

    class Code(models.TextChoices):
        AGED_70 = "aged_70", "Aged 70+"
        UNWELL = "unwell", "Unwell or self-isolating"
        INDEPENDENT_LIVING = "independent_living", "Independent living"
        SUPPORTED_LIVING = "supported_living", "Supported living"
        LIFELINE = "lifeline", "Lifeline customer"
        EVERYONE_ELSE = "everyone_else", "Everyone else"

    code = models.CharField(max_length=30, unique=True, choices=Code, editable=False)
    name = models.CharField(max_length=100)
    who = models.CharField(max_length=200)
    cadence_days = models.PositiveSmallIntegerField(
        "call every (days)", validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    active = models.BooleanField(
        "calls switched on",
        default=True,
        help_text="Only the everyone else cohort can be switched off.",
    )
    before_call_message = models.BooleanField(
        "message before the first call",
        default=False,
        help_text="Tenants get \u201cWe\u2019ll call you today from <number>\u201d when their "
        "call is queued (README: Messages).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            # A vulnerable tenant must never silently drop out of the queue.
            models.CheckConstraint(
                condition=Q(active=True) | Q(code="everyone_else"),
                name="only_everyone_else_can_be_switched_off",
            ),
            models.CheckConstraint(
                condition=Q(cadence_days__gte=1, cadence_days__lte=365),
                name="cohort_cadence_between_1_and_365_days",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.active and self.code != self.Code.EVERYONE_ELSE:
            raise ValidationError({"active": "Only the everyone else cohort can be switched off."})


# The queue's rank, in one place: most overdue first (earliest due date), then highest risk; the
# oldest task breaks ties. The ordering, the queue indexes and the claim SQL (welfare/actions.py,
# RANK_SQL) are all built from it.
RANK = ("due_on", "-risk_score", "id")
RANK_SQL = ", ".join(f"{name[1:]} DESC" if name.startswith("-") else name for name in RANK)


class CallTaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=CallTask.Status.OPEN)

    def ranked(self):
        """In the queue's rank (RANK)."""
        return self.order_by(*RANK)

    def claimed(self, now=None):
        """Claimed in the last CALL_CLAIM_MINUTES: older claims count as back in the queue."""
        return self.filter(claimed_by__isnull=False, claimed_at__gte=claim_cutoff(now))

    def claimable(self, now=None):
        now = now or timezone.now()
        return self.open().filter(
            Q(claimed_by__isnull=True) | Q(claimed_at__lt=claim_cutoff(now)),
            Q(available_from__isnull=True) | Q(available_from__lte=now),
        )

    def showing(self, show, now=None):
        """The tasks of one of the queue's states (QUEUE_STATES), as its counts count them."""
        return self.filter(queue_state_q(show, now)) if show else self

    def with_call_back(self):
        """Annotate `is_call_back`: the task waits for a call-back the tenant asked for (its
        time is that call's), not for a retry after no answer (the next working day)."""
        return self.annotate(is_call_back=booked_call_back())


# What the queue's headline counts and their lists mean, one rule each: a call is being made
# (held by an officer whose claim has not lapsed), or else it is waiting now (it may be taken),
# or else it is not due yet (a retry after no answer, or a call-back, before its time).
QUEUE_STATES = {
    "waiting": "waiting now",
    "being_made": "being made now",
    "later": "not due yet",
}


def queue_state_q(show, now=None):
    now = now or timezone.now()
    held = Q(claimed_by__isnull=False, claimed_at__gte=claim_cutoff(now))
    if show == "being_made":
        return held
    if show == "later":
        return ~held & Q(available_from__gt=now)
    if show == "waiting":
        return ~held & (Q(available_from__isnull=True) | Q(available_from__lte=now))
    raise ValueError(show)


def booked_call_back():
    """True for a task whose `available_from` is the time a tenant asked to be called back."""
    from .call_models import Call

    booked = Call.objects.filter(
        task=OuterRef("pk"), outcome=Call.Outcome.CALL_BACK, call_back_at=OuterRef("available_from")
    )
    return Exists(booked)


def claim_minutes():
    """Managers set it under "Queue settings"; until then the CALL_CLAIM_MINUTES setting."""
    return QueueSettings.current()["claim_minutes"]  # noqa: F405 (control_models, below)


def claim_cutoff(now=None):
    """Claims made before this moment have lapsed (computed when read: no job frees them)."""
    return (now or timezone.now()) - timedelta(minutes=claim_minutes())


class CallTask(models.Model):
    """One tenant to call: the builder opens at most one open task per tenant."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CLOSED = "closed", "Closed"

    class ClosedReason(models.TextChoices):
        NOT_DUE = "not_due", "No longer due: contacted since the task was opened"
        NOT_ELIGIBLE = "not_eligible", "No longer eligible for calls"
        ESCALATED = "escalated", "Escalated to a manager"
        DECLINED = "declined", "The tenant declined further calls"
        IN_HOSPITAL = "in_hospital", "The tenant is in hospital"
        DECEASED = "deceased", "The tenant was reported deceased"

    class Wellbeing(models.TextChoices):
        GOOD = "good", "Good"
        OKAY = "okay", "Okay"
        STRUGGLING = "struggling", "Struggling"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="call_tasks")
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="call_tasks",
        help_text="Blank when the tenant has no patch: managers see these under No team.",
    )
    team_fixed = models.BooleanField(
        default=False, help_text="A manager moved this task by hand: builds leave its team alone."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    closed_reason = models.CharField(max_length=30, blank=True)
    opened_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)

    # The rank, refreshed by every build: most overdue first, then the risk score. The due date
    # is stored rather than "days overdue" so that a task's row only changes when its rank does.
    due_on = models.DateField()
    cadence_days = models.PositiveSmallIntegerField()
    risk_score = models.PositiveSmallIntegerField(default=0)
    # The risk factors behind the score, so the queue can say why and count by reason.
    unwell = models.BooleanField("unwell or self-isolating", default=False)
    aged_70 = models.BooleanField("aged 70+", default=False)
    lives_alone = models.BooleanField("lives alone outside a scheme", default=False)
    last_wellbeing = models.CharField(
        max_length=10,
        choices=Wellbeing,
        blank=True,
        help_text=(
            "Wellbeing at the last call that reached the tenant. Set by call logging; a new "
            "task starts with the tenant's last known value."
        ),
    )
    attempts = models.PositiveSmallIntegerField("failed attempts", default=0)

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_call_tasks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_call_tasks",
        help_text="An officer a manager gave this task to: only they take it from the queue.",
    )
    available_from = models.DateTimeField(
        null=True, blank=True, help_text="Not offered before this time (retries)."
    )
    # "Hand back to the queue": who last did and when. For a while "Take next call" gives them
    # other calls first (welfare.actions.HANDED_BACK_FOR); colleagues take it in its place.
    handed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handed_back_call_tasks",
        db_index=False,  # calltask_handed_back_idx: only open tasks are ever looked up by it
    )
    handed_back_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CallTaskQuerySet.as_manager()

    class Meta:
        ordering = list(RANK)
        constraints = [
            # The last line of defence behind the builder's advisory lock: never two open tasks.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status="open"),
                name="one_open_call_task_per_tenant",
            ),
        ]
        indexes = [
            # The queue page and "take next call": a team's open tasks in rank order.
            models.Index(
                fields=["team", *RANK],
                condition=Q(status="open"),
                name="calltask_queue_idx",
            ),
            # "Take next call" reads the queue in three parts, each from its own index, so a
            # claim never steps over tasks other officers hold or retries not yet due
            # (welfare.actions.call_task_claim_next).
            models.Index(
                fields=["team", *RANK],
                condition=Q(
                    status="open",
                    claimed_by__isnull=True,
                    assigned_to__isnull=True,
                    available_from__isnull=True,
                ),
                name="calltask_waiting_idx",
            ),
            models.Index(
                fields=["team", "available_from"],
                condition=Q(status="open", available_from__isnull=False),
                name="calltask_retry_idx",
            ),
            models.Index(
                fields=["team", "claimed_at"],
                condition=Q(status="open", claimed_by__isnull=False),
                name="calltask_claimed_idx",
            ),
            # "Take next call" finds the calls the officer has just handed back, to offer them
            # last (welfare.actions._HANDED_BACK).
            models.Index(
                fields=["handed_back_by", "handed_back_at"],
                condition=Q(status="open", handed_back_by__isnull=False),
                name="calltask_handed_back_idx",
            ),
            # The build carries each tenant's last known wellbeing into their next task: one
            # probe per new task, into an index that holds only tasks with a wellbeing.
            models.Index(
                fields=["tenant", "-id"],
                condition=~Q(last_wellbeing=""),
                name="calltask_wellbeing_idx",
            ),
        ]

    def __str__(self):
        return f"Call {self.tenant.full_name} (task {self.pk})"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    def days_overdue(self, today):
        return (today - self.due_on).days

    def claim_active(self, now=None):
        return bool(self.claimed_by_id and self.claimed_at and self.claimed_at >= claim_cutoff(now))

    def is_claimed_by(self, user, now=None):
        return self.claimed_by_id == user.pk and self.claim_active(now)

    def claim_expires_at(self):
        return self.claimed_at + timedelta(minutes=claim_minutes()) if self.claimed_at else None

    def not_before(self, now=None):
        """When a retry or call-back not yet due may be taken; None if it may be now."""
        now = now or timezone.now()
        return self.available_from if self.available_from and self.available_from > now else None

    def claim_refusal(self, user, now=None):
        """Why `user` cannot take this call now, in words; None if they can. The same rules as
        `welfare.actions.call_task_claim` and `CallTaskQuerySet.claimable`, one reason each."""
        now = now or timezone.now()
        if not self.is_open:
            return f"This call is {self.get_status_display().lower()}: it can no longer be taken."
        if self.claim_active(now) and self.claimed_by_id != user.pk:
            until = timezone.localtime(self.claim_expires_at())
            return f"{self.claimed_by} has this call until {until:%H:%M}."
        if self.assigned_to_id and self.assigned_to_id != user.pk and not user.is_manager:
            return f"This call is assigned to {self.assigned_to}: only they can take it."
        wait = self.not_before(now)
        if wait is not None:
            if getattr(self, "is_call_back", False):
                return f"The tenant asked to be called back {when_text(wait, now)}: take it then."
            return (
                "Nobody answered the last attempt: the next attempt is from "
                f"{day_text(wait, now)}, so it cannot be taken before then."
            )
        return None

    def reasons(self, today):
        """Why this tenant is in the queue, in words: "overdue 6 days - aged 70+ - lives alone"."""
        days = self.days_overdue(today)
        words = [
            ngettext("overdue %(n)d day", "overdue %(n)d days", days) % {"n": days}
            if days > 0
            else "due today"
        ]
        if self.unwell:
            words.append("unwell or self-isolating")
        if self.aged_70:
            words.append("aged 70+")
        if self.lives_alone:
            words.append("lives alone outside a scheme")
        if self.last_wellbeing == self.Wellbeing.STRUGGLING:
            words.append("struggling at the last call")
        if self.attempts:
            words.append(
                ngettext("%(n)d failed attempt", "%(n)d failed attempts", self.attempts)
                % {"n": self.attempts}
            )
        return " - ".join(words)


class Redeployment(models.Model):
    """For a period, another team works a patch's calls (staff redeployed to make calls)."""

    patch = models.ForeignKey(Patch, on_delete=models.CASCADE, related_name="redeployments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="redeployments")
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Cancelled before it began: kept for the history, ignored by the builds. (Ending one early
    # moves its last day instead.)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="redeployment_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.patch.code} to {self.team} from {self.starts_on} to {self.ends_on}"


from .call_models import *  # noqa: E402, F403  Calls, escalations and the queue check
from .campaign_models import *  # noqa: E402, F403  Campaigns: who, how often, which script
from .control_models import *  # noqa: E402, F403  Queue settings, rebuilds, assignment audit
from .provider_models import *  # noqa: E402, F403  Support providers' staffing check-ins
from .visit_models import *  # noqa: E402, F403  Doorstep visits
