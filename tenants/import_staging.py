"""The tenant import's PostgreSQL path: checked rows are copied into a staging table, then
counted, compared with the register and saved in a few set-based statements.

Saving each batch through the ORM (building Tenant objects, a bulk upsert of every row, history
rows copied per batch) was three fifths of an import's time. Here a row costs one line of
`COPY`; at the end one query counts created, updated, unchanged and unassigned rows, one
`UPDATE ... FROM` changes only the rows that differ and one `INSERT ... SELECT` creates the new
ones, each writing its history rows from its own `RETURNING` in the same statement. The rules
stay in Python (tenants/importing.py): this module only moves rows that passed them.
"""

import itertools
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

from .models import Tenant, TenantImportRow

_names = itertools.count(1)
_OWN_HISTORY = ("history_date", "history_change_reason", "history_type", "history_user")
_HISTORY = {"history_id", *_OWN_HISTORY}
# Each staged row's digest is kept with the version (`xmin`) of its tenant's row as saved, so
# that the next run can pass the same row without checking it (`TenantImportRow`). Rows
# cleaned in Python have none: they are checked in full every time.
_VERSION = "xmin::text::bigint AS import_version"
_REMEMBER = (
    f"INSERT INTO {connection.ops.quote_name(TenantImportRow._meta.db_table)} "
    "(tenant_id, digest, version) "
)
_ON_CONFLICT = (
    "ON CONFLICT (tenant_id) DO UPDATE SET digest = EXCLUDED.digest, version = EXCLUDED.version"
)


def _quote(name):
    return connection.ops.quote_name(name)


# Columns not simply copied from the file: the key, the patch (a blank keeps the one held) and
# the email. An email an officer set in the app stands while the file sends the address it sent
# then (`Tenant.email_in_file`, as for a number added in the app); a file that sends another
# address wins, and the email is the file's own again. Set-based: one comparison in the join.
_OWN_RULES = {"tenancy_ref", "patch", "email"}
_EMAIL_KEPT = "t.email_in_file = s.email"
_EMAIL_DIFFERS = (
    "(CASE WHEN t.email_in_file IS NULL THEN s.email IS DISTINCT FROM t.email "
    "ELSE t.email_in_file IS DISTINCT FROM s.email END)"
)
_EMAIL_SET = (
    f"email = CASE WHEN {_EMAIL_KEPT} THEN t.email ELSE s.email END, "
    f"email_in_file = CASE WHEN {_EMAIL_KEPT} THEN t.email_in_file END"
)


class TenantStage:
    """A temporary table of the run's rows: its line and each column the run writes."""

    def __init__(self, importer):
        self.importer = importer
        fields = [Tenant._meta.get_field(name) for name in importer.plain]
        if importer.sets_scheme:
            fields.append(Tenant._meta.get_field("scheme"))
        if "support_provider" in importer.present:
            fields.append(Tenant._meta.get_field("support_provider"))
        fields.append(Tenant._meta.get_field("patch"))
        self.fields = fields
        self.names = [field.attname for field in fields]
        self.table = f"import_tenant_stage_{next(_names)}"
        definitions = ", ".join(
            f"{_quote(field.column)} {field.db_type(connection)}" for field in fields
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} "
                f"(line integer, digest uuid, {definitions}) ON COMMIT DROP"
            )
        self.columns = ", ".join(_quote(field.column) for field in fields)
        plain = [field.column for field in fields if field.name not in _OWN_RULES]
        differs = [f"s.{_quote(name)} IS DISTINCT FROM t.{_quote(name)}" for name in plain]
        differs.append("COALESCE(s.patch_id, t.patch_id) IS DISTINCT FROM t.patch_id")
        self.assignments = [f"{_quote(name)} = s.{_quote(name)}" for name in plain]
        if "email" in importer.plain:
            differs.append(_EMAIL_DIFFERS)
            self.assignments.append(_EMAIL_SET)
        self.differs = " OR ".join(differs)

    def add(self, rows):
        """Copy rows in: each a list of the line, then values in `names` order."""
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {self.table} (line, {self.columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def count(self):
        """created, updated, unchanged and unassigned, as the run would leave them."""
        tenants = _quote(Tenant._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT FROM {tenants})")  # noqa: S608
            if not cursor.fetchone()[0]:
                # An empty register (a first import): every row is new, nothing to join.
                cursor.execute(
                    "SELECT count(*), count(*) FILTER (WHERE patch_id IS NULL) "  # noqa: S608
                    f"FROM {self.table}"
                )
                total, unassigned = cursor.fetchone()
                return {"created": total, "updated": 0, "unchanged": 0, "unassigned": unassigned}
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE t.id IS NULL), "  # noqa: S608
                f"count(*) FILTER (WHERE t.id IS NOT NULL AND ({self.differs})), "
                "count(*) FILTER (WHERE COALESCE(s.patch_id, t.patch_id) IS NULL) "
                f"FROM {self.table} s LEFT JOIN {tenants} t ON t.tenancy_ref = s.tenancy_ref"
            )
            total, created, updated, unassigned = cursor.fetchone()
        return {
            "created": created,
            "updated": updated,
            "unchanged": total - created - updated,
            "unassigned": unassigned,
        }

    def save(self, *, now, reason, user_id, creates=True, updates=True, unchanged=True):
        """Update the tenants that differ, create the new ones, each with its history row and
        its row's digest (`TenantImportRow`, with the version of the tenant's row as saved).
        `creates`, `updates` and `unchanged` say (from `count`) whether there are any: a
        statement with nothing to do is not run (each joins every staged row with the
        register)."""
        tenants = _quote(Tenant._meta.db_table)
        copied, into_history = _into_history()
        assignments = ", ".join(self.assignments)
        given = {field.column for field in self.fields}
        defaults = [
            field
            for field in Tenant._meta.concrete_fields
            if not field.primary_key
            and field.column not in given
            and field.name not in {"created_at", "updated_at"}
        ]
        with connection.cursor() as cursor:
            # Table and column names come from the models, never from the file.
            if updates:
                cursor.execute(
                    f"WITH changed AS (UPDATE {tenants} t SET {assignments}, "  # noqa: S608
                    "patch_id = COALESCE(s.patch_id, t.patch_id), updated_at = %s "
                    f"FROM {self.table} s WHERE t.tenancy_ref = s.tenancy_ref "
                    f"AND ({self.differs}) RETURNING t.*, t.{_VERSION}, "
                    "s.digest AS import_digest), "
                    f"history AS ({into_history}"
                    f"SELECT {copied}, %s, %s, '~', %s FROM changed) {_REMEMBER}"
                    "SELECT id, import_digest, import_version FROM changed "
                    f"WHERE import_digest IS NOT NULL {_ON_CONFLICT}",
                    [now, now, reason, user_id],
                )
            if creates:
                models = [Tenant, Tenant.history.model, TenantImportRow]
                with _indexes_built_after(cursor, models) as emptied:
                    self._create(
                        cursor, into_history, defaults, now, reason, user_id, Tenant in emptied
                    )
            if unchanged:
                self._remember(cursor)

    def _create(self, cursor, into_history, defaults, now, reason, user_id, every_row_new):
        """Create the staged tenants the register does not hold, each with its history row and
        its row's digest, their ids in line order.

        Each new row gets its id first, so that the tenants, their history rows and their
        digests are each one plain `INSERT ... SELECT` of the staged rows. Reading the created
        rows back (`RETURNING *` into the history, joined with the staged rows again for the
        digests) held a million rows on disk and sorted them twice: half the statement's 14.7 s
        at 1,000,000 rows. Every row one statement inserts has the same version (`xmin`), read
        once after it."""
        tenants = _quote(Tenant._meta.db_table)
        if every_row_new:
            # Into an empty register (locked by `_indexes_built_after`: no one else inserts a
            # tenant until this run commits) every staged row is new, and its id is its line
            # plus one offset (`_reserve_lines`). Numbering rows one by one into a copy of the
            # staged rows, sorted by line, took 2.5 s at 1,000,000. Its history row's id the
            # same way: a nextval() for each row read the sequence's page a million times (0.3
            # s). No one else takes one meanwhile: a history row is written with a tenant's.
            offset, first = self._reserve_lines(cursor, Tenant)
            if offset is None:
                return  # nothing new
            source, ident = self.table, f"n.line::bigint + {int(offset)}"
            first_id = int(offset) + first
            history_offset, _first = self._reserve_lines(cursor, Tenant.history.model)
            history_ident = f"n.line + {int(history_offset)}"
        else:
            # Numbered from the sequence into `{table}_new`, in line order. The sequence's name
            # is looked up first: in the statement, the lookup ran per row.
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)", [tenants, Tenant._meta.pk.column]
            )
            sequence = cursor.fetchone()[0]
            source = f"{self.table}_new"
            cursor.execute(
                f"CREATE TEMPORARY TABLE {source} ON COMMIT DROP AS "  # noqa: S608
                "SELECT nextval(%s::regclass) AS id, s.* FROM "
                f"(SELECT * FROM {self.table} s WHERE NOT EXISTS "
                f"(SELECT FROM {tenants} t WHERE t.tenancy_ref = s.tenancy_ref) ORDER BY s.line) s",
                [sequence],
            )
            ident, history_ident = "n.id", None
        given = {field.column for field in self.fields}
        params, values = {"now": now}, {}
        for field in defaults:
            params[field.column] = field.get_db_prep_save(field.get_default(), connection)
        for field in Tenant._meta.concrete_fields:
            if field.primary_key:
                values[field.column] = ident
            elif field.column in given:
                values[field.column] = f"n.{_quote(field.column)}"
            elif field.name in {"created_at", "updated_at"}:
                values[field.column] = "%(now)s"
            else:
                values[field.column] = f"%({field.column})s"
        cursor.execute(
            f"INSERT INTO {tenants} ({', '.join(map(_quote, values))}) "  # noqa: S608
            f"SELECT {', '.join(values.values())} FROM {source} n",
            params,
        )
        if not every_row_new:
            cursor.execute(f"SELECT min(id) FROM {source}")  # noqa: S608
            first_id = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT t.xmin::text::bigint FROM {tenants} t WHERE t.id = %s",  # noqa: S608
            [first_id],
        )
        if (version := cursor.fetchone()) is None:
            return  # nothing new
        history = Tenant.history.model._meta.concrete_fields
        copied = [values[f.column] for f in history if f.name not in _HISTORY]
        own = ""
        if history_ident is not None:
            into_history, own = _into_history(with_id=True)[1], f"{history_ident}, "
        cursor.execute(
            f"{into_history}SELECT {own}{', '.join(copied)}, %(now)s, %(reason)s, '+', %(user)s "  # noqa: S608
            f"FROM {source} n",
            {**params, "reason": reason, "user": user_id},
        )
        # The ids are new: a digest row can only be in their way after the sequence was set
        # back (a restored database), and then it is stale.
        rows_table = _quote(TenantImportRow._meta.db_table)
        cursor.execute(
            f"DELETE FROM {rows_table} WHERE tenant_id >= %s",  # noqa: S608
            [first_id],
        )
        cursor.execute(
            f"{_REMEMBER}SELECT {ident}, n.digest, %s FROM {source} n "  # noqa: S608
            "WHERE n.digest IS NOT NULL",
            [version[0]],
        )

    def _reserve_lines(self, cursor, model):
        """(offset, first line): the offset that makes each staged line an id of `model`'s,
        its sequence moved past the whole range of lines at once (a line with no row leaves an
        unused id, as a rolled-back insert does); (None, None) with no staged rows."""
        meta = model._meta
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        cursor.execute(
            "SELECT setval(%(seq)s::regclass, nextval(%(seq)s::regclass) + max(line) "  # noqa: S608
            f"- min(line)) - max(line), min(line) FROM {self.table}",
            {"seq": cursor.fetchone()[0]},
        )
        return cursor.fetchone()

    def _remember(self, cursor):
        """The digests of the rows that changed nothing, with their tenant's row's version."""
        tenants = _quote(Tenant._meta.db_table)
        cursor.execute(
            f"{_REMEMBER}SELECT t.id, s.digest, t.{_VERSION} FROM {self.table} s "  # noqa: S608
            f"JOIN {tenants} t ON t.tenancy_ref = s.tenancy_ref WHERE s.digest IS NOT NULL "
            f"AND NOT ({self.differs}) {_ON_CONFLICT}"
        )

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


def _into_history(with_id=False):
    """The history columns copied from the tenant's, and `INSERT INTO history (...) ` of them
    and the history's own (its id first, `with_id`)."""
    history = Tenant.history.model._meta
    copied = ", ".join(_quote(f.column) for f in history.concrete_fields if f.name not in _HISTORY)
    own = ", ".join(_quote(history.get_field(name).column) for name in _OWN_HISTORY)
    ident = f"{_quote(history.pk.column)}, " if with_id else ""
    return copied, f"INSERT INTO {_quote(history.db_table)} ({ident}{copied}, {own}) "


@contextmanager
def _indexes_built_after(cursor, models):
    """Yields the models whose tables were empty. Into an empty table (the first import), rows
    go in before its indexes, which are then built in one pass each: a tenth of the time of
    updating sixteen indexes row by row. The indexes are dropped and made again inside the
    import's transaction, so a failed run keeps them, and the table is locked until it commits
    (it had no rows to read). A primary key that foreign keys point to (the tenant's) stays.

    The tenant table's foreign keys (patch, scheme, support provider) are dropped with them and
    added again after the rows: adding one checks every row in one join, where a deferred
    check runs a query for each row at commit (1,000,000 rows: 38.7 s of checks). The same
    constraints, the same all-or-nothing: a row pointing nowhere fails the ADD, and the run
    rolls back. Dropping a foreign key locks the table it points to until the import commits
    (patches, schemes, providers: a first import, onto an empty register); the history's key
    to users is kept, since locking the users table would stop every sign-in (its values are
    NULL or one user: cheap checks).
    """
    rebuilt, keys, emptied = [], [], set()
    # Checks already deferred are run first: ALTER TABLE refuses a table with pending ones.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for model in models:
        table = model._meta.db_table
        cursor.execute(f"SELECT EXISTS (SELECT FROM {_quote(table)})")  # noqa: S608
        if cursor.fetchone()[0]:
            continue
        emptied.add(model)
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            rebuilt.append(definition)
        # Unique constraints no foreign key points to (tenancy_ref; the history's and the
        # digests' primary keys) are added again after the rows too: checked in one pass.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint c "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') AND NOT EXISTS "
            "(SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
            keys.append((table, name, definition))
        if model is Tenant:
            keys += _drop_foreign_keys(cursor, table)
    yield emptied
    if rebuilt or keys:
        # CREATE INDEX waits for no deferred foreign-key check: they are run now, not at commit
        # (the same checks, the same all-or-nothing), then deferred again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}"
            )
        for definition in rebuilt:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _drop_foreign_keys(cursor, table):
    """Drop `table`'s foreign keys: [(table, name, definition)] to add them again with. If a table
    they point to cannot be locked within two seconds (someone is reading it), none is dropped:
    the keys stay and are checked row by row, as before (waiting longer would hold up every
    reader queued behind the lock)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    keys = [(table, name, definition) for name, definition in cursor.fetchall()]
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            for _table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError:
        return []
    return keys
