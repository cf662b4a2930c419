"""Campaigns (DOMAIN.md, "Campaigns"): who is called, how often, and with which script.

The COVID welfare calls are the first campaign (`Campaign.Kind.PROGRAMME`, seeded by a
migration): its tenants and cadences are still the cohorts'. Every other campaign picks its
tenants by a cohort filter or an imported list and has a cadence or "each tenant once by the
end date". Whatever the number of campaigns, a tenant has at most one open call task; the call
page shows the script of every campaign the tenant is due in (welfare.campaign_rules).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Patch, Team
from here_to_help.models import Need
from tenants.models import Scheme, Tenant

__all__ = [
    "Campaign",
    "CampaignCall",
    "CampaignMember",
    "CampaignQuestion",
    "CampaignReach",
    "answered_scripts_prefetch",
]


class Campaign(models.Model):
    class Kind(models.TextChoices):
        PROGRAMME = "programme", "Welfare call cohorts and cadences"
        COHORT = "cohort", "Tenants who match a filter"
        LIST = "list", "An imported list"
        PROVIDER_CRITICAL = "provider_critical", "Tenants of providers whose staffing is critical"

    class Schedule(models.TextChoices):
        CADENCE = "cadence", "Call every so many days"
        ONCE = "once", "Call each tenant once by the end date"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class HomeType(models.TextChoices):
        ANY = "", "Any home"
        GENERAL_NEEDS = "general_needs", "General needs housing"
        INDEPENDENT_LIVING = Scheme.Type.INDEPENDENT_LIVING.value, "Independent living scheme"
        SUPPORTED_LIVING = Scheme.Type.SUPPORTED_LIVING.value, "Supported living scheme"

    PROGRAMME_CODE = "covid_welfare"
    PROVIDER_CRITICAL_CODE = "provider_critical"

    code = models.CharField(
        max_length=30, blank=True, editable=False, help_text="Set on campaigns the system seeds"
    )
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.COHORT)
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True,
        blank=True,
        help_text="The deadline of a 'once by' campaign; the planned end of one with a cadence.",
    )
    schedule = models.CharField(max_length=10, choices=Schedule, blank=True)
    cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)

    # The cohort filter: every condition set must hold; a blank one does not filter.
    min_age = models.PositiveSmallIntegerField("aged at least", null=True, blank=True)
    home_type = models.CharField(max_length=20, choices=HomeType, blank=True)
    lives_alone_only = models.BooleanField("only tenants who live alone", default=False)
    lifeline_only = models.BooleanField("only Lifeline customers", default=False)
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    patches = models.ManyToManyField(Patch, blank=True, related_name="+")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="campaign_code"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_it_starts",
            ),
            # The programme's cadences are the cohorts'; every other campaign has a schedule.
            models.CheckConstraint(
                condition=Q(kind="programme", schedule="")
                | Q(schedule="cadence", cadence_days__gte=1)
                | Q(schedule="once", ends_on__isnull=False),
                name="campaign_has_a_schedule",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="campaign_closed_has_a_time",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_programme(self):
        return self.kind == self.Kind.PROGRAMME

    @property
    def follows_cadence_rule(self):
        """Due by the cohorts' cadence rule (welfare.cadence), not by its own reaches: the
        programme, and provider critical, whose tenants that rule calls at its cadence."""
        return self.kind in (self.Kind.PROGRAMME, self.Kind.PROVIDER_CRITICAL)

    @property
    def uses_welfare_script(self):
        """The programme's six questions serve this campaign (it has no script of its own)."""
        return self.kind in (self.Kind.PROGRAMME, self.Kind.PROVIDER_CRITICAL)

    @property
    def is_seeded(self):
        """The programme and the provider-critical campaign: never paused or closed."""
        return bool(self.code)

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    def is_running_on(self, on):
        """Active and started. A campaign past its end date keeps calling the tenants it has
        not reached until a manager closes it: none is silently dropped."""
        return self.is_active and self.starts_on <= on

    def schedule_words(self):
        if self.is_programme:
            return "each cohort's cadence"
        if self.schedule == self.Schedule.ONCE:
            return f"each tenant once by {self.ends_on:%-d %B %Y}"
        return f"every {self.cadence_days} days"

    def next_due_on(self, reached_on):
        """After reaching a tenant on `reached_on`: when they are due again (None: never)."""
        if self.schedule == self.Schedule.CADENCE:
            return reached_on + timedelta(days=self.cadence_days)
        return None


class CampaignQuestion(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Free text"
        YES_NO = "yes_no", "Yes or no"
        CHOICE = "choice", "A choice"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.TEXT)
    choices = models.TextField(blank=True, help_text="A choice question's options, one a line")
    need_on_no = models.CharField(
        "a 'no' suggests the need", max_length=20, choices=Need, blank=True
    )

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="one_question_a_place"),
        ]

    def __str__(self):
        return self.text

    def option_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def answer_words(self, answer):
        """An answer as the officer chose it: "Yes" or "No" for a yes or no question (stored
        as "yes" or "no"), else as typed or chosen."""
        if self.kind == self.Kind.YES_NO:
            return {"yes": "Yes", "no": "No"}.get(answer, answer)
        return answer


class CampaignMember(models.Model):
    """A tenant on an imported list campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "tenant"], name="one_membership"),
        ]

    def __str__(self):
        return f"{self.tenant_id} in {self.campaign_id}"


class CampaignReach(models.Model):
    """The last time a tenant was spoken to on a call that covered the campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reaches")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    reached_at = models.DateTimeField()
    next_due_on = models.DateField(null=True, blank=True, help_text="Blank: not due again")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "tenant"], name="one_reach_per_campaign"),
        ]

    def __str__(self):
        return f"{self.tenant_id} reached {self.reached_at:%Y-%m-%d} in {self.campaign_id}"


class CampaignCall(models.Model):
    """A call that covered a campaign, with the answers to that campaign's script."""

    call = models.ForeignKey("welfare.Call", on_delete=models.CASCADE, related_name="campaigns")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="calls")
    answers = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "campaign"], name="one_campaign_call"),
        ]

    def __str__(self):
        return f"call {self.call_id} in {self.campaign_id}"

    def answered_script(self):
        """[(question, answer)] for the questions of the campaign's script the officer answered,
        in the script's order (`answers` holds one per question, blank if not answered)."""
        questions = self.campaign.questions.all()
        return [
            (question.text, question.answer_words(answer))
            for question, answer in zip(questions, self.answers or [], strict=False)
            if answer
        ]


def answered_scripts_prefetch():
    """For `Call.answered_campaign_scripts` on a list of calls: each call's campaigns with
    their questions, in two queries however many calls."""
    return Prefetch(
        "campaigns",
        queryset=CampaignCall.objects.select_related("campaign").prefetch_related(
            "campaign__questions"
        ),
    )
