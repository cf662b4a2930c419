"""Writes for campaigns: creating, pausing, extending and closing them, and what a call that
covered a campaign records."""

from django.db import transaction
from django.utils import timezone

from .call_models import Call
from .campaign_models import Campaign, CampaignCall, CampaignQuestion, CampaignReach


class CampaignRefused(Exception):
    """The change cannot be made; the message says why, in plain words."""


def campaign_calls_record(*, call, campaigns, answers, today):
    """A call covered these campaigns: one row each, with that campaign's answers; a call
    that reached the tenant counts as reaching them in every one of them. Part of the
    call's transaction (welfare.call_actions.call_log)."""
    spoke = call.outcome == Call.Outcome.SPOKE
    CampaignCall.objects.bulk_create(
        [
            CampaignCall(
                call=call,
                campaign=campaign,
                answers=answers.get(campaign.pk, []) if spoke else [],
            )
            for campaign in campaigns
        ]
    )
    if spoke:  # one upsert for them all
        CampaignReach.objects.bulk_create(
            [
                CampaignReach(
                    campaign=campaign,
                    tenant_id=call.tenant_id,
                    reached_at=call.made_at,
                    next_due_on=campaign.next_due_on(today),
                )
                for campaign in campaigns
            ],
            update_conflicts=True,
            unique_fields=["campaign", "tenant"],
            update_fields=["reached_at", "next_due_on"],
        )


@transaction.atomic
def campaign_create(*, by, questions, teams=(), patches=(), **fields):
    """A new campaign with its script: `questions` is a list of dicts (text, kind, choices,
    need_on_no) in order."""
    campaign = Campaign(created_by=by, **fields)
    if campaign.kind in (Campaign.Kind.PROGRAMME, Campaign.Kind.PROVIDER_CRITICAL):
        raise CampaignRefused(f"There is only one campaign of {campaign.get_kind_display()}.")
    campaign.full_clean()
    campaign.save()
    campaign.teams.set(teams)
    campaign.patches.set(patches)
    for position, question in enumerate(questions, start=1):
        item = CampaignQuestion(campaign=campaign, position=position, **question)
        item.full_clean()
        item.save()
    return campaign


def _locked(campaign):
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _save(campaign, by, reason, fields):
    campaign._history_user = by
    campaign._change_reason = reason
    campaign.save(update_fields=fields)


@transaction.atomic
def campaign_pause(*, campaign, by):
    """Stop queueing the campaign's tenants from the next build; calls already open for other
    campaigns go on."""
    campaign = _locked(campaign)
    if campaign.is_seeded:
        # Like the cohorts that cannot be switched off: vulnerable tenants would drop out.
        raise CampaignRefused(f"{campaign.name} cannot be paused: change the cohorts' cadences.")
    if campaign.status != Campaign.Status.ACTIVE:
        raise CampaignRefused("Only an active campaign can be paused.")
    campaign.status = Campaign.Status.PAUSED
    _save(campaign, by, "paused", ["status"])
    return campaign


@transaction.atomic
def campaign_resume(*, campaign, by):
    campaign = _locked(campaign)
    if campaign.status != Campaign.Status.PAUSED:
        raise CampaignRefused("Only a paused campaign can be restarted.")
    campaign.status = Campaign.Status.ACTIVE
    _save(campaign, by, "restarted", ["status"])
    return campaign


@transaction.atomic
def campaign_extend(*, campaign, ends_on, by):
    """Move the end date (the deadline of a 'once by' campaign) later."""
    campaign = _locked(campaign)
    if campaign.is_seeded:
        # The built-in campaigns run with no end: an end date would stop them.
        raise CampaignRefused(f"{campaign.name} has no end date to move.")
    if campaign.status == Campaign.Status.CLOSED:
        raise CampaignRefused("A closed campaign cannot be extended.")
    if campaign.ends_on and ends_on <= campaign.ends_on:
        raise CampaignRefused(f"The new end date must be after {campaign.ends_on:%-d %B %Y}.")
    if ends_on < campaign.starts_on:
        raise CampaignRefused("The new end date must be after the campaign starts.")
    campaign.ends_on = ends_on
    _save(campaign, by, "extended", ["ends_on"])
    return campaign


def _left_out(not_reached, not_called):
    """ "1 tenant not reached and 2 not called", "2 tenants not called"."""
    parts = []
    for count, what in ((not_reached, "not reached"), (not_called, "not called")):
        if count:
            noun = "" if parts else (" tenant" if count == 1 else " tenants")
            parts.append(f"{count}{noun} {what}")
    return " and ".join(parts)


@transaction.atomic
def campaign_close(*, campaign, by, not_reached, not_called=0, reason="", now=None):
    """Close the campaign. With tenants not reached (`not_reached`: attempted or not yet
    tried) or not called (`not_called`: declined calls or in hospital), counted by the caller
    by the campaign page's rules, it needs a reason, recorded with the close."""
    campaign = _locked(campaign)
    if campaign.is_seeded:
        raise CampaignRefused(f"{campaign.name} cannot be closed.")
    if campaign.status == Campaign.Status.CLOSED:
        raise CampaignRefused("This campaign is already closed.")
    if (not_reached or not_called) and not reason.strip():
        raise CampaignRefused(
            f"{_left_out(not_reached, not_called)}: enter a reason for closing the campaign"
        )
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = now or timezone.now()
    campaign.closed_by = by
    campaign.closed_reason = reason.strip()
    _save(campaign, by, "closed", ["status", "closed_at", "closed_by", "closed_reason"])
    return campaign
