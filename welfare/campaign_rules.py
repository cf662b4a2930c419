"""Who each campaign calls, and when: the due rule across campaigns, in one place.

The queue builder, the call page and the campaign page all read it from here. The programme
(the COVID welfare calls) is `call_tenants().due_on`, unchanged; so is the provider-critical
campaign, for the tenants of a critical provider: that rule already calls them at the
campaign's cadence (welfare.cadence), so the tenant record, the queue and the dashboard give
the same due date and cadence. Every other campaign is "eligible for calls, matches the
campaign's filter or list, and not reached within its cadence" (or, for "once by" campaigns,
not reached at all since the campaign began).
"""

from django.db import connection
from django.db.models import Case, DateField, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate

from config.dates import years_before
from tenants.models import Tenant

from . import call_config
from .cadence import call_tenants, provider_critical
from .campaign_models import Campaign, CampaignMember, CampaignReach
from .provider_models import Staffing

__all__ = [
    "campaigns_due_for",
    "due_in",
    "due_in_any",
    "joined_on",
    "members",
    "membership",
    "provider_critical",
    "running_campaigns",
]


def running_campaigns(on):
    """Campaigns whose tenants are called on `on`: active and started; the programme first,
    then provider staffing critical, then the others as they began."""
    return list(
        Campaign.objects.filter(status=Campaign.Status.ACTIVE, starts_on__lte=on)
        .prefetch_related("teams", "patches", "questions")
        .order_by(
            Case(
                When(kind=Campaign.Kind.PROGRAMME, then=0),
                When(kind=Campaign.Kind.PROVIDER_CRITICAL, then=1),
                default=2,
            ),
            "starts_on",
            "id",
        )
    )


def membership(campaign, on):
    """Who is in `campaign` on `on` (not counting eligibility or reach), as a Q over tenants."""
    if campaign.kind == Campaign.Kind.PROVIDER_CRITICAL:
        return provider_critical()
    if campaign.kind == Campaign.Kind.LIST:
        return Q(Exists(CampaignMember.objects.filter(campaign=campaign, tenant=OuterRef("pk"))))
    q = Q()
    if campaign.min_age:
        q &= Q(date_of_birth__lte=years_before(on, campaign.min_age))
    if campaign.home_type == Campaign.HomeType.GENERAL_NEEDS:
        q &= Q(scheme__isnull=True)
    elif campaign.home_type:
        q &= Q(scheme__type=campaign.home_type)
    if campaign.lives_alone_only:
        q &= Q(lives_alone=True)
    if campaign.lifeline_only:
        q &= Q(lifeline=True)
    teams = [team.pk for team in campaign.teams.all()]
    patches = [patch.pk for patch in campaign.patches.all()]
    if teams and patches:
        q &= Q(patch__team_id__in=teams) | Q(patch_id__in=patches)
    elif teams:
        q &= Q(patch__team_id__in=teams)
    elif patches:
        q &= Q(patch_id__in=patches)
    return q


def members(campaign, on):
    """The current tenants in `campaign` on `on` (for the programme: every current tenant)."""
    tenants = Tenant.objects.current(on)
    if campaign.is_programme:
        return tenants
    return tenants.filter(membership(campaign, on))


def due_in(campaign, on, cohorts=None):
    """Tenants due a call in `campaign` on `on`, annotated with `campaign_due_on`: the date
    they became due, or the deadline of a "once by" campaign (the queue ranks by it). A
    campaign that follows the cadence rule (the programme, provider critical) has that rule's
    `call_days_overdue` and `call_cadence_days` instead."""
    if campaign.is_programme:
        return call_tenants().due_on(on, cohorts)
    if campaign.follows_cadence_rule:  # provider critical: the rule's critical tenants
        return call_tenants().due_on(on, cohorts).filter(provider_critical())
    reach = CampaignReach.objects.filter(campaign=campaign, tenant=OuterRef("pk"))
    tenants = call_tenants().eligible_for_calls(on).with_cadence(on, cohorts)
    tenants = tenants.filter(membership(campaign, on))
    if campaign.schedule == Campaign.Schedule.ONCE:
        return tenants.filter(~Exists(reach)).annotate(
            campaign_due_on=Value(campaign.ends_on, output_field=DateField())
        )
    # Due from the day the tenant joined, then a cadence after the call that reached them; a
    # reach from before they joined (an earlier time on the list) does not make them due earlier.
    joined = joined_on(campaign)
    return tenants.filter(~Exists(reach.filter(next_due_on__gt=on))).annotate(
        campaign_due_on=Greatest(
            Coalesce(Subquery(reach.values("next_due_on")[:1]), joined), joined
        )
    )


def joined_on(campaign):
    """The day each tenant joined `campaign`, as an expression over tenants: the day a provider
    supporting them went critical, the day they were added to a list; never before the
    campaign began. A list campaign's tenant is due from then; the campaign's progress counts
    the calls since then (campaign_selectors), not an earlier critical spell's."""
    start = Value(campaign.starts_on, output_field=DateField())
    if campaign.kind == Campaign.Kind.PROVIDER_CRITICAL:
        since = Case(
            *(
                When(
                    **{f"{path}__oversight__staffing": Staffing.CRITICAL},
                    then=TruncDate(f"{path}__oversight__staffing_since"),
                )
                for path in ("support_provider", "scheme__support_provider")
            ),
            output_field=DateField(),
        )
    elif campaign.kind == Campaign.Kind.LIST:
        added = CampaignMember.objects.filter(campaign=campaign, tenant=OuterRef("pk"))
        since = Subquery(added.annotate(on=TruncDate("added_at")).values("on")[:1])
    else:
        return start
    return Greatest(Coalesce(since, start), start)


def due_in_any(on):
    """Tenants due in at least one running campaign on `on` (the never-dropped check)."""
    due = Q()
    for campaign in running_campaigns(on):
        due |= Q(pk__in=due_in(campaign, on).values("pk"))
    return Tenant.objects.filter(due) if due else Tenant.objects.none()


# The SQL of "which of these campaigns is this tenant due in" is a function of the day, the
# campaigns' definitions and the cohorts' cadences alone: built once (the ORM's expressions cost
# more than the query) and run for each tenant with the tenant's id in place of this one.
_TENANT_PLACEHOLDER = -7_654_321
_DUE_SQL = {}


def _definition(campaign):
    fields = tuple(getattr(campaign, f.attname) for f in campaign._meta.concrete_fields)
    teams = tuple(team.pk for team in campaign.teams.all())
    patches = tuple(patch.pk for patch in campaign.patches.all())
    return fields, teams, patches


def _due_flags(tenant_id, campaigns, on):
    cohorts = call_config.active_cadences()
    key = (
        connection.vendor,
        on,
        tuple(_definition(campaign) for campaign in campaigns),
        tuple(sorted(cohorts.items())),
    )
    if key not in _DUE_SQL:
        checks = {
            f"due_{n}": Exists(due_in(campaign, on, cohorts).filter(pk=OuterRef("pk")))
            for n, campaign in enumerate(campaigns)
        }
        query = Tenant.objects.filter(pk=_TENANT_PLACEHOLDER).annotate(**checks)
        if len(_DUE_SQL) > 100:
            _DUE_SQL.clear()
        _DUE_SQL[key] = query.values_list(*checks).query.sql_with_params()
    sql, params = _DUE_SQL[key]
    params = tuple(tenant_id if value == _TENANT_PLACEHOLDER else value for value in params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() or ()


def campaigns_due_for(tenant, on, running=None):
    """The running campaigns `tenant` is due in on `on`: the scripts on their call page. A task
    opened for the programme alone (or by hand) shows the programme, as it always did. One
    query asks all the campaigns at once; `running` passes `running_campaigns(on)` if known,
    otherwise the process's copy of it is read (welfare.call_config)."""
    campaigns = call_config.running_campaigns(on) if running is None else running
    due = []
    if campaigns:
        found = _due_flags(tenant.pk, campaigns, on)
        due = [campaign for campaign, is_due in zip(campaigns, found, strict=False) if is_due]
    if due:
        return due
    return [c for c in campaigns if c.is_programme] or list(
        Campaign.objects.filter(code=Campaign.PROGRAMME_CODE)
    )
