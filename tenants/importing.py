"""The tenant file (tenants.md) on the import frame (`imports.frame`).

On PostgreSQL the checked rows are copied into a staging table and counted, compared and saved
in a few set-based statements at the end (`tenants.import_staging`); elsewhere (the SQLite demo)
each batch is saved with the ORM. The rules and messages are the same either way.
"""

import itertools
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import Patch
from imports.bulk import RawRows
from imports.cells import (
    a_date,
    a_past_date,
    email,
    one_of,
    tenancy_ref,
    text,
    uk_phone,
    uk_postcode,
    yes_no,
)
from imports.frame import Column, CsvImport, FileRefused, shown
from imports.sql_checks import tune_transaction
from imports.statistics import analyze_if_much_changed, estimated_rows

from .import_staging import TenantStage
from .models import PatchArea, Scheme, SupportProvider, Tenant
from .signals import tenant_import_saved

# The tenant file (tenants.md).

SCHEME_TYPES = ("general", Scheme.Type.INDEPENDENT_LIVING.value, Scheme.Type.SUPPORTED_LIVING.value)

TENANT_COLUMNS = (
    Column("tenancy_ref", tenancy_ref, required=True),
    Column("first_name", text(100), required=True),
    Column("last_name", text(100), required=True),
    Column("date_of_birth", a_past_date(120), required=True),
    Column("phone", uk_phone),
    Column("mobile", uk_phone),
    Column("email", email),
    Column("address_line_1", text(200), required=True),
    Column("address_line_2", text(200)),
    Column("town", text(100)),
    Column("postcode", uk_postcode, required=True),
    Column("scheme_type", one_of(*SCHEME_TYPES), blank="general"),
    Column("scheme_name", text(200)),
    Column("support_provider", text(200)),
    Column("lifeline", yes_no, blank=False),
    Column("self_isolating_from", a_date, blank=None),
    Column("self_isolating_until", a_date, blank=None),
    Column("interpreter_language", text(100)),
    Column("communication_needs", text()),
    Column("tenancy_end_date", a_date, blank=None),
    Column("no_phone", yes_no, blank=False),
    Column("lives_alone", yes_no, blank=None),
    Column("patch", text(20)),
)

# Columns stored as they are, in the Tenant field of the same name.
_PLAIN = [
    column.name
    for column in TENANT_COLUMNS
    if column.name not in {"scheme_type", "scheme_name", "support_provider", "patch"}
]
_HISTORY = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


@dataclass(slots=True)
class _Scheme:
    id: int | None  # None until created; negative in a run that writes nothing
    type: str
    name: str
    provider: str = ""


def _plain(value):
    """A value as compared with the one held: phone numbers by their E.164 form."""
    return value.as_e164 if isinstance(value, PhoneNumber) else value


def _keep_apps_email(held, values):
    """The rule of `TenantStage`'s email, row by row (the ORM path): an email set in the app
    stands while the file sends the address it sent then (`values` given the held one). True
    if `held` changed: a file that sends another address wins and the email is its own again."""
    if "email" not in values or held.email_in_file is None:
        return False
    if values["email"] == held.email_in_file:
        values["email"] = held.email
        return False
    held.email_in_file = None
    return True


class TenantImport(CsvImport):
    """The housing management system's tenant export: `tenancy_ref` creates or updates.

    Only the columns the file has are written, so a file without `email` leaves emails alone.
    Rows that change nothing are not written, so re-importing a file bumps no `updated_at` and
    adds no history. Created and changed tenants get their history rows here, in bulk, because
    bulk upserts send no signals for simple_history to act on.
    """

    columns = TENANT_COLUMNS
    key = "tenancy_ref"
    shown_counts = ("created", "updated", "unchanged", "rejected", "unassigned")
    lock_name = "tenants.import_tenants"

    def prepare(self):
        # The support providers and schemes the file names that the register does not hold
        # yet ({casefolded: name}): the run creates them, and its page names them.
        self.new_providers, self.new_schemes = {}, {}
        if not self.present & {"phone", "mobile", "no_phone"}:
            raise FileRefused("line 1: the file has no phone, mobile or no_phone column")
        self.patches = {code.upper(): pk for pk, code in Patch.objects.values_list("pk", "code")}
        self.areas = {
            outward.upper(): patch_id
            for outward, patch_id in PatchArea.objects.values_list("outward_code", "patch_id")
        }
        self.providers = {
            name.casefold(): pk for pk, name in SupportProvider.objects.values_list("pk", "name")
        }
        self.schemes = {
            name.casefold(): _Scheme(pk, kind, name)
            for pk, name, kind in Scheme.objects.values_list("pk", "name", "type")
        }
        self.sets_scheme = bool(self.present & {"scheme_type", "scheme_name"})
        self.plain = [name for name in _PLAIN if name in self.present]
        self.update_fields = [*self.plain, "patch", "updated_at"]
        if "email" in self.present:
            self.update_fields.append("email_in_file")
        if self.sets_scheme:
            self.update_fields.append("scheme")
        if "support_provider" in self.present:
            self.update_fields.append("support_provider")
        self.history_model = Tenant.history.model
        self.reason = f"import {self.report.source}"[:100]
        self.now = timezone.now()
        self._fake_ids = itertools.count(-1, -1)
        self.rows_before = estimated_rows(Tenant)
        tune_transaction()  # before the first temporary table
        self.stage = TenantStage(self) if connection.vendor == "postgresql" else None
        self.setters = {}  # new schemes' first rows as SQL found them (bulk reading)
        self.phone_indexes = [
            1 + index for index, name in enumerate(self.plain) if name in {"phone", "mobile"}
        ]

    def bulk_reader(self):
        one_isolation_column = len(self.present & {"self_isolating_from", "self_isolating_until"})
        if self.stage is None or one_isolation_column == 1:
            return None
        return RawRows(self, self._width, digests=True)

    def bulk_check(self, raw):
        from .import_checks import TenantChecks

        self.checks = TenantChecks(self, raw)
        lines, duplicates = self.checks.check()
        self.setters = self.checks.setters
        return lines, duplicates

    def bulk_stage(self, raw):
        return self.checks.stage(self.stage)

    def check_row(self, row):
        values, raw, problems = row.values, row.raw, []
        # Cells already checked: a non-blank phone cell is a valid number (asking a
        # PhoneNumber whether it is empty formats it again, a tenth of a row's time).
        if not (raw.get("phone") or raw.get("mobile") or values.get("no_phone")):
            problems.append("phone and mobile are both blank: give one, or no_phone Y")
        start, end = values.get("self_isolating_from"), values.get("self_isolating_until")
        if start and end and end < start:
            problems.append(
                f'self_isolating_until "{raw["self_isolating_until"]}" is before '
                f'self_isolating_from "{raw["self_isolating_from"]}"'
            )
        code = values.get("patch")
        if code and code.upper() not in self.patches:
            problems.append(f'patch "{shown(code)}" is not a patch code the register holds')
        if self.sets_scheme:
            problems.extend(self._check_scheme(row.line, values, problems))
        return problems

    def _check_scheme(self, line, values, problems):
        kind, name = values.get("scheme_type", "general"), values.get("scheme_name", "")
        if kind == "general":
            if name:
                return [f'scheme_name "{shown(name)}" is given but scheme_type is general']
            return []
        if not name:
            return [f"scheme_name is blank (scheme_type {kind} needs one)"]
        held = self.schemes.get(name.casefold())
        setter = self.setters.get(name.casefold())
        if held is None and setter is not None and setter[0] < line:
            # An earlier row that SQL passed named it first.
            held = self.schemes[name.casefold()] = setter[1]
        if held is not None and held.type != kind:
            article = "an" if held.type.startswith("i") else "a"
            return [f'scheme_name "{shown(name)}" is {article} {held.type} scheme, not {kind}']
        if held is None and not problems:
            # The first row naming a new scheme sets its type; a later row must agree.
            self.schemes[name.casefold()] = _Scheme(
                None, kind, name, values.get("support_provider", "")
            )
        return []

    def check_batch(self, rows):
        one_isolation_column = len(self.present & {"self_isolating_from", "self_isolating_until"})
        if self.stage is not None and one_isolation_column != 1:
            return rows  # compared with the register set-based, in `finish`
        refs = [row.values["tenancy_ref"] for row in rows]
        self.existing = {
            tenant.tenancy_ref: tenant
            for tenant in Tenant.objects.filter(tenancy_ref__in=refs).order_by()
        }
        if one_isolation_column != 1:
            return rows
        kept = []
        for row in rows:
            # With one of the pair in the file, the other is the one held: keep them in order.
            held = self.existing.get(row.values["tenancy_ref"])
            start = row.values.get("self_isolating_from", held and held.self_isolating_from)
            end = row.values.get("self_isolating_until", held and held.self_isolating_until)
            if start and end and end < start:
                self.reject(
                    row,
                    [
                        f"self_isolating_from {start:%d/%m/%Y} would be after "
                        f"self_isolating_until {end:%d/%m/%Y}"
                    ],
                )
            else:
                kept.append(row)
        return kept

    def save_batch(self, rows, *, write):
        self._resolve_names(rows, write)
        if self.stage is not None:
            self.stage.add(map(self._staged_row, rows))
            return
        created, changed = [], []
        counts = self.report.counts
        for row in rows:
            held = self.existing.get(row.values["tenancy_ref"])
            values = self._tenant_values(row, held)
            if held is None:
                tenant = Tenant(**values)
                created.append(tenant)
            else:
                tenant = held
                differs = _keep_apps_email(held, values)
                for name, value in values.items():
                    if _plain(getattr(tenant, name)) != _plain(value):
                        setattr(tenant, name, value)
                        differs = True
                if differs:
                    changed.append(tenant)
                else:
                    counts["unchanged"] += 1
            if tenant.patch_id is None:
                counts["unassigned"] += 1
        counts["created"] += len(created)
        counts["updated"] += len(changed)
        if write and (created or changed):
            self._upsert(created, changed)

    def finish(self, *, write):
        if self.stage is not None:
            self._finish_staged(write)
        self.report.notes = [
            _named(what, names)
            for what, names in (
                ("support provider", self.new_providers),
                ("scheme", self.new_schemes),
            )
            if names
        ]
        if write:
            # In the import's transaction: what the apps above make for the providers it
            # created commits with it or not at all.
            tenant_import_saved.send(sender=type(self), on=timezone.localdate(self.now))

    def _finish_staged(self, write):
        checks = getattr(self, "checks", None)
        if checks is not None:
            checks.release()
        counts = self.stage.count()
        staged_unchanged = counts["unchanged"]
        if checks is not None:
            # Rows the same as last time, passed without their cells checked again.
            counts["unchanged"] += checks.same_count
            counts["unassigned"] += checks.same_unassigned
        self.report.counts.update(counts)
        if write:
            self.stage.save(
                now=self.now,
                reason=self.reason,
                user_id=self.user.pk if self.user else None,
                creates=counts["created"] > 0,
                updates=counts["updated"] > 0,
                unchanged=checks is not None and staged_unchanged > 0,
            )
        self.stage.drop()

    def committed(self):
        counts = self.report.counts
        analyze_if_much_changed(
            Tenant, changed=counts["created"] + counts["updated"], before=self.rows_before
        )

    def _staged_row(self, row):
        """A row as the staging table takes it, in `TenantStage.names` order after the line:
        phones in E.164, and a blank patch_id meaning "keep the one held"."""
        values = row.values
        out = [row.line, *map(values.__getitem__, self.plain)]
        for index in self.phone_indexes:
            if out[index]:
                out[index] = out[index].e164
        out.extend(self._links(values, None).values())
        return out

    def _tenant_values(self, row, held):
        values = row.values
        return {name: values[name] for name in self.plain} | self._links(values, held)

    def _links(self, values, held):
        """scheme_id, support_provider_id (when the file has them) and patch_id, in order."""
        out = {}
        if self.sets_scheme:
            name = values.get("scheme_name", "")
            out["scheme_id"] = self.schemes[name.casefold()].id if name else None
        if "support_provider" in self.present:
            name = values["support_provider"]
            out["support_provider_id"] = self.providers[name.casefold()] if name else None
        if code := values.get("patch"):
            out["patch_id"] = self.patches[code.upper()]
        else:
            patch_id = self.areas.get(values["postcode"].split(" ")[0])
            # Matched by neither: unassigned, unless a manager has already placed the tenant.
            if patch_id is not None or held is None or held.patch_id is None:
                out["patch_id"] = patch_id
        return out

    def _resolve_names(self, rows, write):
        """Ids for the support providers and schemes these rows name, creating new ones."""
        providers = {}
        for row in rows:
            name = row.values.get("support_provider")
            if name and self.providers.get(name.casefold()) is None:
                providers[name.casefold()] = name
            scheme = self.schemes.get(row.values.get("scheme_name", "").casefold())
            if scheme and scheme.id is None and scheme.provider:
                providers.setdefault(scheme.provider.casefold(), scheme.provider)
        self._create_providers(providers, write)
        self._create_schemes_for(rows, write)

    def _create_providers(self, providers, write):
        self.new_providers.update(providers)
        if providers:
            if write:
                SupportProvider.objects.bulk_create(
                    [SupportProvider(name=name) for name in providers.values()],
                    ignore_conflicts=True,
                )
                self.providers.update(
                    (name.casefold(), pk)
                    for pk, name in SupportProvider.objects.filter(
                        name__in=providers.values()
                    ).values_list("pk", "name")
                )
            else:
                self.providers.update((key, next(self._fake_ids)) for key in providers)

    def _create_schemes_for(self, rows, write):
        schemes = []
        for row in rows:
            scheme = self.schemes.get(row.values.get("scheme_name", "").casefold())
            if scheme and scheme.id is None:
                schemes.append(scheme)
        self._create_schemes(schemes, write)

    def create_names(self, providers, schemes):
        """Ids for these new providers ({casefolded: name}) and schemes, creating them."""
        write = self.writing
        providers = dict(providers)
        for scheme in schemes:
            key = scheme.provider.casefold()
            if scheme.id is None and scheme.provider and self.providers.get(key) is None:
                providers.setdefault(key, scheme.provider)
        self._create_providers(providers, write)
        self._create_schemes(schemes, write)

    def _create_schemes(self, schemes, write):
        schemes = {scheme.name.casefold(): scheme for scheme in schemes if scheme.id is None}
        if not schemes:
            return
        self.new_schemes.update((key, scheme.name) for key, scheme in schemes.items())
        if not write:
            for scheme in schemes.values():
                scheme.id = next(self._fake_ids)
            return
        Scheme.objects.bulk_create(
            [
                Scheme(
                    name=scheme.name,
                    type=scheme.type,
                    support_provider_id=self.providers.get(scheme.provider.casefold()),
                )
                for scheme in schemes.values()
            ],
            ignore_conflicts=True,
        )
        for pk, name in Scheme.objects.filter(
            name__in=[scheme.name for scheme in schemes.values()]
        ).values_list("pk", "name"):
            schemes[name.casefold()].id = pk

    def _upsert(self, created, changed):
        Tenant.objects.bulk_create(
            created + changed,
            update_conflicts=True,
            unique_fields=["tenancy_ref"],
            update_fields=self.update_fields,
        )
        self._record_history("+", [tenant.pk for tenant in created])
        self._record_history("~", [tenant.pk for tenant in changed])

    def _record_history(self, kind, ids):
        """History rows copied from the tenants as saved, in one statement per batch."""
        if not ids:
            return
        quote = connection.ops.quote_name
        history = self.history_model._meta
        columns = ", ".join(
            quote(f.column) for f in history.concrete_fields if f.name not in _HISTORY
        )
        own = ", ".join(
            quote(history.get_field(name).column)
            for name in ("history_date", "history_change_reason", "history_type", "history_user")
        )
        # Table and column names come from the models, never from the file.
        sql = (
            f"INSERT INTO {quote(history.db_table)} ({columns}, {own}) "  # noqa: S608
            f"SELECT {columns}, %s, %s, %s, %s FROM {quote(Tenant._meta.db_table)} "
            f"WHERE {quote(Tenant._meta.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [self.now, self.reason, kind, self.user.pk if self.user else None, *ids]
            )


def _named(what, names, shown=10):
    """'2 new support providers: A, B.' (the first `shown` names, in the file's order)."""
    listed = list(names.values())
    more = f", and {len(listed) - shown:,} more" if len(listed) > shown else ""
    plural = "s" if len(listed) != 1 else ""
    return f"{len(listed):,} new {what}{plural}: {', '.join(listed[:shown])}{more}."
