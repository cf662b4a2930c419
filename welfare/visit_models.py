"""Doorstep visits: the last rung of the escalation ladder (welfare.ladder), as work an officer
or a team owns, with a target date and an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from accounts.models import Team
from tenants.models import Tenant

__all__ = ["Visit"]


class VisitQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Visit.Status.OPEN)

    def for_officer(self, user):
        """An officer's visits: given to them, or to their team with no officer named yet."""
        return self.filter(Q(officer=user) | Q(officer__isnull=True, team_id=user.team_id))

    def round_order(self):
        """The order an officer walks them: patch, then street address."""
        return self.order_by("tenant__patch__code", "tenant__address_line_1", "tenant__postcode")


class Visit(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "To visit"
        DONE = "done", "Visited"

    class Outcome(models.TextChoices):
        SEEN_WELL = "seen_well", "Seen and well"
        SEEN_NEEDS_HELP = "seen_needs_help", "Seen and needs help"
        CARD_LEFT = "card_left", "Card left"
        NO_ANSWER_CONCERN = "no_answer_concern", "No answer, with concern"
        MOVED = "moved", "Tenant has moved"
        DIED = "died", "Tenant has died"

    # Outcomes where someone saw the tenant: they count as a successful contact.
    SEEN = (Outcome.SEEN_WELL, Outcome.SEEN_NEEDS_HELP)

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="visits")
    escalation = models.ForeignKey(
        "welfare.Escalation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="visits")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        help_text="Blank: anyone in the team may make the visit.",
    )
    target_on = models.DateField("visit by")
    what_to_ask = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)

    outcome = models.CharField(max_length=20, choices=Outcome, blank=True)
    notes = models.TextField(blank=True)
    number_given = PhoneNumberField(
        blank=True,
        help_text="Card left: the number the tenant (or a neighbour) gave to call.",
    )
    emergency_contacted = models.CharField(
        "emergency services contacted", max_length=200, blank=True
    )
    emergency_contacted_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["target_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status="open"), name="one_open_visit_per_tenant"
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome="")
                | (Q(status="done") & ~Q(outcome="") & Q(recorded_at__isnull=False)),
                name="visit_done_has_an_outcome",
            ),
            # Never "no answer, with concern" without who was called and when.
            models.CheckConstraint(
                condition=~Q(outcome="no_answer_concern")
                | (~Q(emergency_contacted="") & Q(emergency_contacted_at__isnull=False)),
                name="visit_concern_records_emergency_contact",
            ),
        ]
        indexes = [
            models.Index(
                fields=["team", "officer"], condition=Q(status="open"), name="visit_open_idx"
            )
        ]

    def __str__(self):
        return f"Visit {self.tenant.full_name} by {self.target_on}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN
