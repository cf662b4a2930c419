"""The tenant file's rules in SQL, for the rows `imports.bulk` copied in.

One statement cleans every row and finds the ones that pass every rule (tenants.md): formats,
lengths, real and past dates, the patch, scheme and phone rules across a row, and no key on
two rows. Phone numbers and postcodes are checked by the Python cleaners (libphonenumber,
localflavor's rule) once for each distinct cell, phones spread over two processes when there
are many. SQL is written to pass only rows the Python cleaners pass; anything else (an unusual
but valid e-mail address, an invalid row) goes back to the frame's Python cleaning, which
passes it or writes its messages. The rows SQL passes go into the staging table
(`tenants.import_staging`) in one `INSERT ... SELECT`.
"""

from config.dates import years_before
from imports.cells import a_date, run_today, uk_postcode
from imports.sql_checks import (
    TENANCY_REF,
    SqlChecks,
    ascii_case,
    ascii_sql,
    checked_cells,
    not_ascii_sql,
)

from .import_phones import checked_phones
from .import_staging import _quote
from .importing import SCHEME_TYPES, _Scheme
from .models import Tenant, TenantImportRow

# PostgreSQL's regular expressions are slow on bounded repeats ({1,20} cost 3 µs a cell, and
# {0,61} inside a group 30 µs): lengths are checked with char_length instead.
_REF = TENANCY_REF  # and at most 20 characters
# A subset of what Django's validate_email passes: plain dot-atoms at an ASCII domain of
# letter-and-digit labels (hyphens inside), up to 64 characters in all (so no label is over 63).
_EMAIL = (
    "^[A-Za-z0-9_+-]+(\\.[A-Za-z0-9_+-]+)*@([A-Za-z0-9]+(-+[A-Za-z0-9]+)*\\.)+[A-Za-z][A-Za-z]+$"
)
_YES = ("y", "yes", "true", "1")
_NO = ("n", "no", "false", "0")
# A yes/no cell lowercased once, then compared (a CASE on one value): not once for each list.
_ANSWERS = " ".join(
    [
        *(f"WHEN '{value}' THEN true" for value in _YES),
        *(f"WHEN '{value}' THEN false" for value in _NO),
    ]
)


def _sql_list(values):
    return ", ".join(f"'{value}'" for value in values)


class TenantChecks(SqlChecks):
    """The SQL side of one tenant import run (`TenantImport.bulk_check` and `bulk_stage`)."""

    def __init__(self, importer, raw):
        super().__init__(importer, raw)
        self.present = importer.present
        self.setters = {}  # scheme key: (line, _Scheme) of the first row SQL passed naming it
        self.same_count, self.same_unassigned = 0, 0
        self.blank = set()  # columns present but blank in every row checked here

    def check(self):
        """Clean every row that is not odd into `self.table`: the lines Python must see, and
        the duplicated keys."""
        importer = self.importer
        duplicates = self.duplicates()
        duplicated = [line for lines in duplicates.values() for line in lines]
        self._lookup(
            f"{self.table}_patches", [("code", "text"), ("id", "integer")], importer.patches.items()
        )
        self._lookup(
            f"{self.table}_areas",
            [("outward", "text"), ("patch_id", "integer")],
            importer.areas.items(),
        )
        self._lookup(
            f"{self.table}_schemes",
            [("key", "text"), ("id", "integer"), ("type", "text")],
            ((key, s.id, s.type) for key, s in importer.schemes.items()),
        )
        self._find_same(duplicated)
        names = {*self._values("scheme_name"), *self._values("support_provider")}
        self._lookup(
            f"{self.table}_names",
            [("name", "text"), ("key", "text")],
            ((name, name.casefold()) for name in names),
        )
        self._lookup(
            f"{self.table}_postcodes",
            [("cell", "text"), ("postcode", "text")],
            checked_cells(uk_postcode, self._values("postcode")),
        )
        phones, phoned = set(), {}
        for name in ("phone", "mobile"):
            cells = self._values(name)
            phoned[name] = bool(cells)
            phones.update(cells)
        phones = list(phones)  # a real register's numbers are mostly distinct: one list held
        self._lookup(
            f"{self.table}_phones", [("cell", "text"), ("e164", "text")], checked_phones(phones)
        )
        del phones
        dated = {name: self._values(name) for name in sorted(_DATES & self.present)}
        # A phone or date column blank in every row is not looked up: each join cost 0.2 s a
        # million rows.
        self.blank = {name for name, cells in (phoned | dated).items() if not cells}
        # Dates are read once for each distinct cell, by the frame's own cleaner: parsing every
        # cell in SQL was 2.6 s of the checking statement's 6.7 at 1,000,000 rows.
        self._lookup(
            f"{self.table}_dates",
            [("cell", "text"), ("day", "date")],
            checked_cells(a_date, {cell for cells in dated.values() for cell in cells}),
        )
        self._execute(
            f"CREATE TEMPORARY TABLE {self.table} ON COMMIT DROP AS {self._select()}",  # noqa: S608
            {"duplicated": duplicated, **self._dates()},
        )
        if importer.sets_scheme:
            self._find_setters()
        rows = self._execute(f"SELECT line FROM {self.table} WHERE NOT ok")  # noqa: S608
        return [line for (line,) in rows], duplicates

    def _find_same(self, duplicated):
        """The rows identical to the ones each tenant was last checked against, for tenants
        whose row has not changed since (`TenantImportRow`): `{table}_same (line,
        unassigned)`. Their cells passed every rule that reads only the row, and the tenant
        holds what they said; what can change without the row is checked here again against
        what the tenant holds: the date of birth within 120 years of today, the patch code
        (or the area's patch, which must be none or the tenant's), the scheme (held, of the
        row's type) and the support provider. A row failing any of those, or on a duplicated
        key, is checked in full, with its messages: the others are copied into
        `{table}_rest`, which the checks then read instead of every row."""
        present, raw, t = self.present, self.raw, self.table
        rows_table = _quote(TenantImportRow._meta.db_table)
        if not self._execute(f"SELECT EXISTS (SELECT FROM {rows_table})")[0][0]:  # noqa: S608
            return
        # Its size and digests, for a plan of hash joins rather than a million lookups.
        self._execute(f"ANALYZE {raw.table} (line, digest)")
        importer = self.importer
        self._lookup(
            f"{t}_providers",
            [("key", "text"), ("id", "integer")],
            ((key, pk) for key, pk in importer.providers.items() if pk is not None),
        )
        cell = {name: f"r.{raw.cell(name)}" for name in present}
        joins = [f"LEFT JOIN {t}_areas a ON a.outward = split_part(t.postcode, ' ', 1)"]
        rules = [
            f"t.tenancy_ref = {cell['tenancy_ref']}",
            "t.date_of_birth BETWEEN %(earliest)s AND %(today)s",
            "NOT r.line = ANY(%(duplicated)s)",
        ]
        by_area = "(a.patch_id IS NULL OR a.patch_id = t.patch_id)"
        if "patch" in present:
            patch = cell["patch"]
            joins.append(
                f"LEFT JOIN {t}_patches pt ON {ascii_sql(patch)} "
                f"AND pt.code = {ascii_case('upper', patch)}"
            )
            rules.append(f"CASE WHEN {patch} = '' THEN {by_area} ELSE pt.id = t.patch_id END")
        else:
            rules.append(by_area)
        if importer.sets_scheme:
            kind = (
                f"CASE WHEN {cell['scheme_type']} = '' THEN 'general' "
                f"ELSE lower({cell['scheme_type']}) END"
                if "scheme_type" in present
                else "'general'"
            )
            name = cell.get("scheme_name", "''")
            joins.append(
                f"LEFT JOIN {t}_schemes sh ON {ascii_sql(name)} "
                f"AND sh.key = {ascii_case('lower', name)}"
            )
            rules.append(
                f"CASE WHEN {kind} = 'general' THEN t.scheme_id IS NULL "
                f"ELSE sh.id = t.scheme_id AND sh.type = {kind} END"
            )
        if "support_provider" in present:
            provider = cell["support_provider"]
            joins.append(
                f"LEFT JOIN {t}_providers pv ON {ascii_sql(provider)} "
                f"AND pv.key = {ascii_case('lower', provider)}"
            )
            rules.append(
                f"CASE WHEN {provider} = '' THEN t.support_provider_id IS NULL "
                "ELSE pv.id = t.support_provider_id END"
            )
        tenants = _quote(Tenant._meta.db_table)
        self._execute(
            f"CREATE TEMPORARY TABLE {t}_same ON COMMIT DROP AS "  # noqa: S608
            f"SELECT r.line, t.patch_id IS NULL AS unassigned FROM {raw.table} r "
            f"JOIN {rows_table} d ON d.digest = r.digest "
            f"JOIN {tenants} t ON t.id = d.tenant_id AND t.xmin::text::bigint = d.version "
            f"{' '.join(joins)} WHERE NOT r.odd AND NOT r.original AND "
            + " AND ".join(f"({rule})" for rule in rules),
            {"duplicated": duplicated, **self._dates()},
        )
        [(self.same_count, self.same_unassigned)] = self._execute(
            f"SELECT count(*), count(*) FILTER (WHERE unassigned) FROM {t}_same"  # noqa: S608
        )
        # The other rows, for the checks: each of them reads its rows once more.
        self.rows = f"{t}_rest"
        self._execute(
            f"CREATE TEMPORARY TABLE {self.rows} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT * FROM {raw.table} r WHERE NOT odd AND NOT original "
            f"AND NOT EXISTS (SELECT FROM {t}_same x WHERE x.line = r.line)"
        )

    def _dates(self):
        today = run_today()
        return {"today": today, "earliest": years_before(today, 120)}

    def _select(self):
        """Each row's cells stripped (s), cleaned (v: NULL where a cell breaks its form) and
        `ok` where it breaks no rule."""
        present, raw, t = self.present, self.raw, self.table
        names = sorted(present)
        cells = ", ".join(f"{raw.cell(name)} AS {name}" for name in names)
        columns = {name: _column(name) for name in names}
        for name in self.blank & present:
            blank = "''" if name in {"phone", "mobile"} else "NULL::date"
            columns[name] = (blank, columns[name][1])
        rules = [broken for _value, broken in columns.values()]
        phone_given = [f"RAW.{name} <> ''" for name in ("phone", "mobile") if name in present]
        if "no_phone" in present:
            phone_given.append("v.no_phone")
        rules += [f"NOT ({' OR '.join(phone_given)})", "v.line = ANY(%(duplicated)s)"]
        if {"self_isolating_from", "self_isolating_until"} <= present:
            rules.append("COALESCE(v.self_isolating_until < v.self_isolating_from, false)")
        joins = [
            f"LEFT JOIN {t}_phones p_{name} ON p_{name}.cell = s.{name}"
            for name in ("phone", "mobile")
            if name in present and name not in self.blank
        ]
        joins.append(f"LEFT JOIN {t}_postcodes pc ON pc.cell = s.postcode")
        joins += [
            f"LEFT JOIN {t}_dates d_{name} ON d_{name}.cell = s.{name}"
            for name in names
            if name in _DATES and name not in self.blank
        ]
        looked_up = [
            "NULL::integer AS pid",
            "NULL::text AS skey",
            "NULL::text AS pkey",
            "NULL::text AS held",
        ]
        if "patch" in present:
            rules.append("(RAW.patch <> '' AND v.pid IS NULL)")
            joins.append(
                f"LEFT JOIN {t}_patches pt ON {ascii_sql('s.patch')} "
                f"AND pt.code = {ascii_case('upper', 's.patch')}"
            )
            looked_up[0] = "pt.id AS pid"
        if "scheme_name" in present:
            joins.append(f"LEFT JOIN {t}_names sn ON sn.name = s.scheme_name")
            joins.append(f"LEFT JOIN {t}_schemes sh ON sh.key = sn.key")
            looked_up[1], looked_up[3] = "sn.key AS skey", "sh.type AS held"
        if "support_provider" in present:
            joins.append(f"LEFT JOIN {t}_names pn ON pn.name = s.support_provider")
            looked_up[2] = "pn.key AS pkey"
        kind = "v.scheme_type" if "scheme_type" in present else "'general'"
        scheme = "RAW.scheme_name" if "scheme_name" in present else "''"
        if self.importer.sets_scheme:
            rules.append(
                f"({kind} = 'general' AND {scheme} <> '') OR ({kind} <> 'general' AND "
                f"{scheme} = '') OR (v.held IS NOT NULL AND v.held <> {kind})"
            )
        values = ", ".join(
            f"{value.replace('RAW.', 's.')} AS {name}" for name, (value, _b) in columns.items()
        )
        kept = ", ".join(f"s.{name} AS s_{name}" for name in names)
        ok = " OR ".join(f"({rule})" for rule in rules).replace("RAW.", "v.s_")
        new_scheme = f"({kind} <> 'general' AND {scheme} <> '' AND v.held IS NULL)".replace(
            "RAW.", "v.s_"
        )
        # OFFSET 0 keeps the cleaned values a subquery: worked out once, not once per use.
        return (
            f"SELECT v.line, {', '.join(f'v.{name}' for name in names)}, {kind} AS kind, "  # noqa: S608
            f"v.skey, v.pkey, v.pid, v.digest, {new_scheme} AS new_scheme, NOT ({ok}) AS ok "
            f"FROM (SELECT s.line, s.digest, {values}, {kept}, {', '.join(looked_up)} "
            f"FROM (SELECT line, {cells}, digest FROM {self.rows} "
            "WHERE NOT odd AND NOT original OFFSET 0) s "
            f"{' '.join(joins)} "
            "OFFSET 0) v"
        )

    def _find_setters(self):
        """The first row SQL passes that names each new scheme sets its type (as in Python);
        later rows of another type go to Python for their message."""
        t = self.table
        rows = self._execute(
            f"SELECT DISTINCT ON (skey) skey, line, kind, scheme_name, "  # noqa: S608
            f"{'support_provider' if 'support_provider' in self.present else chr(39) * 2} "
            f"FROM {t} WHERE ok AND new_scheme ORDER BY skey, line"
        )
        self.setters = {
            key: (line, _Scheme(None, kind, name, provider))
            for key, line, kind, name, provider in rows
        }
        self._lookup(
            f"{t}_setters",
            [("key", "text"), ("kind", "text")],
            ((key, scheme.type) for key, (_line, scheme) in self.setters.items()),
        )
        self._execute(
            f"UPDATE {t} c SET ok = false FROM {t}_setters st "  # noqa: S608
            "WHERE c.ok AND c.new_scheme AND c.skey = st.key AND c.kind <> st.kind"
        )

    def stage(self, stage):
        """Copy the rows SQL passed into the staging table: returns the lines that a row
        Python passed has since made wrong (a new scheme it gave another type first)."""
        importer, t = self.importer, self.table
        later = []
        for key, (line, scheme) in self.setters.items():
            held = importer.schemes.setdefault(key, scheme)
            if held is not scheme and held.type != scheme.type:
                later += [
                    line
                    for (line,) in self._execute(
                        f"UPDATE {t} SET ok = false WHERE ok AND skey = %s "  # noqa: S608
                        "AND kind <> %s RETURNING line",
                        [key, held.type],
                    )
                ]
        providers = {}
        if "support_provider" in self.present:
            for key, name in self._execute(
                f"SELECT DISTINCT ON (pkey) pkey, support_provider FROM {t} "  # noqa: S608
                "WHERE ok AND pkey IS NOT NULL ORDER BY pkey, line"
            ):
                if importer.providers.get(key) is None:
                    providers[key] = name
        importer.create_names(providers, list(importer.schemes.values()))
        t_ids = f"{t}_ids"
        self._lookup(
            t_ids,
            [("kind", "text"), ("key", "text"), ("id", "integer")],
            [
                *(("scheme", key, s.id) for key, s in importer.schemes.items()),
                *(("provider", key, pk) for key, pk in importer.providers.items()),
            ],
        )
        columns = [f"c.{_quote(name)}" for name in importer.plain]
        joins = []
        if importer.sets_scheme:
            columns.append("si.id")
            joins.append(f"LEFT JOIN {t_ids} si ON si.kind = 'scheme' AND si.key = c.skey")
        if "support_provider" in self.present:
            columns.append("pi.id")
            joins.append(f"LEFT JOIN {t_ids} pi ON pi.kind = 'provider' AND pi.key = c.pkey")
        columns.append("COALESCE(c.pid, a.patch_id)")
        joins.append(f"LEFT JOIN {t}_areas a ON a.outward = split_part(c.postcode, ' ', 1)")
        self._execute(
            f"INSERT INTO {stage.table} (line, digest, {stage.columns}) "  # noqa: S608
            f"SELECT c.line, c.digest, {', '.join(columns)} FROM {t} c {' '.join(joins)} "
            "WHERE c.ok"
        )
        return later


def _text(length=None, required=False):
    def sql(name):
        broken = [f"char_length(RAW.{name}) > {length}"] if length else []
        if required:
            broken.append(f"RAW.{name} = ''")
        return f"RAW.{name}", " OR ".join(broken) or "false"

    return sql


def _date(past=False):
    def sql(name):
        # Looked up: `{table}_dates` holds each distinct cell that is a real day.
        if past:
            return (
                f"d_{name}.day",
                f"v.{name} IS NULL OR v.{name} > %(today)s OR v.{name} < %(earliest)s",
            )
        return f"d_{name}.day", f"RAW.{name} <> '' AND v.{name} IS NULL"

    return sql


def _yes_no(blank):
    def sql(name):
        return (
            f"CASE WHEN RAW.{name} = '' THEN {blank} WHEN {not_ascii_sql(f'RAW.{name}')} THEN NULL "
            f"ELSE CASE {ascii_case('lower', f'RAW.{name}')} {_ANSWERS} END END",
            f"RAW.{name} <> '' AND v.{name} IS NULL",
        )

    return sql


def _phone(name):
    return f"CASE WHEN RAW.{name} = '' THEN '' ELSE p_{name}.e164 END", f"v.{name} IS NULL"


def _email(name):
    return (
        f"RAW.{name}",
        f"RAW.{name} <> '' AND NOT (char_length(RAW.{name}) <= 64 AND RAW.{name} ~ '{_EMAIL}')",
    )


def _postcode(name):
    # Checked by the Python cleaner, once for each distinct cell (`TenantChecks.check`): a
    # regular expression in PostgreSQL cost 10 µs a row.
    return "pc.postcode", f"v.{name} IS NULL"


def _scheme_type(name):
    return (
        f"CASE WHEN RAW.{name} = '' THEN 'general' WHEN {not_ascii_sql(f'RAW.{name}')} THEN NULL "
        f"ELSE {ascii_case('lower', f'RAW.{name}')} END",
        f"v.{name} IS NULL OR v.{name} NOT IN ({_sql_list(SCHEME_TYPES)})",
    )


def _tenancy_ref(name):
    return f"RAW.{name}", f"RAW.{name} !~ '{_REF}' OR char_length(RAW.{name}) > 20"


_DATES = {"date_of_birth", "self_isolating_from", "self_isolating_until", "tenancy_end_date"}
_COLUMNS = {
    "tenancy_ref": _tenancy_ref,
    "first_name": _text(100, required=True),
    "last_name": _text(100, required=True),
    "date_of_birth": _date(past=True),
    "phone": _phone,
    "mobile": _phone,
    "email": _email,
    "address_line_1": _text(200, required=True),
    "address_line_2": _text(200),
    "town": _text(100),
    "postcode": _postcode,
    "scheme_type": _scheme_type,
    "scheme_name": _text(200),
    "support_provider": _text(200),
    "lifeline": _yes_no("false"),
    "self_isolating_from": _date(),
    "self_isolating_until": _date(),
    "interpreter_language": _text(100),
    "communication_needs": _text(),
    "tenancy_end_date": _date(),
    "no_phone": _yes_no("false"),
    "lives_alone": _yes_no("NULL::boolean"),
    "patch": _text(20),
}


def _column(name):
    """(the cleaned value, the condition under which the cell breaks its column's form)."""
    return _COLUMNS[name](name)
