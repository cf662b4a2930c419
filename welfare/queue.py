"""The daily call queue (DOMAIN.md, "The daily queue"): one open call task per due tenant.

`build_call_queue` is what the 06:00 beat job, `manage.py build_call_queue` and the tests run.
In one transaction it:

1. closes open tasks whose tenant is no longer eligible, or no longer due;
2. re-ranks the tasks still open from earlier days (due date, risk, team), writing only rows
   whose rank changed;
3. passes every due tenant with no number to dial to a manager (`welfare.no_number`): an
   escalation, and their open task closes; an escalation waiting for a number ("No number to
   dial", or an officer's "Wrong or dead number" with a number found since) of a tenant who
   has a number again closes first, so their call is queued as usual (the record's numbers
   page does the same for one tenant at once: `queue_now.calls_follow_numbers`);
4. opens a task for every other due tenant without one;
5. opens a check-in task for every support provider whose check-in is due and has none open
   (`provider_actions.check_in_tasks_open`), in the team's queue beside the calls.

Who is due is the union over the running campaigns of `campaign_rules.due_in` (for the COVID
programme, `call_tenants().due_on(on)`); nothing here repeats those rules. The provider-critical
campaign's tenants are due by that same rule (at its 7 days), so they come with the programme's
and the build does not read them twice. A tenant due in
several campaigns gets one task, ranked by the earliest of its campaigns' due dates (a "once
by" campaign's is its deadline). On PostgreSQL the
steps are set-based SQL statements (no Python loop over tenants; what each due tenant's task
should say is worked out once, into a temporary table) under a transaction-level advisory lock,
so a second build running at the same time skips, and one that runs later finds nothing to
change; the partial unique constraint is the last line of defence. On SQLite (`make
run`, demo data) steps 2 and 3 run through the ORM.

A build killed part way rolls back whole; the next one does all of it.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField as Bool
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from accounts.models import Patch
from config.locks import advisory_xact_lock
from tenants.models import Tenant

from . import campaign_rules
from .before_call import before_call_messages_queue
from .cadence import call_tenants
from .campaign_rules import running_campaigns
from .models import CallTask, Escalation, Redeployment, claim_cutoff
from .no_number import no_number_escalate, no_number_escalate_sql, no_number_escalations_close
from .provider_actions import check_in_tasks_open

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: any fixed 64-bit number that no other job uses ("welfareq").
LOCK_KEY = 0x77656C6661726571

# Risk points; a failed attempt adds ATTEMPT_POINTS each. Tasks equally overdue are called in
# order of this score. Kept in one place: `risk_score` (Python) and `_risk_sql` (SQL) use it.
RISK_POINTS = {"unwell": 4, "struggling": 4, "aged_70": 2, "lives_alone": 2}
ATTEMPT_POINTS = 1

# What each due tenant's task should say today, worked out once per build (PostgreSQL).
DUE_TABLE = "welfare_due_today"
_NOT_IN_DUE_TABLE = (
    f"NOT EXISTS (SELECT 1 FROM {DUE_TABLE} s"  # noqa: S608 (fixed names)
    f" WHERE s.tenant_id = {CallTask._meta.db_table}.tenant_id)"
)


@dataclass
class BuildResult:
    on: date
    opened: int = 0
    reranked: int = 0
    closed_not_due: int = 0
    closed_not_eligible: int = 0
    messages_before_call: int = 0
    check_ins_opened: int = 0
    passed_to_manager: int = 0  # no number to dial
    numbers_found: int = 0  # their escalations closed: a number to dial again
    skipped: bool = False

    def as_dict(self):
        return {**asdict(self), "on": self.on.isoformat()}

    def __str__(self):
        if self.skipped:
            return f"{self.on}: another build was running; nothing done"
        return (
            f"{self.on}: {self.opened} opened, {self.reranked} re-ranked, "
            f"{self.closed_not_due} closed (no longer due), "
            f"{self.closed_not_eligible} closed (no longer eligible), "
            f"{self.messages_before_call} message{'' if self.messages_before_call == 1 else 's'}"
            " before the first call queued, "
            f"{self.check_ins_opened} provider check-ins opened, "
            f"{self.passed_to_manager} passed to a manager (no number to dial), "
            f"{self.numbers_found} back from a manager (a number to dial again)"
        )


def risk_score(*, unwell, aged_70, lives_alone, wellbeing, attempts):
    return (
        RISK_POINTS["unwell"] * bool(unwell)
        + RISK_POINTS["aged_70"] * bool(aged_70)
        + RISK_POINTS["lives_alone"] * bool(lives_alone)
        + RISK_POINTS["struggling"] * (wellbeing == CallTask.Wellbeing.STRUGGLING)
        + ATTEMPT_POINTS * (attempts or 0)
    )


def _risk_sql(*, unwell, aged_70, lives_alone, wellbeing, attempts):
    """The same score as `risk_score`, as SQL over the given column expressions."""
    return (
        f"(CASE WHEN {unwell} THEN {RISK_POINTS['unwell']} ELSE 0 END"
        f" + CASE WHEN {aged_70} THEN {RISK_POINTS['aged_70']} ELSE 0 END"
        f" + CASE WHEN {lives_alone} THEN {RISK_POINTS['lives_alone']} ELSE 0 END"
        f" + CASE WHEN {wellbeing} = '{CallTask.Wellbeing.STRUGGLING}'"
        f" THEN {RISK_POINTS['struggling']} ELSE 0 END"
        f" + {ATTEMPT_POINTS} * {attempts})"
    )


def build_call_queue(*, on=None):
    """Make the queue for `on` (default today, Europe/London); safe to run any number of times."""
    on = on or timezone.localdate()
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        # Held to the end of the transaction; a second build at the same time skips.
        if not advisory_xact_lock(LOCK_KEY):
            logger.info("Call queue build for %s skipped: another is running", on)
            return BuildResult(on=on, skipped=True)
        if postgres:
            with connection.cursor() as cursor:
                # Room for the hash joins over every tenant to stay in memory.
                cursor.execute("SET LOCAL work_mem = '64MB'")
        result = BuildResult(on=on)
        campaigns = _build_campaigns(running_campaigns(on))
        # Before the due rows are read: a tenant whose escalation closes here is queued today.
        result.numbers_found = no_number_escalations_close(on=on, now=now)
        if postgres:
            _due_table_sql(on, campaigns)
            _close_sql(on, now, result)
            result.passed_to_manager = no_number_escalate_sql(due_table=DUE_TABLE, now=now)
            _rerank_and_open_sql(on, now, result)
        else:
            due = _due_orm(on, campaigns)
            _close_orm(on, now, result, due)
            _rerank_and_open_orm(on, now, result, due)
        # "We'll call you today": to the calls just opened, sent by Celery once this commits.
        result.messages_before_call = before_call_messages_queue(on=on, opened_at=now)
        # Provider check-ins due go to the owning team's queue too (one INSERT ... SELECT).
        result.check_ins_opened = check_in_tasks_open(on=on, now=now)
    logger.info("Call queue built: %s", result)
    return result


def _build_campaigns(campaigns):
    """The running campaigns whose due tenants the build reads: while the programme runs, the
    provider-critical campaign adds no one (its due tenants are the programme's critical ones,
    due on the same day at the same cadence: welfare.cadence)."""
    if any(campaign.is_programme for campaign in campaigns):
        return [c for c in campaigns if c.kind != c.Kind.PROVIDER_CRITICAL]
    return campaigns


def _not_held(tasks, now):
    """Leaves out a task an officer holds (a call being made now): closing it under them
    would refuse the call they are typing. Its call closes it, or the next build does."""
    return tasks.exclude(claimed_by__isnull=False, claimed_at__gte=claim_cutoff(now))


def _closing(on, now):
    """Open tasks whose tenant is due in no running campaign today (the due table) and that
    no officer holds, each marked with whether they are eligible for calls."""
    return (
        _not_held(CallTask.objects.open(), now)
        .extra(  # noqa: S610 (a fixed table name; no value from outside)
            where=[_NOT_IN_DUE_TABLE]
        )
        .annotate(
            eligible=Exists(call_tenants().eligible_for_calls(on).filter(pk=OuterRef("tenant_id")))
        )
        .values("id", "eligible")
        .order_by()
    )


def _close_sql(on, now, result):
    """One pass over the due table closes every task that should close, with its reason."""
    closing_sql, closing_params = _closing(on, now).query.sql_with_params()
    task = CallTask._meta.db_table
    reason = CallTask.ClosedReason
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH closed AS (
                UPDATE {task} t SET
                    status = %s,
                    closed_at = %s,
                    closed_reason = CASE WHEN c.eligible THEN %s ELSE %s END
                FROM ({closing_sql}) c
                WHERE t.id = c.id
                RETURNING t.closed_reason
            )
            SELECT closed_reason, count(*) FROM closed GROUP BY closed_reason
            """,  # noqa: S608 (table name and ORM-compiled SQL; every value is a parameter)
            [CallTask.Status.CLOSED, now, reason.NOT_DUE, reason.NOT_ELIGIBLE, *closing_params],
        )
        counts = dict(cursor.fetchall())
    result.closed_not_due = counts.get(reason.NOT_DUE, 0)
    result.closed_not_eligible = counts.get(reason.NOT_ELIGIBLE, 0)


def _close_orm(on, now, result, due):
    not_due = _not_held(CallTask.objects.open(), now).exclude(tenant_id__in=list(due))
    closed = {"status": CallTask.Status.CLOSED, "closed_at": now}
    eligible = call_tenants().eligible_for_calls(on).filter(pk=OuterRef("tenant_id"))
    result.closed_not_eligible = not_due.filter(~Exists(eligible)).update(
        closed_reason=CallTask.ClosedReason.NOT_ELIGIBLE, **closed
    )
    result.closed_not_due = not_due.update(closed_reason=CallTask.ClosedReason.NOT_DUE, **closed)


def _due_rows(campaign, on, numbers=False):
    """What each tenant due in `campaign` should have on their task (all but the team);
    `numbers`: and whether they have a number to dial (the PostgreSQL build finds those who
    have none once, for the due table, not once per campaign)."""
    # A tenant with an open escalation is in a manager's hands until it is closed: no new task,
    # and the open one is left alone.
    escalated = Escalation.objects.filter(tenant=OuterRef("pk"), status=Escalation.Status.OPEN)
    due = campaign_rules.due_in(campaign, on)
    if numbers:
        due = due.with_number_to_dial()
    due = due.annotate(
        alone=Case(
            When(lives_alone=True, scheme__isnull=True, then=Value(True)),
            default=Value(False),
            output_field=Bool(),
        ),
        escalated=Exists(escalated),
    )
    flags = ["in_unwell", "in_aged_70", "alone", "escalated"]
    if numbers:
        flags.append("has_number_to_dial")
    if campaign.follows_cadence_rule:
        return due.values("id", "patch_id", "call_cadence_days", "call_days_overdue", *flags)
    return due.values("id", "patch_id", "campaign_due_on", *flags).order_by()


def _campaign_cadence(campaign):
    """The task's cadence for a campaign (0 for "once by": no cadence)."""
    return campaign.cadence_days or 0


def _due_table_sql(on, campaigns):
    """The due table: one row per tenant due in any running campaign, with what their task
    should say today; the earliest due date of their campaigns ranks them."""
    parts, params = [], []
    for campaign in campaigns:
        sql, sql_params = _due_rows(campaign, on).order_by().query.sql_with_params()
        if campaign.follows_cadence_rule:
            due_on, cadence = "%s::date - d.call_days_overdue", "d.call_cadence_days"
            params.append(on)
        else:
            due_on, cadence = "d.campaign_due_on", "%s"
            params.append(_campaign_cadence(campaign))
        columns = f"d.id, d.patch_id, {due_on} AS due_on, {cadence} AS cadence_days"
        flags = "d.in_unwell, d.in_aged_70, d.alone, d.escalated"
        parts.append(f"SELECT {columns}, {flags} FROM ({sql}) d")  # noqa: S608
        params.extend(sql_params)
    if not parts:  # no campaign running: nobody is due
        parts.append("SELECT 0, 0, NULL::date, 0, false, false, false, false WHERE false")
    union = " UNION ALL ".join(parts)
    # The team each due tenant's task belongs to today: a redeployment of the tenant's patch
    # that covers `on` (the latest made, if several), otherwise the patch's own team.
    redeploy_sql, redeploy_params = (
        _redeployments_on(on)
        .order_by("patch_id", "-created_at", "-id")
        .distinct("patch_id")
        .values("patch_id", "team_id")
        .query.sql_with_params()
    )
    # Who has no number to dial (few): passed to a manager (welfare.no_number), not queued.
    no_number_sql, no_number_params = (
        Tenant.objects.without_number_to_dial().values("pk").order_by().query.sql_with_params()
    )
    # With one campaign running every tenant comes once: no need to sort them.
    distinct = "DISTINCT ON (d.id)" if len(parts) > 1 else ""
    # Equally due in two campaigns: the shorter cadence, so every build picks the same row.
    order = "ORDER BY d.id, d.due_on, d.cadence_days" if len(parts) > 1 else ""
    source = f"""
        SELECT {distinct} d.id AS tenant_id,
               COALESCE(r.team_id, p.team_id) AS team_id,
               d.due_on,
               d.cadence_days,
               d.in_unwell AS unwell,
               d.in_aged_70 AS aged_70,
               d.alone AS lives_alone,
               d.escalated,
               n.pk IS NOT NULL AS no_number
        FROM ({union}) d
        LEFT JOIN {Patch._meta.db_table} p ON p.id = d.patch_id
        LEFT JOIN ({redeploy_sql}) r ON r.patch_id = d.patch_id
        LEFT JOIN ({no_number_sql}) n ON n.pk = d.id
        {order}
    """  # noqa: S608 (table names and ORM-compiled SQL; every value is a parameter)
    with connection.cursor() as cursor:
        # Work out what every due tenant's task should say once, for the statements below.
        cursor.execute(f"DROP TABLE IF EXISTS {DUE_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DUE_TABLE} ON COMMIT DROP AS {source}",
            [*params, *redeploy_params, *no_number_params],
        )
        cursor.execute(f"CREATE INDEX ON {DUE_TABLE} (tenant_id)")
        cursor.execute(f"ANALYZE {DUE_TABLE}")


def _redeployments_on(on):
    return Redeployment.objects.filter(
        starts_on__lte=on, ends_on__gte=on, cancelled_at__isnull=True
    )


def _rerank_and_open_sql(on, now, result):
    task = CallTask._meta.db_table
    new_risk = _risk_sql(
        unwell="s.unwell",
        aged_70="s.aged_70",
        lives_alone="s.lives_alone",
        wellbeing="t.last_wellbeing",
        attempts="t.attempts",
    )
    new_team = "CASE WHEN t.team_fixed THEN t.team_id ELSE s.team_id END"
    with connection.cursor() as cursor:
        # Tasks still open from earlier days: refresh their rank; write only rows that change.
        # A task whose team changes (patch moved, redeployment began or ended) leaves the old
        # team's officer.
        cursor.execute(
            f"""
            UPDATE {task} t SET
                due_on = s.due_on,
                cadence_days = s.cadence_days,
                unwell = s.unwell,
                aged_70 = s.aged_70,
                lives_alone = s.lives_alone,
                risk_score = {new_risk},
                team_id = {new_team},
                assigned_to_id = CASE WHEN {new_team} IS DISTINCT FROM t.team_id
                                 THEN NULL ELSE t.assigned_to_id END
            FROM {DUE_TABLE} s
            WHERE t.tenant_id = s.tenant_id
              AND t.status = 'open'
              AND NOT s.escalated AND NOT s.no_number
              AND (t.due_on, t.cadence_days, t.unwell, t.aged_70, t.lives_alone, t.risk_score,
                   t.team_id)
                  IS DISTINCT FROM
                  (s.due_on, s.cadence_days, s.unwell, s.aged_70, s.lives_alone, {new_risk},
                   {new_team})
            """,  # noqa: S608
        )
        result.reranked = cursor.rowcount
        first_risk = _risk_sql(
            unwell="s.unwell",
            aged_70="s.aged_70",
            lives_alone="s.lives_alone",
            wellbeing="w.last_wellbeing",
            attempts="0",
        )
        # New tasks. A tenant's last known wellbeing carries over from their latest task that
        # recorded one (call logging sets it), so "struggling last time" ranks them higher.
        cursor.execute(
            f"""
            INSERT INTO {task} (
                tenant_id, team_id, team_fixed, status, closed_reason, opened_on, due_on,
                cadence_days, risk_score, unwell, aged_70, lives_alone, last_wellbeing,
                attempts, created_at)
            SELECT s.tenant_id, s.team_id, false, 'open', '', %s, s.due_on,
                   s.cadence_days, {first_risk},
                   s.unwell, s.aged_70, s.lives_alone, COALESCE(w.last_wellbeing, ''), 0, %s
            FROM {DUE_TABLE} s
            LEFT JOIN LATERAL (
                SELECT last_wellbeing FROM {task} prev
                WHERE prev.tenant_id = s.tenant_id AND prev.last_wellbeing <> ''
                ORDER BY prev.id DESC LIMIT 1
            ) w ON true
            WHERE NOT s.escalated AND NOT s.no_number AND NOT EXISTS (
                SELECT 1 FROM {task} o WHERE o.tenant_id = s.tenant_id AND o.status = 'open'
            )
            ON CONFLICT DO NOTHING
            """,  # noqa: S608
            [on, now],
        )
        result.opened = cursor.rowcount


def _due_orm(on, campaigns, tenant_id=None):
    """SQLite (demo data), or one tenant (`tenant_id`): the due table as a dict of tenant id
    to its row."""
    due = {}
    for campaign in campaigns:
        rows = _due_rows(campaign, on, numbers=True)
        if tenant_id is not None:
            rows = rows.filter(pk=tenant_id)
        for row in rows.iterator():
            if campaign.follows_cadence_rule:
                row["due_on"] = on - timedelta(days=row["call_days_overdue"])
                row["cadence"] = row["call_cadence_days"]
            else:
                row["due_on"], row["cadence"] = row["campaign_due_on"], _campaign_cadence(campaign)
            held = due.get(row["id"])
            if held is None or (row["due_on"], row["cadence"]) < (held["due_on"], held["cadence"]):
                due[row["id"]] = row
    return due


def _rerank_and_open_orm(on, now, result, due):
    """SQLite (demo data): the same steps through the ORM."""
    redeployed = {}
    for patch_id, team_id in (
        _redeployments_on(on).order_by("created_at", "id").values_list("patch_id", "team_id")
    ):
        redeployed[patch_id] = team_id  # the latest made wins
    team_of = dict(Patch.objects.values_list("id", "team_id"))
    team_of.update(redeployed)
    open_tasks = {task.tenant_id: task for task in CallTask.objects.open()}
    last_wellbeing = dict(
        CallTask.objects.exclude(last_wellbeing="")
        .order_by("id")
        .values_list("tenant_id", "last_wellbeing")
    )
    fields = ["due_on", "cadence_days", "unwell", "aged_70", "lives_alone", "risk_score", "team"]
    changed, new, passing = [], [], {}
    for row in due.values():
        if row["escalated"]:
            continue
        if not row["has_number_to_dial"]:
            passing[row["id"]] = team_of.get(row["patch_id"])
            continue
        values = {
            "due_on": row["due_on"],
            "cadence_days": row["cadence"],
            "unwell": row["in_unwell"],
            "aged_70": row["in_aged_70"],
            "lives_alone": row["alone"],
        }
        team_id = team_of.get(row["patch_id"])
        task = open_tasks.get(row["id"])
        if task is None:
            wellbeing = last_wellbeing.get(row["id"], "")
            score = risk_score(
                unwell=values["unwell"],
                aged_70=values["aged_70"],
                lives_alone=values["lives_alone"],
                wellbeing=wellbeing,
                attempts=0,
            )
            new.append(
                CallTask(
                    tenant_id=row["id"],
                    team_id=team_id,
                    opened_on=on,
                    risk_score=score,
                    last_wellbeing=wellbeing,
                    created_at=now,
                    **values,
                )
            )
            continue
        values["risk_score"] = risk_score(
            unwell=values["unwell"],
            aged_70=values["aged_70"],
            lives_alone=values["lives_alone"],
            wellbeing=task.last_wellbeing,
            attempts=task.attempts,
        )
        before = [getattr(task, name) for name in values]
        for name, value in values.items():
            setattr(task, name, value)
        moved = not task.team_fixed and task.team_id != team_id
        if moved:
            task.team_id, task.assigned_to_id = team_id, None
        if moved or before != list(values.values()):
            changed.append(task)
    CallTask.objects.bulk_update(changed, [*fields, "assigned_to"], batch_size=500)
    created = CallTask.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    result.reranked, result.opened = len(changed), len(created)
    result.passed_to_manager = no_number_escalate(teams=passing, now=now)
