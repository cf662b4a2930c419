"""The rent system's balance export (rent-balances.md), on the tenant import's frame.

The frame (`imports.frame.CsvImport`) gives the shared rules: encoding, header, line endings,
blank lines, all-or-nothing, dry run, skip invalid, errors out and line-numbered messages. This
file adds the columns and what the register must hold.

On PostgreSQL the file is read as the tenant file is (`imports.bulk`): copied into a temporary
table and checked, counted and upserted set-based (`arrears.import_checks`), with the rows SQL
does not pass cleaned here, row by row, for their messages. Each batch of those costs three
queries whatever its size: the tenancies it names, their latest balances, and one upsert.
Each tenancy's current balance (`CurrentRentBalance`) follows in the same statement, by
PostgreSQL's triggers; on SQLite by one more upsert a batch (`keep_current`).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from imports import bulk, sql_checks
from imports.cells import a_date, tenancy_ref
from imports.frame import Column, CsvImport, Invalid, shown
from tenants.models import Tenant

from .import_checks import RentBalanceChecks, pair_key
from .models import CurrentRentBalance, RentBalance
from .money import NotAnAmount, parse_pounds


def keep_current(balances):
    """Where PostgreSQL's triggers do not (SQLite, `make run`, whose demo writes balances only
    through this import): the current balances of the tenants of `balances`, just written, in
    one upsert, a balance older than the one held never replacing it (`CurrentRentBalance`)."""
    latest = {}
    for balance in balances:
        held = latest.get(balance.tenant_id)
        if held is None or balance.as_at > held.as_at:
            latest[balance.tenant_id] = balance
    table = CurrentRentBalance._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(latest))
    params = []
    for balance in latest.values():
        rent = balance.weekly_rent
        params += [balance.tenant_id, str(balance.balance), balance.as_at.isoformat()]
        params.append(None if rent is None else str(rent))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, balance, as_at, weekly_rent) VALUES {values} "  # noqa: S608
            "ON CONFLICT (tenant_id) DO UPDATE SET balance = excluded.balance, "
            "as_at = excluded.as_at, weekly_rent = excluded.weekly_rent "
            f"WHERE excluded.as_at >= {table}.as_at",
            params,
        )


def pounds(value):
    try:
        return parse_pounds(value)
    except NotAnAmount as error:
        raise Invalid(str(error)) from None


def weekly_rent(value):
    amount = pounds(value)
    if amount < 0:
        raise Invalid("is negative")
    if amount >= Decimal("1000000"):
        raise Invalid("is too large")
    return amount


def not_in_the_future(value):
    day = a_date(value)
    if day > timezone.localdate():
        raise Invalid("is in the future")
    return day


BALANCE_COLUMNS = (
    Column("tenancy_ref", tenancy_ref, required=True),
    Column("balance", pounds, required=True),
    Column("as_at", not_in_the_future, required=True),
    Column("weekly_rent", weekly_rent, blank=None),
)


@dataclass(slots=True, frozen=True)
class _Held:
    as_at: object
    balance: Decimal
    weekly_rent: Decimal | None


class RentBalanceImport(CsvImport):
    """Adds each row as a balance of its tenancy, keeping every balance as history.

    A row older than the latest balance held before this run is ignored and reported, never
    written: re-importing an old file changes nothing. A row for the same day as the latest held
    corrects it. Several days for one tenancy in one file are all history; the same tenancy and
    day twice is an error on the later line, as a repeated key is in the tenant file.
    """

    columns = BALANCE_COLUMNS
    shown_counts = ("created", "updated", "unchanged", "ignored", "rejected")
    lock_name = "arrears.import_rent_balances"

    def __init__(self, *, on_notice=None, **kwargs):
        super().__init__(**kwargs)
        self.on_notice = on_notice

    def prepare(self):
        self.now = timezone.now()
        self.notices = []  # messages for the rows ignored, as many as `keep_rejections`
        self.tenant_ids = {}  # tenancy_ref -> tenant id, for refs seen so far
        # The latest balance each tenancy had before this run started, looked up once per
        # tenancy: rows this run writes must not make later rows of the same file look stale.
        self.held = {}
        self.lines = {}  # (tenancy_ref, as_at) -> the line it is first on
        self._held_notices = None  # (line, message) while SQL and Python both find some
        sql_checks.tune_transaction()  # before the first temporary table

    def bulk_reader(self):
        if connection.vendor != "postgresql":
            return None
        return bulk.RawRows(self, self._width)

    def python_key(self, cells):
        """An odd row's (tenancy_ref, as_at) as `arrears.import_checks` keys them, or None."""
        columns = dict(self._positions)
        ref_index, day_index = self.index_of["tenancy_ref"], self.index_of["as_at"]
        ref = bulk.python_key(columns[ref_index], cells[ref_index])
        day = bulk.python_key(Column("as_at", a_date), cells[day_index])
        return None if ref is None or day is None else pair_key(ref, day)

    def bulk_check(self, raw):
        self.checks = RentBalanceChecks(self, raw)
        self._held_notices = []
        return self.checks.check(), {}

    def bulk_stage(self, raw):
        counts, ignored = self.checks.stage(write=self.writing, now=self.now)
        self.report.counts.update(counts)
        notices, self._held_notices = self._held_notices, None
        for line, cell, held in ignored:
            notices.append((line, self._ignored(cell, held)))
        for line, message in sorted(notices, key=lambda notice: notice[0]):
            self._tell_notice(line, message)
        return []

    def check_row(self, row):
        pair = (row.values["tenancy_ref"], row.values["as_at"])
        first = self.lines.setdefault(pair, row.line)
        if first != row.line:
            return [
                f'tenancy_ref "{shown(row.raw["tenancy_ref"])}" with as_at '
                f'"{row.raw["as_at"]}" is already on line {first}'
            ]
        return []

    def check_batch(self, rows):
        refs = {row.values["tenancy_ref"] for row in rows} - self.tenant_ids.keys()
        if refs:
            self.tenant_ids.update(
                Tenant.objects.filter(tenancy_ref__in=refs).values_list("tenancy_ref", "pk")
            )
        kept = []
        for row in rows:
            if row.values["tenancy_ref"] in self.tenant_ids:
                kept.append(row)
            else:
                ref = shown(row.raw["tenancy_ref"])
                self.reject(row, [f'tenancy_ref "{ref}" is not a tenancy the register holds'])
        self._load_held({self.tenant_ids[row.values["tenancy_ref"]] for row in kept})
        return kept

    def _load_held(self, tenant_ids):
        new = tenant_ids - self.held.keys()
        if not new:
            return
        latest = RentBalance.objects.filter(tenant_id=OuterRef("tenant_id")).order_by("-as_at")
        found = RentBalance.objects.filter(
            tenant_id__in=new, as_at=Subquery(latest.values("as_at")[:1])
        ).values_list("tenant_id", "as_at", "balance", "weekly_rent")
        self.held.update(dict.fromkeys(new))
        for tenant_id, as_at, balance, rent in found:
            self.held[tenant_id] = _Held(as_at, balance, rent)

    def save_batch(self, rows, *, write):
        counts = self.report.counts
        keeps_rent = "weekly_rent" not in self.present
        balances = []
        for row in rows:
            values = row.values
            tenant_id = self.tenant_ids[values["tenancy_ref"]]
            held = self.held[tenant_id]
            rent = values.get("weekly_rent")
            if held is not None and values["as_at"] < held.as_at:
                counts["ignored"] += 1
                self._notice(row, self._ignored(row.raw["as_at"], held.as_at))
                continue
            if held is not None and values["as_at"] == held.as_at:
                if keeps_rent:
                    rent = held.weekly_rent
                if (values["balance"], rent) == (held.balance, held.weekly_rent):
                    counts["unchanged"] += 1
                    continue
                counts["updated"] += 1
            else:
                counts["created"] += 1
            balances.append(
                RentBalance(
                    tenant_id=tenant_id,
                    balance=values["balance"],
                    as_at=values["as_at"],
                    weekly_rent=rent,
                    imported_at=self.now,
                )
            )
        if write and balances:
            RentBalance.objects.bulk_create(
                balances,
                update_conflicts=True,
                unique_fields=["tenant", "as_at"],
                update_fields=["balance", "weekly_rent", "imported_at"],
            )
            if connection.vendor != "postgresql":
                keep_current(balances)

    @staticmethod
    def _ignored(cell, held):
        return f'as_at "{cell}" is older than the balance held (as at {held:%d/%m/%Y}): ignored'

    def _notice(self, row, problem):
        if self._held_notices is not None:
            # Told in line order with the rows SQL ignored (`bulk_stage`).
            self._held_notices.append((row.line, problem))
        else:
            self._tell_notice(row.line, problem)

    def _tell_notice(self, line, problem):
        message = f"line {line}: {problem}"
        if self.keep_rejections is None or len(self.notices) < self.keep_rejections:
            self.notices.append(message)
        if self.on_notice:
            self.on_notice(message)
