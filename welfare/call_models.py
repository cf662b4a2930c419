"""Logged welfare calls, escalations for managers, and the daily "never dropped" check."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Team
from tenants.models import FamilyContact, Tenant

__all__ = ["SCRIPT", "Call", "CallDraft", "CallNote", "Escalation", "EscalationAction", "QueueGap"]

# The seed document's welfare-call script, asked in this order.
SCRIPT = [
    "How are you doing?",
    "Are you managing to get all the essential shopping supplies you need at the moment?",
    "Are you able to get any medication if you need it?",
    "Are you chatting to people you know on the phone regularly?",
    "Are you aware of the latest government advice?",
    "Is there any support you feel that you need at this moment in time that you are not "
    "receiving?",
]


class Call(models.Model):
    """One attempt to reach a tenant, whatever its outcome."""

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke to tenant"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Voicemail left"
        WRONG_NUMBER = "wrong_number", "Wrong or dead number"
        CALL_BACK = "call_back", "Call back requested"
        DECLINED = "declined", "Declined further calls"
        IN_HOSPITAL = "in_hospital", "In hospital"
        DECEASED = "deceased", "Reported deceased"

    FAILED = (Outcome.NO_ANSWER, Outcome.VOICEMAIL)

    task = models.ForeignKey("welfare.CallTask", on_delete=models.PROTECT, related_name="calls")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="calls")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls"
    )
    made_at = models.DateTimeField(default=timezone.now)
    made_on = models.DateField(help_text="The day in Europe/London: attempts count per day.")
    outcome = models.CharField(max_length=20, choices=Outcome)
    wellbeing = models.CharField(
        max_length=10,
        blank=True,
        choices=[("good", "Good"), ("okay", "Okay"), ("struggling", "Struggling")],
    )
    answers = models.JSONField(default=list, blank=True, help_text="One answer per script question")
    call_back_at = models.DateTimeField(null=True, blank=True)
    in_hospital_until = models.DateField(null=True, blank=True)
    family_updated = models.ForeignKey(
        FamilyContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The family contact given a wellbeing update (only with the tenant's consent)",
    )
    notes = models.TextField(blank=True)
    # In hospital with no discharge date known: `in_hospital_until` is then the date we call
    # again to ask (welfare.call_forms.HOSPITAL_DATE_NOT_KNOWN_DAYS), not one anyone gave us.
    discharge_date_not_known = models.BooleanField(default=False)
    # One per form shown: a double click, a resubmitted form or the back button sends the same
    # key again, and the database refuses a second call with it.
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4)
    # What the form said (welfare.call_actions.call_digest): the same key sent again with other
    # content is not a resubmission but an amendment, and is never answered as if it were.
    content_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-made_at"]
        indexes = [
            models.Index(fields=["tenant", "-made_at"], name="call_tenant_idx"),
            models.Index(fields=["made_on", "outcome"], name="call_day_outcome_idx"),
            # The dashboard's list of calls, newest first (dashboard.call_list).
            models.Index(fields=["made_at", "id"], name="call_made_idx"),
            # An officer's own calls of a day, newest first ("Your calls today").
            models.Index(fields=["officer", "made_at", "id"], name="call_officer_made_idx"),
            models.Index(fields=["task", "outcome", "made_on"], name="call_task_attempts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="spoke") | ~Q(wellbeing=""),
                name="call_spoke_records_wellbeing",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="call_back") | Q(call_back_at__isnull=False),
                name="call_back_has_a_time",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="in_hospital") | Q(in_hospital_until__isnull=False),
                name="call_in_hospital_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.tenant.full_name}, {self.made_at:%Y-%m-%d}"

    @property
    def answered_script(self):
        return [
            (question, answer)
            for question, answer in zip(SCRIPT, self.answers or [], strict=False)
            if answer
        ]

    @cached_property
    def answered_campaign_scripts(self):
        """The answers to each campaign's own script on this call, under the campaign's name:
        [(campaign name, [(question, answer)])], campaigns with none answered left out. The
        programme's six questions are `answered_script`. On a list, prefetch
        `campaign_models.answered_scripts_prefetch()`; a single call reads them in two queries."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "campaigns" in cache:
            rows = cache["campaigns"]
        else:
            rows = self.campaigns.select_related("campaign").prefetch_related("campaign__questions")
        scripts = [
            (row.campaign, row.answered_script())
            for row in rows
            if not row.campaign.uses_welfare_script
        ]
        return [
            (campaign.name, answers)
            for campaign, answers in sorted(scripts, key=lambda item: item[0].pk)
            if answers
        ]


class CallDraft(models.Model):
    """What an officer typed on a call they hold, kept while they leave the call page mid-call
    (to correct a number, to read the record): the call page starts from it again. One per task
    and officer, never shown to anyone else; gone when the call is saved or handed back, or a
    week after it was last kept (call_drafts.call_drafts_discard_stale).

    A table, not the session: the session ends after SESSION_IDLE_MINUTES idle or when the
    browser closes, and a hand back (the officer's, or a manager's for them) is a write in
    welfare.actions that cannot reach the officer's session."""

    task = models.ForeignKey("welfare.CallTask", on_delete=models.CASCADE, related_name="drafts")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The call form's fields as posted: each name with its list of values.
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "officer"], name="calldraft_one_per_officer")
        ]

    def __str__(self):
        return f"Draft of task {self.task_id} by {self.officer_id}"


class CallNote(models.Model):
    """A note added to a recorded call afterwards (an amendment that arrived too late)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="later_notes")
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # The form's key: a double click adds the note once.
    idempotency_key = models.UUIDField(unique=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"Note on call {self.call_id} ({self.at:%Y-%m-%d})"


class Escalation(models.Model):
    """A tenant the queue could not reach: a manager works it until a result is recorded."""

    class Reason(models.TextChoices):
        FAILED_ATTEMPTS = "failed_attempts", "3 failed attempts on different days"
        WRONG_NUMBER = "wrong_number", "Wrong or dead number"
        # Found by the queue build before anyone dialled (welfare.no_number).
        NO_NUMBER = "no_number", "No number to dial"
        DECEASED = "deceased", "Reported deceased: confirm"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="escalations")
    task = models.ForeignKey(
        "welfare.CallTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    reason = models.CharField(max_length=20, choices=Reason)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    result = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The manager who has it in hand (issue 20); blank until someone takes it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_escalations",
    )

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(
                fields=["team", "opened_at"],
                condition=Q(status="open"),
                name="escalation_open_idx",
            ),
            # The dashboard's list of open escalations, oldest first, across teams: a page is
            # the first rows of this index, not a sort of every open escalation.
            models.Index(
                fields=["opened_at", "id"],
                condition=Q(status="open"),
                name="escalation_open_age_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status="open"), name="one_open_escalation_per_tenant"
            ),
            # An escalation is closed only with a recorded result.
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(result="") & Q(closed_at__isnull=False)),
                name="escalation_closed_with_a_result",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.tenant.full_name}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class EscalationAction(models.Model):
    class Kind(models.TextChoices):
        FAMILY = "family", "Tried family"
        SUPPORT_PROVIDER = "support_provider", "Tried the support provider"
        LIFELINE = "lifeline", "Tried Progress Lifeline"
        DOOR_KNOCK = "door_knock", "Door-knock visit"
        OTHER = "other", "Other"

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind)
    notes = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"


class QueueGap(models.Model):
    """A due, eligible tenant found with neither an open call task nor an open escalation."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    found_on = models.DateField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_on", "tenant_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "found_on"], name="one_gap_per_tenant_a_day"),
        ]
        indexes = [
            models.Index(
                fields=["found_on"], condition=Q(resolved_at__isnull=True), name="queuegap_open_idx"
            )
        ]

    def __str__(self):
        return f"{self.tenant} missing from the queue on {self.found_on}"
