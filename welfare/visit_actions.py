"""Doorstep visits: raising one from an escalation, and recording what the visit found.

Each is one transaction: the visit, the escalation, the tenant, any Here to Help requests and
any retried call change together or not at all."""

from django.db import transaction
from django.utils import timezone

from here_to_help.actions import request_raise
from here_to_help.models import HelpRequest
from tenants.actions import phone_number_add
from tenants.models import Tenant

from .call_actions import CallRefused, escalation_close
from .call_models import Escalation, EscalationAction
from .flag_actions import calls_follow_flags
from .models import CallTask
from .no_number import no_number_escalate
from .visit_models import Visit

HISTORY_REASON = "doorstep visit"
# A card left asks the tenant to ring back; if they do not, the call retries on this cadence.
RETRY_CADENCE_DAYS = 7


class VisitRefused(CallRefused):
    """The visit cannot be raised or recorded; the message says why, in plain words."""


def _door_knock(escalation, by, now, notes):
    EscalationAction.objects.create(
        escalation=escalation, kind=EscalationAction.Kind.DOOR_KNOCK, notes=notes, by=by, at=now
    )


@transaction.atomic
def visit_raise(*, escalation, team, officer, target_on, what_to_ask, by, now=None):
    """Turn an open escalation into a visit owned by `team` (and `officer`, if named), to be
    made by `target_on`. The escalation stays open until the visit's outcome is recorded."""
    now = now or timezone.now()
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        raise VisitRefused("This escalation is closed, so no visit was raised.")
    if officer is not None and officer.team_id != team.pk:
        raise VisitRefused(f"{officer} is not in {team}: choose someone in the team.")
    if Visit.objects.open().filter(tenant_id=escalation.tenant_id).exists():
        raise VisitRefused("This tenant already has a visit waiting.")
    visit = Visit(
        tenant_id=escalation.tenant_id,
        escalation=escalation,
        team=team,
        officer=officer,
        target_on=target_on,
        what_to_ask=what_to_ask.strip(),
        raised_by=by,
        raised_at=now,
    )
    visit.full_clean()
    visit.save()
    who = officer.get_full_name() or officer.username if officer else team.name
    _door_knock(escalation, by, now, f"Visit raised for {who}, by {target_on:%-d %B %Y}.")
    return visit


def _retry_call(visit, tenant, now):
    """Card left: the tenant is called again from now, on the number the card brought back
    (or one already on the record)."""
    if CallTask.objects.open().filter(tenant=tenant).exists():
        return
    team_id = tenant.patch.team_id if tenant.patch_id else None
    if not tenant.numbers_to_dial():
        # No card number and none on the record: no officer could make the call, so it goes
        # back to a manager, as the morning's build would send it.
        no_number_escalate(teams={tenant.pk: team_id}, now=now)
        return
    task = visit.escalation.task if visit.escalation else None
    today = timezone.localtime(now).date()
    CallTask.objects.create(
        tenant=tenant,
        team_id=team_id,
        opened_on=today,
        due_on=task.due_on if task else today,
        cadence_days=task.cadence_days if task else RETRY_CADENCE_DAYS,
        risk_score=task.risk_score if task else 0,
        available_from=now,
    )


@transaction.atomic
def visit_record(
    *,
    visit,
    outcome,
    by,
    notes="",
    needs=(),
    number_given="",
    emergency_contacted="",
    emergency_contacted_at=None,
    now=None,
):
    """Record what the visit found, and what follows:

    - seen (well, or needing help): a successful contact; the escalation closes, and each of
      `needs` becomes a Here to Help request;
    - card left: the escalation closes and the call retries now, on `number_given` if any;
    - no answer, with concern: who in the emergency services was contacted, and when, is
      required; the escalation stays open for a manager;
    - moved: the escalation stays open for a manager to end the tenancy;
    - died: reported deceased, for a manager to confirm (as a call reporting a death does).
    """
    now = now or timezone.now()
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if not visit.is_open:
        raise VisitRefused("This visit's outcome is already recorded.")
    if outcome == Visit.Outcome.NO_ANSWER_CONCERN and not (
        emergency_contacted.strip() and emergency_contacted_at
    ):
        raise VisitRefused("Say who in the emergency services was contacted, and when.")
    if outcome == Visit.Outcome.SEEN_NEEDS_HELP and not needs:
        raise VisitRefused("Choose what the tenant needs help with.")
    tenant = (
        Tenant.objects.select_for_update(of=("self",))
        .select_related("patch")
        .get(pk=visit.tenant_id)
    )
    visit.status = Visit.Status.DONE
    visit.outcome = outcome
    visit.notes = notes.strip()
    visit.recorded_by, visit.recorded_at = by, now
    if outcome == Visit.Outcome.CARD_LEFT:
        visit.number_given = number_given or ""
    if outcome == Visit.Outcome.NO_ANSWER_CONCERN:
        visit.emergency_contacted = emergency_contacted.strip()
        visit.emergency_contacted_at = emergency_contacted_at
    visit.full_clean()
    visit.save()

    summary = f"Visit: {visit.get_outcome_display().lower()}." + (
        f" {visit.notes}" if visit.notes else ""
    )
    escalation = visit.escalation
    if escalation is not None and escalation.is_open:
        _door_knock(escalation, by, now, summary)
    closes = outcome in (*Visit.SEEN, Visit.Outcome.CARD_LEFT) or (
        outcome == Visit.Outcome.DIED
        and escalation
        and escalation.reason != Escalation.Reason.DECEASED
    )
    if escalation is not None and escalation.is_open and closes:
        escalation_close(
            escalation=escalation,
            result=summary,
            contacted=outcome in Visit.SEEN,
            by=by,
            now=now,
            requeue=False,  # a card left retries the call itself (`_retry_call`)
        )
    elif escalation is None and outcome in Visit.SEEN:
        Tenant.objects.filter(pk=tenant.pk).update(last_contact_at=now)

    for need in needs if outcome == Visit.Outcome.SEEN_NEEDS_HELP else ():
        request_raise(
            tenant=tenant,
            need=need,
            source=HelpRequest.Source.REFERRAL,
            raised_by=by,
            notes=f"Raised at a doorstep visit. {visit.notes}",
        )
    if outcome == Visit.Outcome.CARD_LEFT:
        if number_given:
            # A number learned in the app: calls and texts use it first (tenants.actions).
            phone_number_add(
                tenant=tenant,
                number=number_given,
                reason="Given at a doorstep visit",
                by=by,
                now=now,
            )
        _retry_call(visit, tenant, now)
    if outcome == Visit.Outcome.DIED and not tenant.deceased_reported_on:
        tenant.deceased_reported_on = timezone.localtime(now).date()
        tenant._history_user = by
        tenant._change_reason = HISTORY_REASON
        tenant.save(update_fields=["deceased_reported_on", "updated_at"])
        calls_follow_flags(tenant=tenant, changed={"deceased_reported_on"}, now=now)
    return visit
