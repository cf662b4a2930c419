"""Reads for welfare calls: the queue, the managers' overview and the tenant record's panel."""

from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.access import team_scoped
from accounts.models import Team
from tenants.models import Tenant
from tenants.selectors import log_tenant_read, tenant_history

from . import call_config
from .cadence import call_tenants, not_eligible_reason
from .call_text import hospital_date_not_known, hospital_text
from .campaign_models import answered_scripts_prefetch
from .models import QUEUE_STATES, Call, CallTask, Cohort, Escalation, claim_cutoff, queue_state_q
from .record_reach import tenant_reach_context


def get_task_for_user(user, pk, *, page):
    """The call task if `user` may work it: their team's, or any for a manager; else 404.
    Logged as a read of the tenant on `page`."""
    queryset = team_scoped(CallTask.objects, user, "team_id").select_related(
        "tenant__patch", "tenant__scheme", "team", "claimed_by", "assigned_to"
    )
    task = get_object_or_404(queryset.with_call_back(), pk=pk)
    log_tenant_read(user=user, tenant=task.tenant, page=page)
    return task


def get_escalation_for_user(user, pk, *, page):
    """The escalation if `user` may see it (escalations are a manager's: every team's); else
    404. Logged as a read of the tenant on `page`."""
    queryset = team_scoped(Escalation.objects, user, "team_id").select_related(
        "tenant__patch", "tenant__scheme__support_provider", "team", "closed_by"
    )
    escalation = get_object_or_404(queryset, pk=pk)
    log_tenant_read(user=user, tenant=escalation.tenant, page=page)
    return escalation


def get_call_for_user(user, pk, *, page):
    """A recorded call if `user` may see its tenant (their team's patches; a manager any); else
    404. Logged as a read of the tenant on `page`."""
    queryset = team_scoped(Call.objects, user, "tenant__patch__team_id").select_related(
        "tenant__patch", "officer", "task", "family_updated"
    )
    call = get_object_or_404(queryset, pk=pk)
    log_tenant_read(user=user, tenant=call.tenant, page=page)
    return call


def my_held_task(user, exclude=None, now=None):
    """The open call `user` holds a live claim on (other than `exclude`), if any."""
    tasks = CallTask.objects.open().filter(claimed_by=user, claimed_at__gte=claim_cutoff(now))
    return tasks.exclude(pk=exclude).order_by("-claimed_at").first()


def call_backs_due(user, now=None, limit=5):
    """The call-backs `user` booked whose time has come and that nobody is on, earliest first:
    the "Call-back due now" banner on their home and queue pages."""
    now = now or timezone.now()
    booked = Call.objects.filter(
        task=OuterRef("pk"), outcome=Call.Outcome.CALL_BACK, call_back_at=OuterRef("available_from")
    )
    return list(
        CallTask.objects.open()
        .filter(assigned_to=user, available_from__lte=now)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_at__lt=claim_cutoff(now)))
        .filter(Exists(booked))
        .select_related("tenant")
        .order_by("available_from", "id")[:limit]
    )


def team_queue(team_id):
    """A team's open tasks in rank order; `team_id` None: tasks of tenants with no patch."""
    return (
        CallTask.objects.open()
        .filter(team_id=team_id)
        .ranked()
        .with_call_back()
        .select_related("tenant", "claimed_by", "assigned_to")
    )


def my_tasks(user, now=None):
    """Open tasks `user` holds a live claim on or a manager assigned to them, in rank order."""
    cutoff = claim_cutoff(now)
    return (
        CallTask.objects.open()
        .filter(Q(claimed_by=user, claimed_at__gte=cutoff) | Q(assigned_to=user))
        .ranked()
        .with_call_back()
        .select_related("tenant", "claimed_by", "assigned_to")
    )


def queue_counts(tasks, today, now=None):
    """How many of `tasks` there are, in each state (QUEUE_STATES: waiting now, being made,
    not due yet; they add up to the total) and for each reason, in one query."""
    now = now or timezone.now()
    counts = tasks.order_by().aggregate(
        total=Count("id"),
        **{show: Count("id", filter=queue_state_q(show, now)) for show in QUEUE_STATES},
        overdue=Count("id", filter=Q(due_on__lt=today)),
        unwell=Count("id", filter=Q(unwell=True)),
        aged_70=Count("id", filter=Q(aged_70=True)),
        lives_alone=Count("id", filter=Q(lives_alone=True)),
        struggling=Count("id", filter=Q(last_wellbeing=CallTask.Wellbeing.STRUGGLING)),
        retried=Count("id", filter=Q(attempts__gt=0)),
        assigned=Count("id", filter=Q(assigned_to__isnull=False)),
    )
    # Each with the query string of its list (QueueFilterForm).
    counts["by_reason"] = [
        (query, label, counts[name])
        for name, query, label in [
            ("overdue", "reason=overdue", "Overdue"),
            ("unwell", "reason=unwell", "Unwell or self-isolating"),
            ("aged_70", "reason=aged_70", "Aged 70+"),
            ("lives_alone", "reason=lives_alone", "Lives alone outside a scheme"),
            ("struggling", "reason=struggling", "Struggling at the last call"),
            ("retried", "reason=retried", "With failed attempts"),
            ("assigned", "assigned=any", "Assigned to an officer"),
        ]
    ]
    return counts


def team_overview(today, now=None):
    """Per team (and "No team" for tenants without a patch): queue size, split into the queue's
    states as its own page counts them (QUEUE_STATES: waiting now, being made, not due yet), and
    the oldest task. Home's "calls waiting now across all teams" is the sum of the rows'
    "waiting" (`overview_totals`)."""
    now = now or timezone.now()
    figures = {
        row["team_id"]: row
        for row in CallTask.objects.open()
        .order_by()
        .values("team_id")
        .annotate(
            size=Count("id"),
            oldest_due_on=Min("due_on"),
            unassigned=Count("id", filter=Q(assigned_to__isnull=True)),
            **{show: Count("id", filter=queue_state_q(show, now)) for show in QUEUE_STATES},
        )
    }
    rows = []
    for team in [*Team.objects.order_by("name"), None]:
        row = figures.get(team.pk if team else None)
        if team is None and row is None:
            continue  # no tenant without a patch is due: nothing to show
        size = row["size"] if row else 0
        oldest = row["oldest_due_on"] if row else None
        rows.append(
            {
                "team": team,
                "size": size,
                "oldest_due_on": oldest,
                "oldest_days_overdue": (today - oldest).days if oldest else None,
                "unassigned": row["unassigned"] if row else 0,
                **{show: row[show] if row else 0 for show in QUEUE_STATES},
            }
        )
    return rows


def overview_totals(rows):
    """The overview's rows added up: the figures home gives a manager, so both agree."""
    return {key: sum(row[key] for row in rows) for key in ["size", "unassigned", *QUEUE_STATES]}


def _not_queued_reason(tenant, today, hospital_date_not_known=False):
    reason = not_eligible_reason(tenant, today)
    if reason == "declined":
        return f"declined welfare calls on {tenant.declined_calls_on:%-d %B %Y}"
    if reason == "in_hospital":
        return hospital_text(tenant, hospital_date_not_known)
    return reason.replace("_", " ") if reason else "not eligible for calls"


def _cohort_names(row, cohorts):
    """The names of the cohorts a tenant is in (`row` has the `in_<code>` flags of
    `with_cadence`): the active ones, or "Everyone else"."""
    names = [
        cohort.name for code, cohort in cohorts.items() if row.get(f"in_{code}") and cohort.active
    ]
    everyone_else = cohorts.get(Cohort.Code.EVERYONE_ELSE)
    if not names and everyone_else:
        names = [everyone_else.name + ("" if everyone_else.active else " (calls switched off)")]
    return names


# The seeded campaign's name (migration 0012), for the queue's "why now" and the record.
PROVIDER_CRITICAL_NAME = "Provider staffing critical"


def _call_names(row, cohorts):
    """The cohorts' names and, for a tenant of a critical provider, the campaign's: a 7-day
    cadence beside "Supported living" (14 days) needs a reason. The seeded campaign can be
    neither paused nor closed: it is always running."""
    names = _cohort_names(row, cohorts)
    if row.get("in_provider_critical"):
        names.append(PROVIDER_CRITICAL_NAME)
    return names


def cohorts_of(tenant_ids, today):
    """{tenant id: (cohort names, cadence in days)} for a page of tenants, in one query
    whatever the page's size (the cohorts and cadences are the process's copies,
    welfare.call_config): the queue table's "why now" in words. The cadence is
    `with_cadence`'s own, the one the record and the dashboard give."""
    flags = [f"in_{code}" for code in call_tenants().call_cohort_rules(today)]
    rows = (
        call_tenants()
        .filter(pk__in=tenant_ids)
        .with_cadence(today, call_config.active_cadences())
        .values("pk", *flags, "in_provider_critical", "call_cadence_days")
        .order_by()
    )
    cohorts = call_config.cohorts()
    return {row["pk"]: (_call_names(row, cohorts), row["call_cadence_days"]) for row in rows}


# The SQL of the calls panel's row (cohort flags, cadence, days overdue, eligible) depends on the
# day and the cohorts' cadences alone: built once (the ORM's expressions cost more than the
# query) and run with the tenant's id in place of this one.
_TENANT_PLACEHOLDER = -7_654_321
_CONTEXT_SQL = {}


def _call_context_row(tenant_id, today, cadences):
    key = (connection.vendor, today, tuple(sorted(cadences.items())))
    if key not in _CONTEXT_SQL:
        query = (
            call_tenants()
            .filter(pk=_TENANT_PLACEHOLDER)
            .with_cadence(today, cadences)
            .annotate(
                call_eligible=Exists(
                    call_tenants().eligible_for_calls(today).filter(pk=OuterRef("pk"))
                )
            )
            .values(
                *(f"in_{code}" for code in call_tenants().call_cohort_rules(today)),
                "in_provider_critical",
                "call_cadence_days",
                "call_days_overdue",
                "call_eligible",
            )
        )
        if len(_CONTEXT_SQL) > 20:
            _CONTEXT_SQL.clear()
        _CONTEXT_SQL[key] = query.query.sql_with_params()
    sql, params = _CONTEXT_SQL[key]
    params = tuple(tenant_id if value == _TENANT_PLACEHOLDER else value for value in params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            raise Tenant.DoesNotExist
        row = dict(zip((column[0] for column in cursor.description), values, strict=True))
    # SQLite answers the flags as 0 and 1.
    for name in row:
        if (name.startswith("in_") or name == "call_eligible") and row[name] is not None:
            row[name] = bool(row[name])
    return row


def tenant_call_context(tenant, today, open_task=None):
    """Context for the calls panel of the tenant record: the cohorts the tenant is in today,
    the cadence that follows, when the next call is due (or why none is), and the open task
    (`open_task` if the caller has it, with its team and officers).

    Keys start with `call_` because the record page merges them into its own context."""
    row = _call_context_row(tenant.pk, today, call_config.active_cadences())
    names = _call_names(row, call_config.cohorts())
    cadence, overdue = row["call_cadence_days"], row["call_days_overdue"]
    due_on = due_text = None
    not_queued = ""
    # The tag on the record and "Next call" say so: the date held is not the discharge date.
    hospital_not_known = bool(
        tenant.in_hospital_until
        and tenant.in_hospital_until > today
        and hospital_date_not_known(tenant)
    )
    if not row["call_eligible"]:
        not_queued = _not_queued_reason(tenant, today, hospital_not_known)
    elif cadence is None:
        not_queued = "no cohort with calls switched on"
    else:
        due_on = today.fromordinal(today.toordinal() - overdue)
        if overdue > 0:
            due_text = ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", overdue) % {
                "n": overdue
            }
        elif overdue == 0:
            due_text = "Due today"
        else:
            due_text = f"Due on {due_on:%-d %B %Y}"
    task = open_task
    if task is None:
        task = (
            CallTask.objects.open()
            .filter(tenant_id=tenant.pk)
            .select_related("team", "claimed_by", "assigned_to")
            .first()
        )
    last_spoken = (
        Call.objects.filter(tenant_id=tenant.pk, outcome=Call.Outcome.SPOKE)
        .only("pk", "made_at")
        .first()
    )
    return {
        "call_last_spoken": last_spoken,
        "call_cohorts": names,
        "call_cadence_days": cadence,
        "call_due_on": due_on,
        "call_due_text": due_text,
        "call_never_contacted": tenant.last_contact_at is None,
        "call_not_queued": not_queued,
        "call_hospital_date_not_known": hospital_not_known,
        "call_task": task,
        "call_task_claimed": bool(task and task.claim_active(timezone.now())),
    }


TIMELINE_LIMIT = 30


def tenant_timeline(tenant, changes=(), limit=TIMELINE_LIMIT):
    """The record's story, newest first: calls (outcome, wellbeing, answers, notes, officer),
    escalations with their actions, Here to Help requests and flag changes (`changes`, from
    `tenants.selectors.tenant_history`). A fixed number of queries, whatever the rows."""
    from here_to_help.models import HelpRequest

    calls = (
        tenant.calls.select_related("officer")
        .prefetch_related("later_notes__by", answered_scripts_prefetch())
        .order_by("-made_at")[:limit]
    )
    escalations = (
        tenant.escalations.select_related("closed_by")
        .prefetch_related("actions__by")
        .order_by("-opened_at")[:limit]
    )
    requests = (
        HelpRequest.objects.filter(tenant=tenant).select_related("owner").order_by("-raised_at")
    )[:limit]
    items = [{"kind": "call", "when": call.made_at, "call": call} for call in calls]
    items += [{"kind": "escalation", "when": e.opened_at, "escalation": e} for e in escalations]
    items += [{"kind": "request", "when": r.raised_at, "request": r} for r in requests]
    items += [{"kind": "change", "when": change["when"], "change": change} for change in changes]
    items.sort(key=lambda item: item["when"], reverse=True)
    return items[:limit]


def tenant_record_calls_section(tenant, today):
    """The record's welfare section: cohorts and the next call, the numbers, and the timeline of
    calls, escalations, requests and changes to the record."""
    return {
        **tenant_call_context(tenant, today),
        **tenant_record_calls_context(tenant, tenant_history(tenant)),
    }


def tenant_record_calls_context(tenant, changes=()):
    """The record's calls section: numbers with their source and state, the open escalation
    and visit (welfare.record_reach), and the timeline."""
    numbers = tenant.contact_numbers()
    return {
        "call_numbers": numbers,
        **tenant_reach_context(tenant, numbers),
        "call_timeline": tenant_timeline(tenant, changes),
    }


def calls_recorded_today(user, now=None):
    """The calls `user` recorded today (Europe/London), newest first, each with its tenant:
    their own only (a manager reads an officer's through the officer's history). Read through
    the index `call_officer_made_idx`, however many calls everyone else made."""
    today = timezone.localdate(now)
    start = timezone.make_aware(datetime.combine(today, time.min))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    return (
        Call.objects.filter(officer=user, made_at__gte=start, made_at__lt=end)
        .select_related("tenant")
        .order_by("-made_at", "-id")
    )
