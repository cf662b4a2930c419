from datetime import date

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from accounts.access import team_scoped
from accounts.models import Patch
from config.dates import age_on


class SupportProvider(models.Model):
    """An organisation supporting tenants in supported living schemes."""

    name = models.CharField(max_length=200, unique=True)
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Scheme(models.Model):
    class Type(models.TextChoices):
        INDEPENDENT_LIVING = "independent_living", "Independent living"
        SUPPORTED_LIVING = "supported_living", "Supported living"

    name = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=20, choices=Type)
    support_provider = models.ForeignKey(
        SupportProvider, on_delete=models.SET_NULL, null=True, blank=True, related_name="schemes"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PatchArea(models.Model):
    """The patch map managers keep: a postcode's outward code (PR1) belongs to one patch."""

    outward_code = models.CharField(max_length=4, unique=True)
    patch = models.ForeignKey(Patch, on_delete=models.CASCADE, related_name="areas")

    class Meta:
        ordering = ["outward_code"]

    def __str__(self):
        return f"{self.outward_code} -> {self.patch.code}"


class TenantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The tenants `user` may see (accounts.access.in_team_scope, by the patch's team)."""
        return team_scoped(self, user, "patch__team_id")

    def current(self, on=None):
        """Tenancies not ended and tenants not known to have died."""
        on = on or date.today()
        return self.filter(
            Q(tenancy_end_date__isnull=True) | Q(tenancy_end_date__gt=on),
            deceased_on__isnull=True,
            deceased_reported_on__isnull=True,
        )

    def unassigned(self):
        return self.filter(patch__isnull=True)

    def with_number_to_dial(self):
        """Annotate `has_number_to_dial`: whether `Tenant.numbers_to_dial()` has any number,
        by the same rule in SQL, for the queue build (no tenant loaded). Keep the two together:
        a number the file sends counts unless a mark on it applies (a mark made on the file's
        number, or one made in the app while the file sent the numbers it sends now); a number
        added in the app counts if it is good and the file still sends what it sent then."""
        file_numbers = Case(  # `Tenant.file_numbers_key`
            When(phone="", then=F("mobile")),
            When(mobile="", then=F("phone")),
            default=Concat("phone", Value(","), "mobile", output_field=CharField()),
            output_field=CharField(),
        )
        applies = Q(source=PhoneNumber.Source.FILE) | Q(file_numbers=OuterRef("file_numbers"))
        marks = PhoneNumber.objects.filter(applies, tenant=OuterRef("pk")).exclude(
            status=PhoneNumber.Status.GOOD
        )
        added = PhoneNumber.objects.filter(
            tenant=OuterRef("pk"),
            source=PhoneNumber.Source.APP,
            status=PhoneNumber.Status.GOOD,
            file_numbers=OuterRef("file_numbers"),
        )
        dialable = (
            (~Q(phone="") & ~Exists(marks.filter(number=OuterRef("phone"))))
            | (~Q(mobile="") & ~Exists(marks.filter(number=OuterRef("mobile"))))
            | Exists(added)
        )
        return self.annotate(file_numbers=file_numbers).annotate(
            has_number_to_dial=Case(
                When(dialable, then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def without_number_to_dial(self):
        """The tenants with no number to dial (`with_number_to_dial`), for a million: only a
        tenant the file sends no number for, or with a number marked wrong or dead, can be one,
        so those few are found first (a hashed lookup) and the rule's subqueries run for them
        alone."""
        marked = PhoneNumber.objects.exclude(status=PhoneNumber.Status.GOOD).values("tenant_id")
        return (
            self.filter(Q(phone="", mobile="") | Q(pk__in=marked))
            .with_number_to_dial()
            .filter(has_number_to_dial=False)
        )


class Tenant(models.Model):
    # tenancy_ref, phone, mobile and postcode compare in byte order (COLLATE "C") on
    # PostgreSQL: migration 0010 says why. An AlterField of them must keep it.
    tenancy_ref = models.CharField("tenancy reference", max_length=20, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    phone = PhoneNumberField(blank=True)
    mobile = PhoneNumberField(blank=True)
    no_phone = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    # What the housing management file sent as the email when an officer last set `email` in
    # the app; null while `email` is the file's own. The import keeps the officer's email
    # while the file sends this same one, as for a number added in the app
    # (`contact_numbers`): a file that sends a different one wins.
    email_in_file = models.CharField(max_length=254, null=True, blank=True)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, help_text="Stored as PR1 2AB")
    # No index of its own: tenant_patch_name_idx (patch, last_name) serves lookups by patch.
    patch = models.ForeignKey(
        Patch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenants",
        db_index=False,
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenants",
        help_text="Blank for general needs housing",
    )
    support_provider = models.ForeignKey(
        SupportProvider, on_delete=models.SET_NULL, null=True, blank=True, related_name="tenants"
    )
    lifeline = models.BooleanField("Progress Lifeline telecare customer", default=False)
    lives_alone = models.BooleanField(null=True, blank=True, help_text="Blank when not known")
    self_isolating_from = models.DateField("unwell or self-isolating from", null=True, blank=True)
    self_isolating_until = models.DateField("unwell or self-isolating until", null=True, blank=True)
    interpreter_language = models.CharField(max_length=100, blank=True)
    communication_needs = models.TextField(
        blank=True, help_text="Hearing or speech needs, easy read, anything that changes a call"
    )
    declined_calls_on = models.DateField("declined welfare calls on", null=True, blank=True)
    in_hospital_until = models.DateField(null=True, blank=True)
    tenancy_end_date = models.DateField(null=True, blank=True)
    deceased_reported_on = models.DateField(
        "reported deceased on", null=True, blank=True, help_text="Awaiting a manager's confirmation"
    )
    deceased_on = models.DateField("deceased (confirmed) on", null=True, blank=True)
    last_contact_at = models.DateTimeField(
        "last successful contact", null=True, blank=True, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The history is read by tenant (`id`): its copies of the register's lookup indexes are
    # not kept (each was one more index for the first import to build and every change to
    # write).
    history = HistoricalRecords(
        excluded_fields=["updated_at", "last_contact_at", "email_in_file"],
        no_db_index=["tenancy_ref", "patch", "scheme", "support_provider"],
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "tenancy_ref"]
        indexes = [
            models.Index(Upper("last_name"), Upper("first_name"), name="tenant_name_idx"),
            models.Index(fields=["postcode"], name="tenant_postcode_idx"),
            models.Index(fields=["phone"], name="tenant_phone_idx"),
            models.Index(fields=["mobile"], name="tenant_mobile_idx"),
            models.Index(fields=["patch", "last_name"], name="tenant_patch_name_idx"),
            models.Index(fields=["date_of_birth"], name="tenant_dob_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_isolating_until__isnull=True)
                | Q(self_isolating_from__isnull=True)
                | Q(self_isolating_until__gte=models.F("self_isolating_from")),
                name="tenant_isolation_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.tenancy_ref})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def provider(self):
        """The tenant's support provider: their own, else their scheme's (a tenant may have a
        provider and no scheme: the import allows it)."""
        if self.support_provider_id:
            return self.support_provider
        return self.scheme.support_provider if self.scheme else None

    @property
    def home_type(self):
        return self.scheme.get_type_display() if self.scheme else "General needs"

    @property
    def outward_code(self):
        return self.postcode.split(" ")[0] if self.postcode else ""

    def age_on(self, on):
        return age_on(self.date_of_birth, on)

    def is_isolating_on(self, on):
        return bool(
            self.self_isolating_from
            and self.self_isolating_from <= on
            and (self.self_isolating_until is None or self.self_isolating_until >= on)
        )

    def phones(self):
        """The numbers as the housing management file last sent them."""
        return [number for number in (self.phone, self.mobile) if number]

    def file_numbers_key(self):
        """The file's numbers as one string, to tell when the file sends different ones."""
        return ",".join(str(number) for number in self.phones())

    def contact_numbers(self):
        """Every number to show, each a `PhoneNumber` (saved or not), in the order to dial:
        good numbers first (the newest added in the app, then the file's), then wrong, then
        dead. The file's numbers stay in `phone` and `mobile` as the import writes them; what
        officers learned on calls is in `PhoneNumber` rows, combined here by one rule
        (DOMAIN.md, "Contact details"): a mark on a number holds while the file keeps sending
        that number, and a number added in the app stands until the file sends different
        numbers from those it sent when the number was added. Use `prefetch_related(
        "phone_numbers")` on lists."""
        file_key = self.file_numbers_key()
        rows = {}
        for row in self.phone_numbers.all():
            if row.source == PhoneNumber.Source.APP and row.file_numbers != file_key:
                continue  # the file has sent a different number since: it wins
            rows[str(row.number)] = row
        numbers, shown = [], set()
        for number in self.phones():
            if str(number) in shown:
                continue  # the file sends one number as both phone and mobile: one number
            shown.add(str(number))
            row = rows.pop(str(number), None)
            numbers.append(
                row or PhoneNumber(tenant=self, number=number, source=PhoneNumber.Source.FILE)
            )
        numbers.extend(row for row in rows.values() if row.source == PhoneNumber.Source.APP)
        rank = {PhoneNumber.Status.GOOD: 0, PhoneNumber.Status.WRONG: 1, PhoneNumber.Status.DEAD: 2}
        file_order = {str(number): place for place, number in enumerate(self.phones())}

        def order(n):
            # Good before wrong before dead; added in the app (the newest first) before the
            # file's numbers (in the file's order).
            if n.source == PhoneNumber.Source.APP:
                return (rank[n.status], 0, -n.at.timestamp() if n.at else 0)
            return (rank[n.status], 1, file_order.get(str(n.number), 0))

        return sorted(numbers, key=order)

    def numbers_to_dial(self):
        """The numbers to call or text, best first: never one marked wrong or dead. The same
        rule in SQL: `TenantQuerySet.with_number_to_dial`."""
        return [n.number for n in self.contact_numbers() if n.status == PhoneNumber.Status.GOOD]


class PhoneNumber(models.Model):
    """What officers know about one of a tenant's numbers: one they added, or a mark on one
    the housing management file sends. `Tenant.contact_numbers` combines them with the file's."""

    class Source(models.TextChoices):
        APP = "app", "Added in the app"
        FILE = "file", "Housing management file"

    class Status(models.TextChoices):
        GOOD = "good", "Good"
        WRONG = "wrong", "Wrong number"
        DEAD = "dead", "Dead number"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="phone_numbers")
    number = PhoneNumberField()
    source = models.CharField(max_length=10, choices=Source)
    status = models.CharField(max_length=10, choices=Status, default=Status.GOOD)
    # For a number added in the app: the file's numbers when it was added (see contact_numbers).
    file_numbers = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="one_row_per_tenant_number"),
        ]
        # Tenant search by phone number finds numbers added in the app through this.
        indexes = [models.Index(fields=["number"], name="phonenumber_number_idx")]

    def __str__(self):
        return f"{self.number} ({self.get_status_display()})"

    @property
    def is_saved(self):
        return self.pk is not None


class TenantImportRow(models.Model):
    """The file row a tenant was last checked against by the tenant import, as a digest of its
    cells, and the version of the tenant's row (PostgreSQL's `xmin`) once it matched them.

    A re-import passes a row with the same digest for a tenant whose row has not changed since
    (any write to it, from the app or anywhere, gives it a new `xmin`) without checking its
    cells again: they passed then, and the tenant still holds what they said. The rules that
    can change without the row (today's date, patch codes and areas, schemes and providers)
    are checked again (`tenants.import_checks.TenantChecks.same_rows`). No foreign key in the
    database (a deferred check per row cost seconds a million rows), and none in Django
    either: deleting a tenant leaves its row, which matches no tenant again (ids are not
    reused), and costs no query.
    """

    tenant = models.OneToOneField(
        Tenant,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )
    digest = models.UUIDField()
    version = models.BigIntegerField()

    def __str__(self):
        return f"{self.tenant_id}: {self.digest}"


class FamilyContact(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="family_contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100)
    phone = PhoneNumberField(blank=True)
    consent_to_updates = models.BooleanField(
        "tenant consents to wellbeing updates to this contact", default=False
    )
    consent_given_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_to_updates=False) | Q(consent_given_on__isnull=False),
                name="family_consent_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.relationship})"


class AccessLog(models.Model):
    """Every staff read of tenant data: special category data must show who looked and when.

    Append-only: a PostgreSQL trigger refuses any UPDATE or DELETE of a row. It outlives the
    tenant: the tenant is kept as an id and a tenancy reference, not a foreign key, so deleting
    a tenant keeps every row about them. A list page writes one row naming every tenant it
    showed (`tenant_ids`, GIN-indexed on PostgreSQL)."""

    class Kind(models.TextChoices):
        VIEW = "view", "Viewed record"
        SEARCH = "search", "Searched"
        LIST = "list", "Shown in a list"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10, choices=Kind)
    tenant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    tenancy_ref = models.CharField("tenancy reference", max_length=20, blank=True)
    tenant_ids = models.JSONField("tenants shown", default=list, blank=True)
    query = models.CharField(max_length=200, blank=True)
    page = models.CharField(max_length=200)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["tenant_id", "-at"], name="accesslog_tenant_idx"),
            models.Index(fields=["user", "-at"], name="accesslog_user_idx"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="accesslog_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.user} {self.get_kind_display().lower()} at {self.at:%Y-%m-%d %H:%M}"
