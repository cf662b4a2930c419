"""The groups welfare knows that a bulk message can go to (messaging.audiences): everyone in a
cohort, and a campaign's list (the saved list of tenants a campaign calls)."""

from functools import reduce
from operator import or_

from django.db.models import Q

from messaging import audiences

from .cadence import call_tenants
from .campaign_models import Campaign
from .campaign_rules import membership
from .models import Cohort


def cohort_tenants(code, on):
    """Who is in cohort `code` on `on`, by the cohorts' own rules (welfare.cadence); everyone
    else is who is in none of the others."""
    rules = call_tenants().call_cohort_rules(on)
    if code == Cohort.Code.EVERYONE_ELSE:
        return ~reduce(or_, rules.values())
    return rules.get(code, Q(pk__in=[]))


def cohort_choices():
    return list(Cohort.objects.order_by("id").values_list("code", "name"))


def campaign_tenants(key, on):
    campaign = Campaign.objects.filter(pk=key).exclude(kind=Campaign.Kind.PROGRAMME).first()
    if campaign is None:
        return Q(pk__in=[])
    return membership(campaign, on)


def campaign_choices():
    """Campaigns with a list of their own (not the programme, which is everyone), newest
    first, closed ones too: a manager may write to those a campaign reached."""
    campaigns = Campaign.objects.exclude(kind=Campaign.Kind.PROGRAMME).order_by("-starts_on", "-id")
    return [(str(pk), name) for pk, name in campaigns.values_list("pk", "name")]


def register():
    audiences.register(
        "cohort",
        label="Everyone in a cohort",
        field_label="Cohort",
        named="cohort",
        choices=cohort_choices,
        tenants=cohort_tenants,
    )
    audiences.register(
        "campaign",
        label="Everyone on a campaign's list",
        field_label="Campaign",
        named="the list of campaign",
        choices=campaign_choices,
        tenants=campaign_tenants,
    )
