"""Tenants with no number to dial: every number missing, or marked wrong or dead
(`Tenant.numbers_to_dial()` is empty; `TenantQuerySet.with_number_to_dial` is the same rule in
SQL). A call task would only waste an officer's turn, so whatever would queue them (the
morning build, a call opened at once) passes them to a manager instead, as an officer's "Wrong
or dead number" does: the open call task closes as escalated and one escalation opens, here
with the reason "No number to dial". One open escalation per tenant (the unique constraint
`one_open_escalation_per_tenant`) keeps it to one, however often the build runs.

When a number to dial is added or corrected, the next build closes the escalation with a
result that says so and queues the tenant's call as usual (`no_number_escalations_close`); so
does the record's numbers page at once (`queue_now.calls_follow_numbers`). An officer's "Wrong or
dead number" on a call escalates only when no number is left to dial (`call_actions`), so its
escalation waits for a number too: it closes the same way once a number is added or marked good
on the record after it opened (a number the tenant still had when it opened, never called
again, does not close it).
"""

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from tenants.models import PhoneNumber, Tenant

from .call_models import Escalation
from .models import CallTask

NUMBER_FOUND = (
    "Closed by the call queue build on {day:%-d %B %Y}: the tenant has a number to dial again, "
    "so their call went back to the queue."
)


def waiting_for_a_number():
    """Open escalations that wait for a number to dial and have one now: "No number to dial",
    and an officer's "Wrong or dead number" with a number added or marked good on the record
    since it opened."""
    dialable = Tenant.objects.with_number_to_dial().filter(
        pk=OuterRef("tenant_id"), has_number_to_dial=True
    )
    found_since = PhoneNumber.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        status=PhoneNumber.Status.GOOD,
        at__gte=OuterRef("opened_at"),
    )
    return Escalation.objects.filter(
        Q(reason=Escalation.Reason.NO_NUMBER)
        | Q(Exists(found_since), reason=Escalation.Reason.WRONG_NUMBER),
        Exists(dialable),
        status=Escalation.Status.OPEN,
    )


def no_number_escalations_close(*, on, now, tenant_id=None, result=NUMBER_FOUND):
    """Close the open escalations waiting for a number to dial of tenants who have one now
    (`waiting_for_a_number`; of one tenant, `tenant_id`), with a result that says why; returns
    how many. One UPDATE."""
    escalations = waiting_for_a_number()
    if tenant_id is not None:
        escalations = escalations.filter(tenant_id=tenant_id)
    return escalations.update(
        status=Escalation.Status.CLOSED, result=result.format(day=on), closed_at=now
    )


def no_number_escalate_sql(*, due_table, now):
    """PostgreSQL build: every due tenant in `due_table` (the build's temporary table) with no
    number to dial and no open escalation gets one, and their open call task closes as
    escalated (the escalation names it, and takes its team, as `call_actions._escalate`
    does); one statement. Returns how many escalations opened."""
    task, escalation = CallTask._meta.db_table, Escalation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH passing AS (
                SELECT tenant_id, team_id FROM {due_table} WHERE no_number AND NOT escalated
            ), closed AS (
                UPDATE {task} t SET
                    status = %s, closed_reason = %s, closed_at = %s,
                    claimed_by_id = NULL, claimed_at = NULL
                FROM passing p
                WHERE t.tenant_id = p.tenant_id AND t.status = 'open'
                RETURNING t.id, t.tenant_id, t.team_id
            )
            INSERT INTO {escalation} (
                tenant_id, task_id, team_id, reason, status, opened_at, result,
                closed_at, closed_by_id, owner_id)
            SELECT p.tenant_id, c.id, CASE WHEN c.id IS NULL THEN p.team_id ELSE c.team_id END,
                   %s, %s, %s, '', NULL, NULL, NULL
            FROM passing p LEFT JOIN closed c ON c.tenant_id = p.tenant_id
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (table names; every value is a parameter)
            [
                CallTask.Status.CLOSED,
                CallTask.ClosedReason.ESCALATED,
                now,
                Escalation.Reason.NO_NUMBER,
                Escalation.Status.OPEN,
                now,
            ],
        )
        return cursor.rowcount


def no_number_escalate(*, teams, now=None):
    """The same for the tenants in `teams` ({tenant id: the team their call would go to}):
    for one tenant at once (`queue_now.call_task_open_for`, a card left at a visit) and the
    SQLite build (demo data). Returns how many escalations opened."""
    now = now or timezone.now()
    held = set(
        Escalation.objects.filter(
            tenant_id__in=list(teams), status=Escalation.Status.OPEN
        ).values_list("tenant_id", flat=True)
    )
    # A tenant already in a manager's hands keeps their task as it is: no escalation would
    # name it if it closed here.
    ids = [tenant_id for tenant_id in teams if tenant_id not in held]
    tasks = {task.tenant_id: task for task in CallTask.objects.open().filter(tenant_id__in=ids)}
    CallTask.objects.filter(pk__in=[task.pk for task in tasks.values()]).update(
        status=CallTask.Status.CLOSED,
        closed_reason=CallTask.ClosedReason.ESCALATED,
        closed_at=now,
        claimed_by=None,
        claimed_at=None,
    )
    new = [
        Escalation(
            tenant_id=tenant_id,
            task=tasks.get(tenant_id),
            team_id=tasks[tenant_id].team_id if tenant_id in tasks else team_id,
            reason=Escalation.Reason.NO_NUMBER,
            opened_at=now,
        )
        for tenant_id, team_id in teams.items()
        if tenant_id not in held
    ]
    # Opened at the same moment elsewhere (a build, an officer's wrong number): that one stands.
    Escalation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
