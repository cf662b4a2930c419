import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Patch, Team, User

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class PatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"Patch {n}")
    team = factory.SubFactory(TeamFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    role = User.Role.OFFICER
    team = factory.SubFactory(TeamFactory)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class OfficerFactory(UserFactory):
    role = User.Role.OFFICER


class IncomeOfficerFactory(UserFactory):
    role = User.Role.INCOME_OFFICER


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER
    team = None


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


# Tenants -----------------------------------------------------------------------------------
from tenants.models import FamilyContact, Scheme, SupportProvider, Tenant  # noqa: E402


class SupportProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportProvider
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Harbour Support Services {n}")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Ribble Court {n}")
    type = Scheme.Type.INDEPENDENT_LIVING


class TenantFactory(factory.django.DjangoModelFactory):
    """A valid tenant: phones from Ofcom's drama landline range, which libphonenumber accepts."""

    class Meta:
        model = Tenant

    tenancy_ref = factory.Sequence(lambda n: f"PHG-{n:06d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=20, maximum_age=65)
    phone = factory.Sequence(lambda n: f"+44207946{n % 1000:04d}")
    address_line_1 = factory.Faker("street_address", locale="en_GB")
    town = "Preston"
    postcode = "PR1 2AB"
    patch = factory.SubFactory(PatchFactory)
    lives_alone = False


class FamilyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyContact

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Faker("name", locale="en_GB")
    relationship = "Daughter"
    phone = "+441134960123"
    consent_to_updates = False


# Arrears -----------------------------------------------------------------------------------
import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.utils.timezone import localdate  # noqa: E402

from arrears.models import ArrearsFlag, RentBalance, SupportOffer  # noqa: E402


class ArrearsFlagFactory(factory.django.DjangoModelFactory):
    """An open flag raised today by an income officer of the tenant's team, no review date."""

    class Meta:
        model = ArrearsFlag

    tenant = factory.SubFactory(TenantFactory)
    reported_on = factory.LazyFunction(localdate)
    reason = ArrearsFlag.Reason.FURLOUGH
    raised_by = factory.SubFactory(
        IncomeOfficerFactory,
        team=factory.LazyAttribute(
            lambda user: (
                user.factory_parent.tenant.patch.team
                if user.factory_parent.tenant.patch
                else TeamFactory()
            )
        ),
    )


class RentBalanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RentBalance

    tenant = factory.SubFactory(TenantFactory)
    balance = Decimal("250.00")
    as_at = factory.LazyFunction(localdate)
    weekly_rent = Decimal("98.50")
    imported_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class SupportOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportOffer

    flag = factory.SubFactory(ArrearsFlagFactory)
    kind = SupportOffer.Kind.BENEFITS_CHECK
    offered_on = factory.LazyFunction(localdate)
    recorded_by = factory.SelfAttribute("flag.raised_by")


from django.utils import timezone  # noqa: E402

from services.models import Service, Status, StatusChange  # noqa: E402


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    position = factory.Sequence(lambda n: 100 + n)


class StatusChangeFactory(factory.django.DjangoModelFactory):
    """A change in force from now, made by a manager, unless told otherwise."""

    class Meta:
        model = StatusChange

    service = factory.SubFactory(ServiceFactory)
    status = Status.OPERATING
    message = "Running as usual."
    effective_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(ManagerFactory)


def load_seeded_services():
    """The services the data migration loads, loaded again if a transactional test emptied the
    database (pytest-django flushes after each one, and --reuse-db keeps the emptied database)."""
    import importlib

    from django.apps import apps

    if not Service.objects.exists():
        importlib.import_module("services.migrations.0002_load_services").load(apps, None)
        importlib.import_module("services.migrations.0003_service_group").assign(apps, None)


# Welfare call queue -------------------------------------------------------------------------
from welfare.models import CallTask, Cohort  # noqa: E402


def load_default_cohorts():
    """The cohorts the data migration seeds, with their default cadences, loaded again if a
    transactional test emptied the database."""
    import importlib

    from django.db.models import Q

    seed = importlib.import_module("welfare.migrations.0002_seed_cohorts")
    as_seeded = Q()
    for code, name, who, days in seed.COHORTS:
        as_seeded |= Q(code=code, name=name, who=who, cadence_days=days, active=True)
    # One query when they are as seeded (a rolled-back test leaves them so): every test runs this.
    if Cohort.objects.filter(as_seeded).count() != len(seed.COHORTS):
        for code, name, who, days in seed.COHORTS:
            Cohort.objects.update_or_create(
                code=code,
                defaults={"name": name, "who": who, "cadence_days": days, "active": True},
            )
    load_programme_campaign()


def load_programme_campaign():
    """The campaigns the data migrations seed: the COVID welfare calls, with their script, and
    provider staffing critical."""
    import importlib

    from django.apps import apps

    importlib.import_module("welfare.migrations.0010_seed_programme_campaign").seed(apps, None)
    importlib.import_module("welfare.migrations.0012_seed_provider_critical_campaign").seed(
        apps, None
    )


class CallTaskFactory(factory.django.DjangoModelFactory):
    """An open call task, as the builder would open it for a tenant due today."""

    class Meta:
        model = CallTask

    tenant = factory.SubFactory(TenantFactory)
    team = factory.LazyAttribute(lambda task: task.tenant.patch.team if task.tenant.patch else None)
    opened_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyFunction(timezone.localdate)
    cadence_days = 90


# Here to Help -------------------------------------------------------------------------------
from here_to_help.models import (  # noqa: E402
    HelpRequest,
    Need,
    Organisation,
    OrganisationArea,
    OrganisationNeed,
    target_due_at,
)


class HelpRequestFactory(factory.django.DjangoModelFactory):
    """A new food request, raised now by an officer, with its target worked out as raising does."""

    class Meta:
        model = HelpRequest

    tenant = factory.SubFactory(TenantFactory)
    need = Need.FOOD
    source = HelpRequest.Source.PHONE_IN
    team = factory.LazyAttribute(lambda r: r.tenant.patch.team if r.tenant.patch else None)
    raised_by = factory.SubFactory(OfficerFactory)
    raised_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda r: target_due_at(r.need, r.raised_at))


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A directory entry validated now, meeting `needs` (food) in `areas` (PR1)."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community Pantry {n}")
    kind = Organisation.Kind.CHARITY
    phone = "+441614960123"
    opening_notes = "Monday to Friday, 10am to 2pm"
    validated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def needs(self, create, extracted, **kwargs):
        if create:
            OrganisationNeed.objects.bulk_create(
                OrganisationNeed(organisation=self, need=need) for need in extracted or [Need.FOOD]
            )

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else [] if self.covers_all_areas else ["PR1"]
            OrganisationArea.objects.bulk_create(
                OrganisationArea(organisation=self, outward_code=code) for code in codes
            )
