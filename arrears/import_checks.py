"""The rent-balance file's rules in SQL, for the rows `imports.bulk` copied in.

One statement cleans every row and finds the ones that pass every rule (rent-balances.md): the
tenancy_ref's form, amounts in pounds and pence, a real day not in the future, a weekly rent
from 0 to under 1,000,000, a tenancy the register holds, and no (tenancy_ref, as_at) on two rows.
It also keeps, for each row, the latest balance its tenancy held before the run, so that rows
the Python cleaning writes in the meantime never make a later row look stale. SQL is written to
pass only rows the Python cleaners pass; anything else goes back to the frame's Python cleaning,
which passes it or writes its messages. Every row of a (tenancy_ref, as_at) found on two rows
goes back, so the Python cleaning names the same first line as before. The rows SQL passes are
counted (created, updated, unchanged, ignored) and upserted in one statement.
"""

from imports.cells import run_today
from imports.sql_checks import SqlChecks, date_parts_sql, real_day_sql, tenancy_ref_sql
from tenants.models import Tenant

from .models import RentBalance

_DIGITS = "0123456789"
# What may come before the digits of an amount: a sign before or after the pound sign, never
# both (`arrears.money.parse_pounds`).
_PREFIXES = ("", "-", "−", "£", "-£", "−£", "£-", "£−")
LARGEST = "9999999999.99"  # arrears.money.LARGEST


def _pounds(cell):
    """SQL for the amount a stripped cell holds as `parse_pounds` reads it, else NULL.

    Regular expressions cost microseconds a cell in PostgreSQL: the form is checked with
    `ltrim` and `translate`, and only a cell with commas is matched against thousands groups.
    """
    body = f"ltrim({cell}, '-−£')"
    prefix = f"left({cell}, char_length({cell}) - char_length({body}))"
    whole, pence = f"split_part({body}, '.', 1)", f"split_part({body}, '.', 2)"
    prefixes = ", ".join(f"'{value}'" for value in _PREFIXES)
    sign = f"CASE WHEN {prefix} IN ('', '£') THEN 1 ELSE -1 END"
    return (
        f"CASE WHEN {prefix} IN ({prefixes}) "
        f"AND translate({body}, '{_DIGITS},', '') IN ('', '.') "
        f"AND translate({body}, ',.', '') <> '' "
        f"AND char_length({pence}) <= 2 AND strpos({pence}, ',') = 0 "
        f"AND CASE WHEN strpos({whole}, ',') > 0 "
        f"THEN {whole} ~ '^[0-9]{{1,3}}(,[0-9]{{3}})+$' ELSE true END "
        f"AND ('0' || replace({whole}, ',', '') || '.' || {pence} || '0')::numeric <= {LARGEST} "
        f"THEN {sign} * ('0' || replace({whole}, ',', '') || '.' || {pence} || '0')::numeric END"
    )


def pair_key(ref, day):
    """A (tenancy_ref, as_at) as the SQL below writes it: for odd rows' keys."""
    return f"{ref}|{day.isoformat()}"


class RentBalanceChecks(SqlChecks):
    """The SQL side of one rent-balance import run (`RentBalanceImport.bulk_check` and
    `bulk_stage`)."""

    def check(self):
        """Clean every row that is not odd into `self.table`, with its tenancy and the balance
        it held: the lines Python must see."""
        raw, present = self.raw, self.importer.present
        rent = raw.cell("weekly_rent") if "weekly_rent" in present else "''"
        balances, tenants = RentBalance._meta.db_table, Tenant._meta.db_table
        self._execute(
            f"CREATE TEMPORARY TABLE {self.table} ON COMMIT DROP AS "  # noqa: S608
            f"WITH s AS MATERIALIZED (SELECT line, ref, as_at_cell, rent_cell, "
            f"{_pounds('balance_cell')} AS balance, {real_day_sql('parts')} AS as_at, "
            f"{_pounds('rent_cell')} AS rent, "
            f"{tenancy_ref_sql('ref')} AS ref_ok "
            f"FROM (SELECT line, {raw.cell('tenancy_ref')} AS ref, "
            f"{raw.cell('balance')} AS balance_cell, {raw.cell('as_at')} AS as_at_cell, "
            f"{rent} AS rent_cell, {date_parts_sql(raw.cell('as_at'))} AS parts "
            f"FROM {raw.table} WHERE NOT odd AND NOT original OFFSET 0) r), "
            f"keyed AS (SELECT key AS k FROM {raw.table} WHERE odd AND key IS NOT NULL "
            "UNION ALL SELECT ref || '|' || to_char(as_at, 'YYYY-MM-DD') FROM s "
            "WHERE ref_ok AND as_at IS NOT NULL), "
            "twice AS (SELECT k FROM keyed GROUP BY k HAVING count(*) > 1) "
            "SELECT s.line, s.as_at_cell, s.balance, s.as_at, s.rent, t.id AS tenant_id, "
            "h.as_at AS held_as_at, h.balance AS held_balance, h.weekly_rent AS held_rent, "
            "COALESCE(s.ref_ok AND s.balance IS NOT NULL AND s.as_at <= %(today)s "
            "AND (s.rent_cell = '' OR (s.rent >= 0 AND s.rent < 1000000)) "
            "AND t.id IS NOT NULL AND tw.k IS NULL, false) AS ok "
            f"FROM s LEFT JOIN {tenants} t ON s.ref_ok AND t.tenancy_ref = s.ref "
            "LEFT JOIN twice tw ON s.ref_ok AND s.as_at IS NOT NULL "
            "AND tw.k = s.ref || '|' || to_char(s.as_at, 'YYYY-MM-DD') "
            f"LEFT JOIN LATERAL (SELECT b.as_at, b.balance, b.weekly_rent FROM {balances} b "
            "WHERE b.tenant_id = t.id ORDER BY b.as_at DESC LIMIT 1) h ON true",
            {"today": run_today()},
        )
        rows = self._execute(f"SELECT line FROM {self.table} WHERE NOT ok")  # noqa: S608
        return [line for (line,) in rows]

    def stage(self, *, write, now):
        """Count the rows SQL passed by what they do to the balances held, and upsert the new
        and changed ones if `write`: returns the counts and the ignored rows' (line, as_at
        cell, the day held), in line order."""
        keeps_rent = "weekly_rent" not in self.importer.present
        rent = "CASE WHEN c.held_as_at = c.as_at THEN c.held_rent END" if keeps_rent else "c.rent"
        table = RentBalance._meta.db_table
        rows = self._execute(
            f"WITH d AS MATERIALIZED (SELECT c.line, c.as_at_cell, c.tenant_id, c.balance, "  # noqa: S608
            f"c.as_at, c.held_as_at, {rent} AS rent, CASE "
            "WHEN c.as_at < c.held_as_at THEN 'ignored' "
            f"WHEN c.as_at = c.held_as_at THEN CASE WHEN c.balance = c.held_balance "
            f"AND ({rent}) IS NOT DISTINCT FROM c.held_rent THEN 'unchanged' ELSE 'updated' END "
            f"ELSE 'created' END AS outcome FROM {self.table} c WHERE c.ok), "
            f"w AS (INSERT INTO {table} (tenant_id, balance, as_at, weekly_rent, imported_at) "
            "SELECT tenant_id, balance, as_at, rent, %(now)s FROM d "
            "WHERE %(write)s AND outcome IN ('created', 'updated') "
            "ON CONFLICT (tenant_id, as_at) DO UPDATE SET balance = EXCLUDED.balance, "
            "weekly_rent = EXCLUDED.weekly_rent, imported_at = EXCLUDED.imported_at) "
            "SELECT outcome, count(*), NULL::integer, NULL, NULL::date FROM d "
            "WHERE outcome <> 'ignored' GROUP BY outcome UNION ALL "
            "SELECT 'notice', 0, line, as_at_cell, held_as_at FROM d WHERE outcome = 'ignored' "
            "ORDER BY 3 NULLS FIRST",
            {"write": write, "now": now},
        )
        counts, ignored = {}, []
        for outcome, count, line, cell, held in rows:
            if outcome == "notice":
                ignored.append((line, cell, held))
            else:
                counts[outcome] = count
        counts["ignored"] = len(ignored)
        return counts, ignored
