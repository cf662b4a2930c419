"""Writes for support providers: who owns the relationship, contacts, and check-ins."""

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from tenants.models import SupportProvider, Tenant

from .provider_models import (
    DEFAULT_CHECK_IN_DAYS,
    ProviderCheckIn,
    ProviderCheckInTask,
    ProviderContact,
    ProviderOversight,
    Staffing,
    default_next_check_in,
)
from .provider_selectors import supported_count


@transaction.atomic
def provider_oversight_set(*, provider, team, cadence_days, open_now=False):
    """The team that owns the relationship with `provider` and how often it checks in.
    `open_now` (a manager choosing the team on the provider's page): a first check-in, due
    today, is in the team's queue at once, not from the next morning's build."""
    oversight, created = ProviderOversight.objects.select_for_update().get_or_create(
        provider=provider,
        defaults={
            "team": team,
            "cadence_days": cadence_days,
            "next_check_in_on": timezone.localdate(),
        },
    )
    if not created:
        oversight.team, oversight.cadence_days = team, cadence_days
        oversight.save(update_fields=["team", "cadence_days"])
        # A check-in waiting in the old team's queue moves to the new team at once.
        ProviderCheckInTask.objects.open().filter(provider=provider).exclude(team=team).update(
            team=team, claimed_by=None, claimed_at=None
        )
    elif open_now:
        check_in_tasks_open(on=timezone.localdate(), now=timezone.now(), providers=[provider.pk])
    return oversight


def provider_owners_from_tenants(*, on):
    """Give each provider no team checks in with (made by the tenant import, or in the admin)
    the team whose patches hold most of the current tenants it supports, directly or through a
    scheme (of two teams with as many, the first made), due a check-in on `on` at the usual
    cadence: one INSERT ... SELECT, run at the end of each tenant import
    (tenants.signals.tenant_import_saved). A provider none of whose tenants has a patch stays
    without one: the providers page and the dashboard list it for a manager to choose.
    Returns how many were given a team."""
    unowned = SupportProvider.objects.filter(oversight__isnull=True).values("pk")
    tenants = Tenant.objects.current(on).filter(patch__isnull=False).order_by()
    direct = tenants.filter(support_provider_id__in=unowned).annotate(
        owned=F("support_provider_id"), owner=F("patch__team_id")
    )
    via_scheme = (
        tenants.filter(scheme__support_provider_id__in=unowned)
        .exclude(support_provider_id=F("scheme__support_provider_id"))
        .annotate(owned=F("scheme__support_provider_id"), owner=F("patch__team_id"))
    )
    supported = direct.values_list("owned", "owner").union(
        via_scheme.values_list("owned", "owner"), all=True
    )
    sql, params = supported.query.sql_with_params()
    table = ProviderOversight._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (provider_id, team_id, cadence_days, staffing,"  # noqa: S608 (table name and ORM-compiled SQL; values are parameters)
            " next_check_in_on) SELECT owned, owner, %s, '', %s FROM ("
            " SELECT owned, owner,"
            " row_number() OVER (PARTITION BY owned ORDER BY count(*) DESC, owner) AS n"
            f" FROM ({sql}) supported GROUP BY owned, owner"
            ") ranked WHERE n = 1 ON CONFLICT DO NOTHING RETURNING provider_id",
            [DEFAULT_CHECK_IN_DAYS, on, *params],
        )
        owned = [provider_id for (provider_id,) in cursor.fetchall()]
    if owned:
        # Due on the import's day: in the team's queue now, as the home page says.
        check_in_tasks_open(on=on, now=timezone.now(), providers=owned)
    return len(owned)


def provider_contact_add(*, provider, name, role="", phone="", email=""):
    contact = ProviderContact(provider=provider, name=name, role=role, phone=phone, email=email)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def provider_check_in_record(*, provider, by, staffing, notes="", next_check_in_on=None, now=None):
    """Record a check-in and the provider's staffing from now on. "Critical" puts the
    provider's tenants in the provider-critical campaign from the next queue build and shows
    the provider to managers; any other status ends that."""
    now = now or timezone.now()
    oversight = ProviderOversight.objects.select_for_update().get(provider=provider)
    next_check_in_on = next_check_in_on or default_next_check_in(
        timezone.localtime(now).date(), oversight.cadence_days
    )
    check_in = ProviderCheckIn.objects.create(
        provider=provider,
        team=oversight.team,
        staffing=staffing,
        next_check_in_on=next_check_in_on,
        notes=notes,
        by=by,
        at=now,
    )
    if oversight.staffing != staffing:
        oversight.staffing, oversight.staffing_since = staffing, now
    oversight.next_check_in_on = next_check_in_on
    oversight.save(update_fields=["staffing", "staffing_since", "next_check_in_on"])
    # Recorded from the queue or from the provider's page, the check-in waiting is done.
    ProviderCheckInTask.objects.open().filter(provider=provider).update(
        done_at=now, check_in=check_in
    )
    return check_in


class CheckInRefused(Exception):
    """The check-in cannot be recorded on this task; the message says why, in plain words."""


@transaction.atomic
def check_in_task_record(*, task, by, staffing, notes="", next_check_in_on=None, now=None):
    """Record the check-in of a task from the call queue. Refused if it was recorded already
    (a second officer, or the provider's page) or another officer holds it now; a lapsed hold
    of the officer's own is taken again, as nobody else has it."""
    now = now or timezone.now()
    # The row lock orders two submissions: the second finds the task done.
    task = (
        ProviderCheckInTask.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=task.pk)
    )
    if not task.is_open:
        raise CheckInRefused(f"The check-in with {task.provider.name} was already recorded.")
    if task.claim_active(now) and task.claimed_by_id != by.pk:
        raise CheckInRefused(
            f"{task.claimed_by} has taken the check-in with {task.provider.name}, so yours was "
            "not recorded."
        )
    return provider_check_in_record(
        provider=task.provider,
        by=by,
        staffing=staffing,
        notes=notes,
        next_check_in_on=next_check_in_on,
        now=now,
    )


# A claim is a compare-and-set, as for calls (welfare.actions): a few tries when another
# officer's claim got there between the read and the write.
CLAIM_TRIES = 5


def check_in_task_claim_next(*, user, now=None):
    """Claim the top check-in waiting in `user`'s team queue (most overdue first, then the
    most tenants supported); None when none is waiting. The row is read with SKIP LOCKED and
    claimed by a compare-and-set, so two officers never get the same check-in."""
    now = now or timezone.now()
    waiting = (
        ProviderCheckInTask.objects.claimable(now)
        .filter(team_id=user.team_id)
        .order_by(*ProviderCheckInTask.RANK)
    )
    # Most teams have none waiting most of the time: one plain read says so, without a
    # transaction (a check-in opened just after it is claimed by the next "Take next call").
    if not waiting.exists():
        return None
    for _ in range(CLAIM_TRIES):
        with transaction.atomic():
            task = waiting.select_for_update(skip_locked=True, of=("self",)).first()
            if task is None:
                return None
            claimed = (
                ProviderCheckInTask.objects.claimable(now)
                .filter(pk=task.pk)
                .update(claimed_by=user, claimed_at=now)
            )
            if claimed:
                task.claimed_by, task.claimed_at = user, now
                return task
    return None


def check_in_tasks_release(*, user, keep=None):
    """Give back the check-ins `user` holds (but `keep`): "Take next call" moved them on."""
    held = ProviderCheckInTask.objects.open().filter(claimed_by=user)
    if keep is not None:
        held = held.exclude(pk=keep.pk)
    return held.update(claimed_by=None, claimed_at=None)


def check_in_task_hand_back(*, task, user):
    """Put a check-in back in the queue: its holder may, and so may a manager."""
    tasks = ProviderCheckInTask.objects.filter(pk=task.pk)
    if not user.is_manager:
        tasks = tasks.filter(claimed_by=user)
    return tasks.update(claimed_by=None, claimed_at=None) == 1


def check_in_tasks_open(*, on, now, providers=None):
    """Open a check-in task for every provider whose check-in is due on `on` or before and has
    none open: one INSERT ... SELECT (no loop over providers), run by the morning queue build
    inside its transaction and lock. Each task counts the current tenants the provider
    supports, directly or through a scheme (two index probes a provider). Returns how many
    opened; the partial unique constraint makes a second run open none. `providers` (a
    queryset of provider ids): only theirs, for a team given a provider during the day, so the
    check-in is in its queue at once, as the home page says, not from the next build."""
    waiting = ProviderCheckInTask.objects.open().filter(provider_id=OuterRef("provider_id"))
    oversights = ProviderOversight.objects.all()
    if providers is not None:
        oversights = oversights.filter(provider_id__in=providers)
    due = (
        oversights.filter(next_check_in_on__lte=on)
        .exclude(Exists(waiting))
        .annotate(tenants=supported_count(on))
        .order_by()
        .values_list("provider_id", "team_id", "next_check_in_on", "tenants")
    )
    sql, params = due.query.sql_with_params()
    table = ProviderCheckInTask._meta.db_table
    with connection.cursor() as cursor:
        insert = (
            f"INSERT INTO {table} (provider_id, team_id, due_on, tenant_count, opened_on,"  # noqa: S608 (table name and ORM-compiled SQL; values are parameters)
            f" created_at) SELECT d.*, %s, %s FROM ({sql}) d WHERE true ON CONFLICT DO NOTHING"
        )
        cursor.execute(insert, [on, now, *params])
        return cursor.rowcount


__all__ = [
    "CheckInRefused",
    "Staffing",
    "check_in_task_claim_next",
    "check_in_task_hand_back",
    "check_in_task_record",
    "check_in_tasks_open",
    "check_in_tasks_release",
    "provider_check_in_record",
    "provider_contact_add",
    "provider_oversight_set",
    "provider_owners_from_tenants",
]
