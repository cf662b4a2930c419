"""Here to Help (DOMAIN.md): requests for help with their notes and signposts, and the resource
directory of organisations requests are signposted to.

The models moved here from welfare and keep their tables (`welfare_*`, see migrations/0001), so a
database upgrades in place. A request keeps the welfare call task it came from as a reference
(a foreign key named as a string): this app imports nothing from welfare.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from accounts.access import team_scoped
from config.dates import add_working_days


class Need(models.TextChoices):
    FOOD = "food", "Food and shopping"
    MEDICATION = "medication", "Medication"
    BENEFITS = "benefits", "Benefits advice"
    MENTAL_HEALTH = "mental_health", "Mental health and wellbeing"
    FINANCIAL = "financial_difficulty", "Financial difficulty"
    TECHNOLOGY = "technology", "Technology and staying connected"
    UTILITY_CREDIT = "utility_credit", "Utility meter credit"
    BEFRIENDING = "befriending", "Befriending"
    OTHER = "other", "Other"


# Target times in working days (DOMAIN.md: food and medication 1, others 5). A deployment may
# override any of them with settings.HELP_TARGET_WORKING_DAYS, e.g. {"benefits": 3}.
DEFAULT_TARGET_WORKING_DAYS = {need.value: 5 for need in Need} | {
    Need.FOOD.value: 1,
    Need.MEDICATION.value: 1,
}
# A directory entry not validated for this many days is flagged and not offered.
DEFAULT_DIRECTORY_VALID_DAYS = 90


def target_working_days(need):
    """Managers set these under "Here to Help settings"; until then the defaults, or the
    HELP_TARGET_WORKING_DAYS setting."""
    saved = HelpSettings.saved().get("target_working_days", {})  # noqa: F405 (below)
    return {**default_targets(), **saved}[need]


def default_targets():
    return {**DEFAULT_TARGET_WORKING_DAYS, **getattr(settings, "HELP_TARGET_WORKING_DAYS", {})}


def directory_valid_days():
    saved = HelpSettings.saved().get("directory_valid_days")  # noqa: F405 (below)
    return saved or getattr(settings, "HELP_DIRECTORY_VALID_DAYS", DEFAULT_DIRECTORY_VALID_DAYS)


def target_due_at(need, raised_at):
    """The end of the Nth working day after the (Europe/London) day the request was raised.

    Counting whole days rather than hours means a request raised late on Friday is not already
    due first thing on Monday: food raised on Friday at 15:00 is due by the end of Monday.
    """
    london = timezone.get_default_timezone()
    raised_on = timezone.localtime(raised_at, london).date()
    due_on = add_working_days(raised_on, target_working_days(need))
    return timezone.make_aware(datetime.combine(due_on, time(23, 59, 59)), london)


class HelpRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Requests of the tenants `user` may see: their team's tenants, or all for a manager.

        Access follows the tenant as the tenant record does, so a tenant moved to another team's
        patch takes their requests with them; `team` keeps the team at raising time.
        """
        return team_scoped(self, user, "tenant__patch__team_id")

    def open(self):
        return self.filter(status__in=HelpRequest.OPEN_STATUSES)

    def past_target(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def ranked(self, now=None):
        """Open requests past their target first, then by target time, oldest first."""
        now = now or timezone.now()
        return self.annotate(
            is_late=Case(
                When(Q(status__in=HelpRequest.OPEN_STATUSES, due_at__lt=now), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        ).order_by("-is_late", "due_at", "id")


class HelpRequest(models.Model):
    """A tenant's need for help, owned by an officer or (unowned) by the team, with a target."""

    class Source(models.TextChoices):
        WELFARE_CALL = "welfare_call", "Welfare call"
        PHONE_IN = "phone_in", "Phone-in"
        SOCIAL_MEDIA = "social_media", "Social media"
        REFERRAL = "referral", "Referral"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        REFERRED = "referred", "Referred"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed: no longer needed"

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.REFERRED)
    FINISHED_STATUSES = (Status.RESOLVED, Status.CLOSED)

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="help_requests"
    )
    need = models.CharField(max_length=30, choices=Need)
    source = models.CharField(max_length=20, choices=Source)
    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_help_requests",
        help_text="Blank: the team owns it until someone takes it on.",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
        help_text="The team of the tenant's patch when the request was raised.",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField("target time")
    resolved_at = models.DateTimeField("resolved or closed at", null=True, blank=True)
    outcome = models.TextField(
        blank=True, help_text="How it was resolved, or why it was no longer needed."
    )
    # The welfare call the request came from. Calls are not recorded yet: the call-logging work
    # adds the Call model and links requests to it (as `call`); until then a request raised
    # from the queue points at the call task.
    source_task = models.ForeignKey(
        "welfare.CallTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    # Financial difficulty prompts the team's income officers to consider an arrears flag.
    arrears_considered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    arrears_considered_at = models.DateTimeField(null=True, blank=True)
    # What the income officer decided and why, when it was not a flag: "No flag needed" and this.
    arrears_no_flag_reason = models.CharField(
        "why no arrears flag is needed", max_length=200, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        db_table = "welfare_helprequest"
        verbose_name = "Here to Help request"
        ordering = ["due_at", "id"]
        indexes = [
            # The lists: team requests, my requests, and both ordered by target time.
            models.Index(fields=["team", "status"], name="helprequest_team_status_idx"),
            models.Index(fields=["owner", "status"], name="helprequest_owner_status_idx"),
            models.Index(fields=["due_at"], name="helprequest_due_idx"),
            # Open requests past their target (the dashboard's count and its list): counted from
            # this index alone, not by reading every request.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["new", "in_progress", "referred"]),
                name="helprequest_open_due_idx",
            ),
        ]
        constraints = [
            # A finished request says when, and how it ended; an open one has neither.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["resolved", "closed"], resolved_at__isnull=False) & ~Q(outcome="")
                )
                | Q(status__in=["new", "in_progress", "referred"], resolved_at__isnull=True),
                name="helprequest_finished_has_outcome",
            ),
        ]

    def __str__(self):
        return f"{self.get_need_display()} (request {self.pk})"

    def clean(self):
        if self.source_task_id and self.source_task.tenant_id != self.tenant_id:
            raise ValidationError({"source_task": "The call task is for another tenant."})

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def is_past_target(self, now=None):
        return self.is_open and self.due_at < (now or timezone.now())

    @property
    def target_working_days(self):
        return target_working_days(self.need)

    @property
    def is_financial_difficulty(self):
        return self.need == Need.FINANCIAL

    @property
    def status_tag(self):
        """The GOV.UK tag colour for the status."""
        return {
            self.Status.NEW: "govuk-tag--light-blue",
            self.Status.IN_PROGRESS: "govuk-tag--blue",
            self.Status.REFERRED: "govuk-tag--purple",
            self.Status.RESOLVED: "govuk-tag--green",
            self.Status.CLOSED: "govuk-tag--grey",
        }[self.status]


class RequestNote(models.Model):
    """The request's history: notes typed by staff and a line for every change made."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        db_table = "welfare_requestnote"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Note by {self.author} at {self.created_at:%Y-%m-%d %H:%M}"


def validation_cutoff(now=None):
    """Entries last validated before this moment need validating again."""
    return (now or timezone.now()) - timedelta(days=directory_valid_days())


class OrganisationQuerySet(models.QuerySet):
    def needs_validation(self, now=None):
        return self.filter(
            Q(validated_at__isnull=True) | Q(validated_at__lt=validation_cutoff(now))
        )

    def valid(self, now=None):
        """Entries we may offer: validated recently and not temporarily closed."""
        return self.filter(temporarily_closed=False, validated_at__gte=validation_cutoff(now))

    def meeting(self, need):
        return self.filter(
            Exists(OrganisationNeed.objects.filter(organisation=OuterRef("pk"), need=need))
        )

    def covering(self, outward_code):
        return self.filter(
            Q(covers_all_areas=True)
            | Exists(
                OrganisationArea.objects.filter(
                    organisation=OuterRef("pk"), outward_code=outward_code.upper()
                )
            )
        )

    def offered_for(self, help_request, now=None):
        """What a request may be signposted to: valid, meeting its need, covering the tenant's
        postcode district."""
        return self.valid(now).meeting(help_request.need).covering(help_request.tenant.outward_code)


class Organisation(models.Model):
    """A community group, charity or agency in the resource directory."""

    class Kind(models.TextChoices):
        COMMUNITY_GROUP = "community_group", "Community group"
        CHARITY = "charity", "Charity"
        AGENCY = "agency", "Agency"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind)
    description = models.TextField("what they offer", blank=True)
    covers_all_areas = models.BooleanField(
        default=False, help_text="Serves tenants anywhere, whatever their postcode."
    )
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    opening_notes = models.TextField(blank=True, help_text="Opening times, how to refer.")
    temporarily_closed = models.BooleanField(default=False)
    validated_at = models.DateTimeField("last validated at", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        db_table = "welfare_organisation"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["validated_at"], name="organisation_validated_idx")]

    def __str__(self):
        return self.name

    def needs_validation(self, now=None):
        return self.validated_at is None or self.validated_at < validation_cutoff(now)

    def is_offered(self, now=None):
        return not self.temporarily_closed and not self.needs_validation(now)

    def need_labels(self):
        """The needs met, in the order of the Need choices (uses prefetched `needs`)."""
        met = {row.need for row in self.needs.all()}
        return [need.label for need in Need if need.value in met]

    def area_codes(self):
        return sorted(row.outward_code for row in self.areas.all())


class OrganisationNeed(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="needs")
    need = models.CharField(max_length=30, choices=Need)

    class Meta:
        db_table = "welfare_organisationneed"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "need"], name="organisation_need_once")
        ]
        indexes = [models.Index(fields=["need", "organisation"], name="organisationneed_need_idx")]

    def __str__(self):
        return f"{self.organisation_id}: {self.need}"


class OrganisationArea(models.Model):
    """A postcode district (outward code, such as PR1 or FY8) an organisation covers."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="areas")
    outward_code = models.CharField(max_length=4)

    class Meta:
        db_table = "welfare_organisationarea"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "outward_code"], name="organisation_area_once"
            )
        ]
        indexes = [
            models.Index(fields=["outward_code", "organisation"], name="organisationarea_code_idx")
        ]

    def __str__(self):
        return self.outward_code


class Signpost(models.Model):
    """A request signposted to a directory entry: what the tenant was given, by whom, when."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="signposts")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signposts"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField("what was given to the tenant")

    class Meta:
        db_table = "welfare_signpost"
        ordering = ["given_at", "id"]

    def __str__(self):
        return f"Request {self.request_id} to {self.organisation_id}"


from .settings_models import *  # noqa: E402, F403  Targets and validity managers change
