"""A campaign list's rules and matching in SQL, for the rows `imports.bulk` copied in.

The statements below find the rows that pass every rule (`welfare.campaign_import`): a
tenancy_ref of the right form, names of at most 100 characters, a real date of birth, a UK
postcode (checked by the Python cleaner once for each distinct cell), a tenancy_ref or else
last_name, date_of_birth and postcode, no tenancy_ref on two rows, and exactly one tenant
matched: by the reference uppercased, exactly as the register holds it, or by date of birth,
postcode and last name (and first name if given), names compared casefolded. PostgreSQL's
`lower` is Python's `casefold` only for ASCII, so a name with any other character, in the file
or in the register, is casefolded in Python, once for each distinct name. Every row SQL does
not pass goes back to the frame's Python cleaning and matching, which writes its messages. The
rows SQL passes are counted (added, already on the list) and added in one statement.
"""

from imports.cells import uk_postcode
from imports.sql_checks import (
    SqlChecks,
    ascii_case,
    ascii_sql,
    checked_cells,
    date_parts_sql,
    real_day_sql,
    tenancy_ref_sql,
)
from tenants.models import Tenant

from .campaign_models import CampaignMember


class CampaignListChecks(SqlChecks):
    """The SQL side of one campaign-list import run (`CampaignListImport.bulk_check` and
    `bulk_stage`)."""

    def _cell(self, name):
        return self.raw.cell(name) if name in self.importer.present else "''"

    def _fold(self, cell):
        """SQL for a name casefolded as Python casefolds it (`{table}_folded` holds the names
        that are not ASCII)."""
        return (
            f"CASE WHEN {ascii_sql(cell)} THEN {ascii_case('lower', cell)} ELSE (SELECT f.folded "  # noqa: S608
            f"FROM {self.table}_folded f WHERE f.name = {cell}) END"
        )

    def check(self):
        """Match every row that is not odd to a tenant in `self.table`: the lines Python must
        see, and the duplicated references."""
        raw, t = self.raw, self.table
        duplicates = self.duplicates()
        self._lookup(
            f"{t}_postcodes",
            [("cell", "text"), ("postcode", "text")],
            checked_cells(uk_postcode, self._values("postcode")),
        )
        born = self._cell("date_of_birth")
        # Each row's cells, and whether each is of its column's form and the row names a tenant.
        self._execute(
            f"CREATE TEMPORARY TABLE {t}_rows ON COMMIT DROP AS "  # noqa: S608
            "SELECT s.line, s.ref, s.first_name, s.last_name, s.born, pc.postcode, "
            f"(s.ref = '' OR {tenancy_ref_sql('s.ref')}) AND char_length(s.first_name) <= 100 "
            "AND char_length(s.last_name) <= 100 AND (s.born_cell = '' OR s.born IS NOT NULL) "
            "AND (s.postcode_cell = '' OR pc.postcode IS NOT NULL) AND (s.ref <> '' OR "
            "(s.last_name <> '' AND s.born_cell <> '' AND s.postcode_cell <> '')) "
            "AND NOT s.line = ANY(%(duplicated)s) AS formed "
            "FROM (SELECT line, ref, first_name, last_name, born_cell, postcode_cell, "
            f"{real_day_sql('parts')} AS born FROM (SELECT line, "
            f"{self._cell('tenancy_ref')} AS ref, {self._cell('first_name')} AS first_name, "
            f"{self._cell('last_name')} AS last_name, {born} AS born_cell, "
            f"{self._cell('postcode')} AS postcode_cell, {date_parts_sql(born)} AS parts "
            f"FROM {raw.table} WHERE NOT odd AND NOT original OFFSET 0) r) s "
            f"LEFT JOIN {t}_postcodes pc ON pc.cell = s.postcode_cell",
            {"duplicated": [line for lines in duplicates.values() for line in lines]},
        )
        self._execute(f"ANALYZE {t}_rows")
        # The tenants a row without a reference may name: born that day at that postcode.
        self._execute(
            f"CREATE TEMPORARY TABLE {t}_people ON COMMIT DROP AS "  # noqa: S608
            "SELECT p.id, p.first_name, p.last_name, p.date_of_birth AS born, p.postcode "
            f"FROM {Tenant._meta.db_table} p WHERE (p.date_of_birth, p.postcode) IN "
            f"(SELECT born, postcode FROM {t}_rows WHERE formed AND ref = '')"
        )
        names = self._execute(
            "SELECT DISTINCT name FROM ("  # noqa: S608
            f"SELECT first_name FROM {t}_rows WHERE formed AND ref = '' UNION ALL "
            f"SELECT last_name FROM {t}_rows WHERE formed AND ref = '' UNION ALL "
            f"SELECT first_name FROM {t}_people UNION ALL SELECT last_name FROM {t}_people"
            f") n (name) WHERE NOT {ascii_sql('name')}"
        )
        self._lookup(
            f"{t}_folded",
            [("name", "text"), ("folded", "text")],
            ((name, name.casefold()) for (name,) in names),
        )
        self._execute(
            f"CREATE TEMPORARY TABLE {t} ON COMMIT DROP AS "  # noqa: S608
            "WITH named AS MATERIALIZED (SELECT line, born, postcode, "
            f"{self._fold('last_name')} AS last_key, CASE WHEN first_name = '' THEN NULL "
            f"ELSE {self._fold('first_name')} END AS first_key "
            f"FROM {t}_rows WHERE formed AND ref = ''), "
            "people AS MATERIALIZED (SELECT id, born, postcode, "
            f"{self._fold('last_name')} AS last_key, {self._fold('first_name')} AS first_key "
            f"FROM {t}_people), "
            "found AS (SELECT n.line, count(*) AS matches, min(p.id) AS id FROM named n "
            "JOIN people p ON p.born = n.born AND p.postcode = n.postcode "
            "AND p.last_key = n.last_key AND (n.first_key IS NULL OR p.first_key = n.first_key) "
            "GROUP BY n.line) "
            "SELECT r.line, COALESCE(tr.id, f.id) AS tenant_id, COALESCE(r.formed AND CASE "
            "WHEN r.ref <> '' THEN tr.id IS NOT NULL ELSE f.matches = 1 END, false) AS ok "
            f"FROM {t}_rows r LEFT JOIN {Tenant._meta.db_table} tr "
            "ON r.formed AND r.ref <> '' AND tr.tenancy_ref = upper(r.ref) "
            "LEFT JOIN found f ON f.line = r.line"
        )
        rows = self._execute(f"SELECT line FROM {t} WHERE NOT ok")  # noqa: S608
        return [line for (line,) in rows], duplicates

    def stage(self, *, campaign, listed, write, now):
        """Count the rows SQL passed, added or already on the list (on it before the run, or
        named by an earlier row: by SQL, or in `listed`, the tenants the Python cleaning
        counted), and add the new ones if `write`, in the order of their first lines."""
        members = CampaignMember._meta.db_table
        # Its row count, so that the list held is read once (a hash join), not looked up per row.
        self._execute(f"ANALYZE {self.table}")
        ((added, already),) = self._execute(
            f"WITH ok AS (SELECT tenant_id, count(*) AS rows, min(line) AS line FROM {self.table} "  # noqa: S608
            "WHERE ok GROUP BY tenant_id), "
            "new AS MATERIALIZED (SELECT tenant_id, line FROM ok "
            "WHERE NOT tenant_id = ANY(%(listed)s) AND NOT EXISTS (SELECT FROM "
            f"{members} m WHERE m.campaign_id = %(campaign)s AND m.tenant_id = ok.tenant_id)), "
            f"w AS (INSERT INTO {members} (campaign_id, tenant_id, added_at) "
            "SELECT %(campaign)s, tenant_id, %(now)s FROM new WHERE %(write)s ORDER BY line "
            "ON CONFLICT DO NOTHING) "
            "SELECT (SELECT count(*) FROM new), "
            "(SELECT COALESCE(sum(rows), 0)::integer - (SELECT count(*) FROM new) FROM ok)",
            {"listed": list(listed), "campaign": campaign.pk, "write": write, "now": now},
        )
        return added, already
