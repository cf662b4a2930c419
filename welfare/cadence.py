"""Who may be called, who is in which cohort, at what cadence, and who is due (DOMAIN.md,
"Cohorts and cadence"): one rule in one place. The queue builder, the tenant record's calls
section, the queue's "why now", the morning queue check, the provider-critical campaign and the
dashboard all read it from `call_tenants()`.

A tenant whose support provider's staffing is critical is called at the provider-critical
campaign's cadence (every 7 days, DOMAIN.md "Support providers") or their cohorts' if shorter,
counted from the last time they were spoken to, as any cadence is.

The register (tenants/) knows nothing of calls: this queryset extends its `TenantQuerySet`, and
the numbers (each cohort's cadence, and whether it is switched on) are `Cohort` rows managers
change.
"""

from datetime import date

from django.db import connections, models
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Q, Value, When
from django.db.models.functions import Cast, TruncDate

from config.dates import years_before
from tenants.models import Scheme, Tenant, TenantQuerySet

from .campaign_models import Campaign
from .models import Cohort
from .provider_models import ProviderOversight, Staffing

# The key of the provider-critical campaign's cadence among the cohorts' (`active_cadences`).
PROVIDER_CRITICAL = "provider_critical"


def provider_critical():
    """Tenants supported by a provider whose staffing is critical, directly or through their
    scheme, as a Q over tenants (a handful of providers: a small subquery, no join)."""
    critical = ProviderOversight.objects.filter(staffing=Staffing.CRITICAL).values("provider_id")
    return Q(support_provider_id__in=critical) | Q(scheme__support_provider_id__in=critical)


class CallTenantQuerySet(TenantQuerySet):
    def eligible_for_calls(self, on=None):
        """Current tenants we may call: not declined, not in hospital beyond `on`."""
        on = on or date.today()
        return self.current(on).filter(
            Q(in_hospital_until__isnull=True) | Q(in_hospital_until__lte=on),
            declined_calls_on__isnull=True,
        )

    @staticmethod
    def call_cohort_rules(on):
        """Who is in each cohort on `on`, as a Q per cohort code ("everyone_else": in none).
        A leap-day baby turns 70 on 1 March in other years (see config.dates)."""
        return {
            "aged_70": Q(date_of_birth__lte=years_before(on, 70)),
            "unwell": Q(self_isolating_from__lte=on)
            & (Q(self_isolating_until__isnull=True) | Q(self_isolating_until__gte=on)),
            "independent_living": Q(scheme__type=Scheme.Type.INDEPENDENT_LIVING),
            "supported_living": Q(scheme__type=Scheme.Type.SUPPORTED_LIVING),
            "lifeline": Q(lifeline=True),
        }

    def _days_since(self, on, field):
        """Whole days from the local (Europe/London) date of `field` to `on`, in SQL."""
        day = TruncDate(field)
        if connections[self.db].vendor == "sqlite":
            return Cast(
                Func(Value(on), function="julianday", output_field=FloatField())
                - Func(day, function="julianday", output_field=FloatField()),
                IntegerField(),
            )
        return Func(
            Value(on, output_field=models.DateField()),
            day,
            template="(%(expressions)s)",
            arg_joiner=" - ",
            output_field=IntegerField(),
        )

    def with_cadence(self, on, cohorts=None):
        """Annotate the cohorts each tenant is in on `on` and what follows from them.

        `in_<code>` is True for each cohort the tenant is in, and `in_provider_critical` for a
        tenant of a provider whose staffing is critical. `call_cadence_days` is the shortest
        cadence of the tenant's active cohorts and, for the latter, of the provider-critical
        campaign; a tenant in none of them gets the "everyone else" cadence, or None while
        managers have that cohort switched off.
        `call_days_overdue` counts from the day the tenant is due: 0 on that day, negative
        before it. The due day is the last successful contact's date plus the cadence (called
        on the 1st every 14 days: due on the 15th); never contacted: the day the tenant joined
        the register.
        """
        if cohorts is None:
            cohorts = active_cadences(self.db)
        rules = {**self.call_cohort_rules(on), PROVIDER_CRITICAL: provider_critical()}
        # Shortest cadence first: the first matching branch of the CASE is the tenant's cadence.
        branches = [
            When(rules[code], then=Value(days))
            for code, days in sorted(cohorts.items(), key=lambda item: item[1])
            if code in rules
        ]
        cadence = Case(
            *branches, default=Value(cohorts.get("everyone_else")), output_field=IntegerField()
        )
        flags = {
            f"in_{code}": Case(
                When(rule, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
            for code, rule in rules.items()
        }
        overdue = [
            When(last_contact_at__isnull=True, then=self._days_since(on, "created_at")),
        ]
        if "everyone_else" not in cohorts:  # then some tenants have no cadence: never due
            overdue.insert(0, When(call_cadence_days__isnull=True, then=Value(None)))
        return self.annotate(**flags, call_cadence_days=cadence).annotate(
            call_days_overdue=Case(
                *overdue,
                default=self._days_since(on, "last_contact_at") - F("call_cadence_days"),
                output_field=IntegerField(),
            )
        )

    def due_on(self, on, cohorts=None):
        """Tenants due a welfare call on `on`: eligible, in a cohort that is switched on, and
        not spoken to for at least their cadence (see `with_cadence`)."""
        return (
            self.eligible_for_calls(on).with_cadence(on, cohorts).filter(call_days_overdue__gte=0)
        )


def active_cadences(using="default"):
    """{cohort code: cadence in days} of the cohorts switched on, and under `PROVIDER_CRITICAL`
    the provider-critical campaign's while it is active (one query; pass it to `with_cadence`
    and `due_on` when several querysets are built at once)."""
    cohorts = Cohort.objects.using(using).filter(active=True).order_by()
    cohorts = cohorts.values_list("code", "cadence_days")
    critical = (
        Campaign.objects.using(using)
        .filter(
            code=Campaign.PROVIDER_CRITICAL_CODE,
            status=Campaign.Status.ACTIVE,
            cadence_days__isnull=False,
        )
        .order_by()
        .values_list(Value(PROVIDER_CRITICAL), "cadence_days")
    )
    return dict(cohorts.union(critical, all=True))


def call_tenants():
    """The tenant register, with the call rules above."""
    return CallTenantQuerySet(model=Tenant)


def not_eligible_reason(tenant, on):
    """Why `eligible_for_calls` leaves out a tenant already loaded, as one of these codes, or
    None if it does not. The order is the order a person would give the reasons in."""
    if tenant.deceased_on:
        return "deceased"
    if tenant.deceased_reported_on:
        return "reported_deceased"
    if tenant.tenancy_end_date and tenant.tenancy_end_date <= on:
        return "tenancy_ended"
    if tenant.declined_calls_on:
        return "declined"
    if tenant.in_hospital_until and tenant.in_hospital_until > on:
        return "in_hospital"
    return None
