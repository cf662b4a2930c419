"""Reads for arrears. Amounts leave here only for users who may see them
(`User.sees_arrears_amounts`): for anyone else no balance is even queried."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from tenants.models import Tenant
from tenants.selectors import log_tenant_read

from .models import ArrearsFlag, CurrentRentBalance, RentBalance, ReviewChange, SupportOffer

# Balance bands for the list's filter: (code, label, condition on the annotated balance).
BALANCE_BANDS = [
    ("none", "No balance held", Q(balance__isnull=True)),
    ("clear", "No arrears, or in credit", Q(balance__lte=0)),
    ("under_500", "Under £500", Q(balance__gt=0, balance__lt=Decimal("500"))),
    ("500_to_1000", "£500 to £999.99", Q(balance__gte=500, balance__lt=Decimal("1000"))),
    ("1000_plus", "£1,000 or more", Q(balance__gte=Decimal("1000"))),
]
STATUS_FILTERS = [
    ("", "Open or review due"),
    ("open", "Open"),
    ("review_due", "Review due"),
    ("closed", "Closed"),
    ("any", "Any status"),
]
REVIEW_FILTERS = [
    ("", "Any review date"),
    ("due", "Due now"),
    ("week", "Due in the next 7 days"),
    ("none", "No review date set"),
]


# The support offered under each flag, oldest first, as the flags CSV lists it: one query a
# batch of flags (with the server-side cursor's chunk), the columns the list needs only.
SUPPORT_KINDS = Prefetch(
    "support",
    queryset=SupportOffer.objects.order_by("offered_on", "pk").only(
        "flag_id", "kind", "agency", "outcome"
    ),
)


def flag_list(user, *, on, reason="", status="", review="", band="", team=""):
    """The flags `user` may see, with each tenant's latest balance, filtered; reviews due first.

    Status follows the review rule (`due_for_review`) rather than the stored status, so a
    review set for today shows as due before the morning job has run.
    """
    flags = (
        ArrearsFlag.objects.visible_to(user)
        .with_balance()
        .select_related("tenant__patch")
        .order_by("review_date", "-reported_on", "pk")
    )
    if reason:
        flags = flags.filter(reason=reason)
    if team == "none":
        flags = flags.filter(tenant__patch__team__isnull=True)
    elif team.isdigit():
        flags = flags.filter(tenant__patch__team_id=int(team))
    if status == "open":
        # exclude() keeps flags with no review date: NOT (review_date <= on AND NOT NULL).
        flags = flags.not_closed().exclude(review_date__lte=on)
    elif status == "review_due":
        flags = flags.due_for_review(on)
    elif status == "closed":
        flags = flags.filter(status=ArrearsFlag.Status.CLOSED)
    elif status != "any":
        flags = flags.not_closed()
    if review == "due":
        flags = flags.due_for_review(on)
    elif review == "week":
        flags = flags.not_closed().filter(review_date__gt=on, review_date__lte=on + timedelta(7))
    elif review == "none":
        flags = flags.not_closed().filter(review_date__isnull=True)
    for code, _label, condition in BALANCE_BANDS:
        if band == code:
            flags = flags.filter(condition)
    return flags


def unflagged_in_arrears(user, *, on, min_balance=None, min_weeks=None):
    """Current tenants `user` may see whose current rent balance (their latest `as_at`) is owed
    and who have no open flag, highest balance first; each annotated with `balance`,
    `balance_as_at` and `weekly_rent`. `min_balance` (pounds) and `min_weeks` (of rent, only
    tenants whose weekly rent is known) narrow it.

    One statement, driven from the current balances (`CurrentRentBalance`, one row a tenancy)
    in the order of their partial index of those owing (balance descending, then tenant): each
    row read joins its tenant (scope by patch's team, current tenancy) and probes the partial
    unique index of open flags (arrearsflag_one_open_per_tenant), until the page's LIMIT and
    OFFSET are met. A page costs the rows up to its end, not the register: measured on this
    2-CPU machine, 1,000,000 tenants with 6,000,000 balances, 194,000 listed, page 1 under 1 ms
    for a manager or a team of 200,000 (was 3.5 s), page 40 4-77 ms (figures in the README's
    arrears section). A scope or filter that few owing tenants pass (a team with few owing,
    many weeks owed) reads further down the index before the page is full: the whole index,
    600 ms, when none pass. The page's count stops 1,000 past the page
    (`views.UnflaggedPaginator`); counts shown elsewhere use `unflagged_count`.
    """
    open_flag = ArrearsFlag.objects.not_closed().filter(tenant_id=OuterRef("pk"))
    tenants = (
        Tenant.objects.visible_to(user)
        .current(on)
        .filter(current_rent_balance__balance__gt=0)
        .exclude(Exists(open_flag))
        .annotate(
            balance=F("current_rent_balance__balance"),
            balance_as_at=F("current_rent_balance__as_at"),
            weekly_rent=F("current_rent_balance__weekly_rent"),
        )
        .select_related("patch")
        # The index's order: tenant ids are the current balances' (one to one).
        .order_by("-current_rent_balance__balance", "current_rent_balance__tenant_id")
    )
    if min_balance is not None:
        tenants = tenants.filter(current_rent_balance__balance__gte=min_balance)
    if min_weeks is not None:
        tenants = tenants.filter(
            current_rent_balance__weekly_rent__gt=0,
            current_rent_balance__balance__gte=F("current_rent_balance__weekly_rent") * min_weeks,
        )
    return tenants


UNFLAGGED_COUNT_CAP = 1000


def unflagged_count(user, *, on, cap=None):
    """How many `unflagged_in_arrears` lists, up to `cap`: (count, whether there are more).
    Counting stops at the cap's row, a few thousand index probes rather than the register's."""
    cap = UNFLAGGED_COUNT_CAP if cap is None else cap
    count = unflagged_in_arrears(user, on=on)[: cap + 1].count()
    return min(count, cap), count > cap


def get_flag_for_user(user, pk, *, page):
    """A flag if `user` may see its tenant; 404 for another team's flag, as for none. Logged as
    a read of the tenant on `page`."""
    queryset = (
        ArrearsFlag.objects.visible_to(user)
        .select_related("tenant__patch__team", "raised_by")
        .prefetch_related(
            Prefetch("support", queryset=SupportOffer.objects.select_related("recorded_by")),
            Prefetch("review_changes", queryset=ReviewChange.objects.select_related("changed_by")),
        )
    )
    flag = get_object_or_404(queryset, pk=pk)
    log_tenant_read(user=user, tenant=flag.tenant, page=page)
    return flag


def get_support_for_user(user, flag_pk, pk, *, page):
    """A flag's support offer, through `get_flag_for_user` (and so logged)."""
    flag = get_flag_for_user(user, flag_pk, page=page)
    return flag, get_object_or_404(SupportOffer, pk=pk, flag=flag)


def tenant_balances(tenant, limit=12):
    """The tenancy's balance history, newest first."""
    return list(RentBalance.objects.filter(tenant=tenant).order_by("-as_at")[:limit])


def reviews_due(user, on):
    """Flags of `user`'s team (all, for a manager) whose review has come by `on`, oldest first."""
    return (
        ArrearsFlag.objects.visible_to(user)
        .due_for_review(on)
        .select_related("tenant")
        .order_by("review_date", "pk")
    )


def current_balance(user, tenant):
    """The tenancy's current rent balance (`CurrentRentBalance`: the latest the rent system
    sent), or None when none is held; None, unqueried, for a user who may not see amounts."""
    if not user.sees_arrears_amounts:
        return None
    return CurrentRentBalance.objects.filter(tenant=tenant).first()


def undated_count(user):
    """How many open flags of `user`'s team (all, for a manager) have no review date: raised
    before a review date was required, they hold escalation with no end and never come due."""
    return (
        ArrearsFlag.objects.visible_to(user).not_closed().filter(review_date__isnull=True).count()
    )


def arrears_context(user, tenant: Tenant):
    """What the tenant record's arrears section shows `user`, under the key `arrears`.

    An officer gets one fact, whether financial support is in place (an open flag), and
    nothing else is read: no reason, no balance, no amount can reach the page.
    """
    flags = ArrearsFlag.objects.filter(tenant=tenant)
    if not user.sees_arrears_amounts:
        return {"arrears": {"sees_amounts": False, "support_in_place": flags.not_closed().exists()}}
    open_flag = flags.not_closed().first()
    latest = RentBalance.objects.filter(tenant=tenant).order_by("-as_at").first()
    return {
        "arrears": {
            "sees_amounts": True,
            "support_in_place": open_flag is not None,
            "flag": open_flag,
            "balance": latest,
            "closed_flags": flags.filter(status=ArrearsFlag.Status.CLOSED).count(),
        }
    }
