"""Opening one tenant's call at once, outside the morning build (`welfare.queue`): for a
change that puts a tenant back in the queue and must not wait for the next morning."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Patch, Team
from tenants.models import Tenant
from tenants.signals import Followed

from .before_call import before_call_messages_queue
from .call_models import Escalation
from .campaign_rules import running_campaigns
from .models import CallTask
from .no_number import no_number_escalate, no_number_escalations_close, waiting_for_a_number
from .queue import _due_orm, _redeployments_on, risk_score


def team_on(patch_id, on):
    """The team a call of `patch_id`'s tenant goes to on `on`: the latest redeployment of the
    patch that covers the day, else the patch's own team (the build's rule, for one patch)."""
    redeployed = _redeployments_on(on).filter(patch_id=patch_id)
    team_id = redeployed.order_by("-created_at", "-id").values_list("team_id", flat=True).first()
    if team_id is None:
        team_id = Patch.objects.filter(pk=patch_id).values_list("team_id", flat=True).first()
    return team_id


def call_task_open_for(*, tenant_id, on=None, now=None):
    """Step 4 of the build for one tenant, at once: open their call task if they are due today
    and have neither an open task nor an open escalation (with no number to dial, a manager gets
    them instead, as at the build: `welfare.no_number`), and queue the build's "We'll call you
    today" message for it (the same function, cohorts and contact rules; sent by Celery once the
    caller's transaction commits). For a change that puts a tenant back in the queue (a decline
    cleared on the record) and must not wait for the next morning. Returns the task opened, or
    None. Call it inside the transaction that made the change."""
    on = on or timezone.localdate()
    now = now or timezone.now()
    if CallTask.objects.open().filter(tenant_id=tenant_id).exists():
        return None
    row = _due_orm(on, running_campaigns(on), tenant_id=tenant_id).get(tenant_id)
    if row is None or row["escalated"]:
        return None
    team_id = team_on(row["patch_id"], on)
    if not row["has_number_to_dial"]:
        no_number_escalate(teams={tenant_id: team_id}, now=now)
        return None
    wellbeing = (
        CallTask.objects.filter(tenant_id=tenant_id)
        .exclude(last_wellbeing="")
        .order_by("-id")
        .values_list("last_wellbeing", flat=True)
        .first()
    ) or ""
    values = {"unwell": row["in_unwell"], "aged_70": row["in_aged_70"], "lives_alone": row["alone"]}
    task = CallTask(
        tenant_id=tenant_id,
        team_id=team_id,
        opened_on=on,
        due_on=row["due_on"],
        cadence_days=row["cadence"],
        risk_score=risk_score(**values, wellbeing=wellbeing, attempts=0),
        last_wellbeing=wellbeing,
        created_at=now,
        **values,
    )
    try:
        with transaction.atomic():  # a build opening it at the same moment wins
            task.save()
    except IntegrityError:
        return None
    before_call_messages_queue(on=on, opened_at=now, tenant_id=tenant_id)
    return task


NUMBER_FOUND_ON_RECORD = (
    "Closed on {day:%-d %B %Y}: a number to dial was added or corrected on the tenant's record, "
    "so their call went back to the queue."
)
PASSED = (
    "No number is left to dial for {name}: their call was passed to a manager "
    '(escalation "No number to dial"), as a wrong number on a call is.'
)
BACK = (
    "{name}'s call is back in {queue} for today: Take next call gives it to an officer "
    'there in its turn (most overdue first). The "{reason}" escalation is closed.'
)
NOT_DUE = (
    'The "{reason}" escalation is closed: {name} has a number to dial again. They are not due a '
    "call today, so the morning queue build queues their call when they are."
)
HELD = (
    "No number is left to dial for {name}. Their call is with {officer} now: on the call page "
    'choose "Wrong or dead number" to pass it to a manager.'
)


def calls_follow_numbers(*, tenant, now):
    """A number added or marked on the tenant's record: with none left to dial, their open call
    goes to a manager at once (as at the build: `no_number_escalate`), not to the next officer
    who takes it; with one to dial again, their escalation waiting for a number closes (the
    build's step: `no_number_escalations_close`) and their call opens today if they are due
    (`call_task_open_for`). Returns a sentence saying what followed (a `Followed` naming the
    call back in the queue), or None. Inside the transaction that made the change."""
    on = timezone.localdate(now)
    has_number = _has_number_to_dial(tenant.pk)
    if has_number:
        # The build's own step, for this tenant (`no_number_escalations_close`): whatever
        # closes here would have closed at the next morning's build.
        waiting = waiting_for_a_number().filter(tenant_id=tenant.pk)
        reason = waiting.values_list("reason", flat=True).first()
        if reason is None or not no_number_escalations_close(
            on=on, now=now, tenant_id=tenant.pk, result=NUMBER_FOUND_ON_RECORD
        ):
            return None
        reason = Escalation.Reason(reason).label
        task = call_task_open_for(tenant_id=tenant.pk, on=on, now=now)
        if task is None:
            return NOT_DUE.format(reason=reason, name=tenant.full_name)
        team = Team.objects.filter(pk=task.team_id).values_list("name", flat=True).first()
        return Followed(
            BACK.format(
                name=tenant.full_name,
                queue=f"the {team} queue" if team else "the queue of calls with no team",
                reason=reason,
            ),
            next_url=reverse("welfare:task", args=[task.pk]),
        )
    task = CallTask.objects.open().select_related("claimed_by").filter(tenant_id=tenant.pk).first()
    if task is not None and task.claim_active(now):
        # An officer is on this call now (the call page links here): their outcome decides
        # what follows, and the call they are making is never taken from under them.
        return HELD.format(name=tenant.full_name, officer=task.claimed_by)
    if task is None or not no_number_escalate(teams={tenant.pk: task.team_id}, now=now):
        return None
    return PASSED.format(name=tenant.full_name)


def call_back_after_escalation(*, tenant, now):
    """An escalation closed: a tenant due a call, with a number to dial, is in today's queue at
    once, not after the next morning's build (a tenant still with no number waits for the
    build, which passes them to a manager again). Returns the task opened, or None."""
    has_number = _has_number_to_dial(tenant.pk)
    if not has_number:
        return None
    return call_task_open_for(tenant_id=tenant.pk, on=timezone.localdate(now), now=now)


def _has_number_to_dial(tenant_id):
    """Whether the tenant has a number to dial now (`with_number_to_dial`, one query)."""
    return (
        Tenant.objects.with_number_to_dial()
        .filter(pk=tenant_id)
        .values_list("has_number_to_dial", flat=True)
        .first()
    )
