from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OPERATING = "operating", _("Operating")
    REDUCED = "reduced", _("Reduced service")
    UNAVAILABLE = "unavailable", _("Currently unavailable")

    @property
    def description(self):
        return STATUS_DESCRIPTIONS[self]

    @property
    def heading(self):
        return STATUS_HEADINGS[self]

    @property
    def tag_colour(self):
        return STATUS_TAG_COLOURS[self]


STATUS_DESCRIPTIONS = {
    Status.OPERATING: _("Running, within government and Public Health England guidance."),
    Status.REDUCED: _("Running, but less than usual."),
    Status.UNAVAILABLE: _("Stopped for now."),
}
STATUS_HEADINGS = {
    Status.OPERATING: _("Operating (within government guidance)"),
    Status.REDUCED: _("Reduced services"),
    Status.UNAVAILABLE: _("Currently unavailable"),
}
STATUS_TAG_COLOURS = {
    Status.OPERATING: "govuk-tag--green",
    Status.REDUCED: "govuk-tag--yellow",
    Status.UNAVAILABLE: "govuk-tag--red",
}
# The public page lists what tenants cannot use first: that is what they come to find out.
PUBLIC_ORDER = [Status.UNAVAILABLE, Status.REDUCED, Status.OPERATING]


class ServiceGroup(models.TextChoices):
    """How tenants look for a service on the public page (and Statuspage's component groups)."""

    REPAIRS = "repairs", _("Repairs and maintenance")
    INDEPENDENT_LIVING = "independent-living", _("Independent living")
    COMMUNITY = "community", _("Community")
    MONEY = "money", _("Money and rent")
    SUPPORT = "support", _("Support and safety")


class Service(models.Model):
    """A service the association runs; its status is the latest change in force (`status_at`)."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    position = models.PositiveIntegerField(default=0, help_text="Order within its group")
    group = models.CharField(
        max_length=30,
        choices=ServiceGroup,
        default=ServiceGroup.COMMUNITY,
        help_text="Where tenants find it on the public page",
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__in=ServiceGroup.values), name="service_group_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def status_at(self, at):
        """The change in force at `at`, or None before the first one."""
        return self.changes.in_force(at).first()


class StatusChangeQuerySet(models.QuerySet):
    def in_force(self, at):
        """Changes that have taken effect by `at` and were not cancelled, latest first.

        The first row for a service is its status at `at`: every read of "current" goes
        through this ordering, so one rule decides it.
        """
        return self.filter(cancelled_at__isnull=True, effective_at__lte=at).order_by(
            "-effective_at", "-pk"
        )

    def scheduled(self, at):
        """Changes still to take effect after `at`, soonest first."""
        return self.filter(cancelled_at__isnull=True, effective_at__gt=at).order_by(
            "effective_at", "pk"
        )


class StatusChange(models.Model):
    """One change to a service's status and public message, now or at a future time.

    Rows are never edited, except to cancel one before it takes effect: the rows are the history.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=20, choices=Status)
    message = models.TextField(max_length=1000)
    effective_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    # Null for the list loaded when the register was set up, and if a manager's account goes.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_at", "-pk"]
        indexes = [models.Index(fields=["service", "-effective_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="status_change_status_valid"
            ),
            models.CheckConstraint(condition=~Q(message=""), name="status_change_has_message"),
            # Never two changes to one service at the same moment: tenants would read both.
            models.UniqueConstraint(
                fields=["service", "effective_at"],
                condition=Q(cancelled_at__isnull=True),
                name="one_change_per_service_and_time",
            ),
            # Once a change has taken effect it is history: it can only be replaced, not undone.
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(cancelled_at__lt=F("effective_at")),
                name="status_change_cancelled_before_effect",
            ),
        ]

    def __str__(self):
        return f"{self.service}: {self.get_status_display()} from {self.effective_at:%Y-%m-%d}"

    @property
    def status_choice(self):
        return Status(self.status)

    def is_scheduled(self, at):
        return self.cancelled_at is None and self.effective_at > at

    def cancel_refusal(self, at):
        """Why this change cannot be cancelled at `at`, or None if it can."""
        if self.cancelled_at is not None:
            return "This change has already been cancelled"
        if self.effective_at <= at:
            return (
                "This change has already taken effect, so it cannot be cancelled. "
                "Make a new change instead"
            )
        return None
