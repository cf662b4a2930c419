"""The SQL side of the imports whose rules run in SQL (`imports.bulk` reads their rows in):
the transaction's settings, pieces of SQL every import's checks use, and `SqlChecks`, the
checks of one run. Each import's own rules are in its app (`tenants.import_checks`,
`arrears.import_checks`, `welfare.campaign_import_checks`).
"""

from contextlib import suppress

from django.db import connection

from .cells import Invalid

# Memory PostgreSQL may use for the import's sorts, hashes and temporary tables. With the
# defaults (work_mem 4 MB, temp_buffers 8 MB), at 1,000,000 rows the checking statement read
# every page of the raw rows from outside PostgreSQL's buffers (EXPLAIN: local read=19525), and
# sorts and hashes over 4 MB (the duplicate-key count, the insert's order by line) use files.
WORK_MEM = "256MB"
TEMP_BUFFERS = "256MB"


def tune_transaction():
    """Settings for the rest of an import's transaction (`SET LOCAL`: they end with it), set
    before its first temporary table (`TenantImport.prepare`).

    - `work_mem`: the import's statements sort and hash a million rows each, once.
    - `jit = off`: the checking statement is long, so PostgreSQL's JIT compiled it for seconds
      for a scan it runs once.
    - `temp_buffers` (the memory for temporary tables, where the rows are read and checked): it
      can only be set before the session's first temporary table, so it is set only then (the
      command line's own session; a worker's first import). Its memory is taken as used. A
      session whose temporary tables were all made in transactions rolled back (a dry run, a
      check before "confirm") has no temporary schema left but may no longer set it: that
      refusal is caught, and the session keeps the size it has.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        # One round trip: set_config(..., true) is SET LOCAL. The settings are constants.
        cursor.execute(
            f"DO $$ BEGIN PERFORM set_config('work_mem', '{WORK_MEM}', true), "
            "set_config('jit', 'off', true); IF pg_my_temp_schema() = 0 THEN "
            f"BEGIN PERFORM set_config('temp_buffers', '{TEMP_BUFFERS}', true); "
            "EXCEPTION WHEN invalid_parameter_value THEN NULL; END; END IF; END $$"
        )


def date_parts_sql(cell):
    """SQL for a cell's year, month and day as an array if it has the form `YYYY-MM-DD` or
    `DD/MM/YYYY`, else NULL: for the imports whose rules run in SQL, without regular
    expressions (each cost 2 µs a cell)."""
    rest = f"translate({cell}, '0123456789', '')"
    return (
        f"CASE WHEN {rest} = '--' AND length({cell}) = 10 AND substr({cell}, 5, 1) = '-' "
        f"AND substr({cell}, 8, 1) = '-' THEN ARRAY[substr({cell}, 1, 4)::int, "
        f"substr({cell}, 6, 2)::int, substr({cell}, 9, 2)::int] "
        f"WHEN {rest} = '//' AND length(split_part({cell}, '/', 1)) BETWEEN 1 AND 2 "
        f"AND length(split_part({cell}, '/', 2)) BETWEEN 1 AND 2 "
        f"AND length(split_part({cell}, '/', 3)) = 4 THEN ARRAY["
        f"split_part({cell}, '/', 3)::int, split_part({cell}, '/', 2)::int, "
        f"split_part({cell}, '/', 1)::int] END"
    )


def real_day_sql(parts):
    """SQL for the day the parts of `date_parts_sql` name if it is a real one (as Python's
    `date` takes it: years 1 to 9999), else NULL."""
    p = parts
    return (
        f"CASE WHEN {p}[1] BETWEEN 1 AND 9999 AND {p}[2] BETWEEN 1 AND 12 AND {p}[3] >= 1 "
        f"AND {p}[3] <= CASE WHEN {p}[2] = 2 THEN CASE WHEN (mod({p}[1], 4) = 0 "
        f"AND mod({p}[1], 100) <> 0) OR mod({p}[1], 400) = 0 THEN 29 ELSE 28 END "
        f"WHEN {p}[2] IN (4, 6, 9, 11) THEN 30 ELSE 31 END "
        f"THEN make_date({p}[1], {p}[2], {p}[3]) END"
    )


def ascii_sql(cell):
    """SQL: whether a cell holds only ASCII characters (PostgreSQL and Python change the case
    of others differently)."""
    return f"octet_length({cell}) = char_length({cell})"


def not_ascii_sql(cell):
    return f"octet_length({cell}) <> char_length({cell})"


def ascii_case(function, cell):
    """SQL for `lower` or `upper` of a cell whose result counts only where the cell is ASCII
    (the caller checks that): under the "C" collation it is a loop over ASCII letters, under
    the database's locale a conversion to wide characters and back (70 ns a cell; the tenant
    import's checking statement calls it eight times a row). The result takes the database's
    collation again, so it compares with other columns as before."""
    return f'{function}({cell} COLLATE "C") COLLATE "default"'


# `imports.cells.tenancy_ref`'s form in SQL, and at most 20 characters (`tenancy_ref_sql`):
# PostgreSQL's regular expressions are slow on bounded repeats ({1,20} cost 3 µs a cell).
TENANCY_REF = "^[A-Za-z0-9/-]+$"


def tenancy_ref_sql(cell):
    """SQL: whether a stripped cell is a tenancy reference `imports.cells.tenancy_ref` passes."""
    return f"({cell} ~ '{TENANCY_REF}' AND char_length({cell}) <= 20)"


def checked_cells(clean, values):
    """(cell, cleaned) for each cell a Python cleaner passes: for a lookup table of the distinct
    cells of a column (postcodes), so that SQL reads them as the frame does."""
    for value in values:
        with suppress(Invalid):
            yield value, clean(value)


class SqlChecks:
    """The SQL side of one import run on the bulk path: its raw rows (`RawRows`), the table it
    writes them into checked (`self.table`), and the pieces every import's checks use."""

    def __init__(self, importer, raw):
        self.importer = importer
        self.raw = raw
        self.table = raw.table.replace("raw", "checked")
        self.rows = raw.table  # the rows to check: all, or (a re-import) those that changed

    def _execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def release(self):
        """Drop the raw and checked rows once the rows that passed are staged: at a million
        rows the temporary tables outgrow `temp_buffers`, and the saving statements' own
        temporary rows then go to disk."""
        tables = sorted({self.raw.table, self.table, self.rows})
        self._execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")

    def _values(self, column):
        """The distinct stripped non-blank cells of a column, in rows that are not odd."""
        if column not in self.importer.present:
            return []
        cell = self.raw.cell(column)
        rows = self._execute(
            f"SELECT DISTINCT {cell} FROM {self.rows} "  # noqa: S608
            f"WHERE NOT odd AND NOT original AND {cell} <> ''"
        )
        return [value for (value,) in rows]

    def _lookup(self, name, columns, rows):
        """A temporary table of (key, ...) rows worked out in Python."""
        definition = ", ".join(f"{column} {kind}" for column, kind in columns)
        self._execute(f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP")
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        self._execute(f"ANALYZE {name}")

    def duplicates(self, column="tenancy_ref"):
        """{key: [lines]} for tenancy references on more than one row, as the frame's first
        pass finds them (`CsvImport._find_duplicates`): the cell as `tenancy_ref` passes it,
        case and all; an odd row's key as Python worked it out. Every one of those rows is
        rejected: the import never picks one."""
        if column not in self.importer.present:
            return {}
        candidates = self.raw.keys.candidates  # noted while reading: see `KeysSeen`
        if not candidates:
            return {}
        cell = self.raw.cell(column)
        key = f"CASE WHEN odd THEN key WHEN {tenancy_ref_sql(cell)} THEN {cell} END"
        # A row's key is its stripped cell, or (an odd row) the one Python worked out.
        rows = self._execute(
            f"SELECT k, array_agg(line ORDER BY line) FROM (SELECT line, {key} AS k "  # noqa: S608
            f"FROM {self.raw.table} WHERE NOT original AND (odd OR {cell} = ANY(%(keys)s))) "
            "keyed WHERE k = ANY(%(keys)s) GROUP BY k HAVING count(*) > 1",
            {"keys": sorted(candidates)},
        )
        return dict(rows)
