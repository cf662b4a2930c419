"""Streaming CSV imports: a frame any import file can reuse, and the tenant file's rules.

`CsvImport` owns what every import file shares (tenants.md, and rent-balances.md says "the same
rules"): strict UTF-8 with or without a byte-order mark, a header matched ignoring case and
surrounding spaces, blank lines skipped, one key per file, messages shaped
`line 17: date_of_birth "31/02/1950" is not a date`, the errors-out file, progress and counts.
It reads a line at a time and hands valid rows on in batches, all inside one transaction: a
million-row file is never held in memory, and a run is all-or-nothing unless told to skip
invalid rows. An import declares `columns` and fills in `prepare`, `check_row`, `check_batch`
and `save_batch`; `TenantImport` below is the first.
"""

import codecs
import csv
import itertools
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from localflavor.gb.forms import GBPostcodeField
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import Patch

from .models import PatchArea, Scheme, SupportProvider, Tenant


class FileRefused(Exception):
    """The whole file is refused (encoding, header, unreadable CSV): nothing is imported."""


class Invalid(ValueError):
    """A cell breaks its column's form; the message completes `column "value" ...`."""


@dataclass(frozen=True)
class Column:
    name: str
    clean: Callable[[str], Any] = str  # gets the cell stripped and never blank
    required: bool = False  # the header must have it and no cell may be blank
    blank: Any = ""  # the value of a blank cell


@dataclass
class Row:
    line: int  # the physical line the row starts on; the header is line 1
    cells: list[str]  # as read, for the errors-out file
    raw: dict[str, str]  # stripped cells of the known columns, for messages
    values: dict[str, Any]  # cleaned values of the known columns


@dataclass
class Report:
    source: str
    dry_run: bool = False
    skip_invalid: bool = False
    shown: tuple[str, ...] = ()  # the counts the summary names, in order
    counts: Counter = field(default_factory=Counter)
    rejections: list[str] = field(default_factory=list)  # the first `keep_rejections`
    rejections_left_off: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    refused: str = ""
    written: bool = False
    seconds: float = 0.0

    @property
    def rejected(self):
        return self.counts["rejected"]

    def summary(self):
        return ", ".join(f"{name} {self.counts[name]:,}" for name in self.shown)

    def as_dict(self):
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "shown": list(self.shown),
            "counts": dict(self.counts),
            "rejections": self.rejections,
            "rejections_left_off": self.rejections_left_off,
            "unknown_columns": self.unknown_columns,
            "refused": self.refused,
            "written": self.written,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "shown": tuple(data["shown"]), "counts": Counter(data["counts"])})


class Progress:
    """A one-line progress display on a terminal, redrawn at most twice a second."""

    def __init__(self, stream, total_bytes):
        self.stream = stream
        self.total_bytes = max(total_bytes, 1)
        self.started = self.drawn = time.monotonic()
        self.width = 0

    def update(self, rows, bytes_read, force=False):
        now = time.monotonic()
        if not force and now - self.drawn < 0.5:
            return
        self.drawn = now
        rate = rows / max(now - self.started, 1e-6)
        text = f"{100 * bytes_read / self.total_bytes:3.0f}%  {rows:,} rows  {rate:,.0f} rows/s"
        self.stream.write(f"\r{text:<{self.width}}")
        self.stream.flush()
        self.width = len(text)

    def finish(self, rows, bytes_read):
        self.update(rows, bytes_read, force=True)
        self.stream.write("\n")
        self.stream.flush()

    def clear(self):
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def shown(value, limit=60):
    """A cell as quoted in a message: NULs made visible, long values cut short."""
    value = value.replace("\x00", "\\x00")
    return value if len(value) <= limit else value[: limit - 1] + "…"


class CsvImport:
    columns: tuple[Column, ...] = ()
    key: str | None = None  # a column whose value may appear only once in a file
    shown_counts: tuple[str, ...] = ("created", "updated", "unchanged", "rejected")
    batch_size = 2000
    lock_name: str | None = None  # one writing run at a time, across processes

    def __init__(
        self,
        *,
        dry_run=False,
        skip_invalid=False,
        errors_out=None,
        progress=None,
        on_reject=None,
        keep_rejections=None,
        source_name=None,
    ):
        self.dry_run = dry_run
        self.skip_invalid = skip_invalid
        self.errors_out = errors_out
        self.progress_stream = progress
        self.on_reject = on_reject
        self.keep_rejections = keep_rejections
        self.source_name = source_name

    # Hooks for an import to fill in.

    def prepare(self):
        """The header is read (`self.present` holds its known columns): load lookups."""

    def check_row(self, row):
        """Rules across a row's cells, once every cell is valid: a list of problems."""
        return []

    def check_batch(self, rows):
        """Rules that need the database; `reject` rows that break them, return the rest."""
        return rows

    def save_batch(self, rows, *, write):
        """Count each row's outcome, and save the rows if `write`."""
        raise NotImplementedError

    # The frame.

    @property
    def writing(self):
        """Whether rows are being saved: not a dry run, and nothing rejected unless skipping."""
        return not self.dry_run and (self.skip_invalid or not self.report.rejected)

    def run(self, path):
        path = Path(path)
        self.report = Report(
            source=self.source_name or path.name,
            dry_run=self.dry_run,
            skip_invalid=self.skip_invalid,
            shown=self.shown_counts,
        )
        self._kept = []
        self._seen = {}
        self._bytes_read = 0
        self._errors = None
        self._progress = None
        started = time.monotonic()
        errors_file = None
        try:
            with open(path, "rb") as binary:
                self._progress = (
                    Progress(self.progress_stream, os.fstat(binary.fileno()).st_size)
                    if self.progress_stream
                    else None
                )
                if self.errors_out:
                    errors_file = open(self.errors_out, "w", encoding="utf-8", newline="")  # noqa: SIM115
                    self._errors = csv.writer(errors_file)
                with transaction.atomic():
                    if not self.dry_run:
                        self._lock()
                    self._read(binary)
                    self.report.written = self.writing
                    if not self.report.written:
                        transaction.set_rollback(True)
        except FileRefused as refusal:
            self.report.refused = str(refusal)
            self.report.written = False
        finally:
            if errors_file:
                errors_file.close()
            if self._progress:
                self._progress.finish(self.report.counts["rows"], self._bytes_read)
        self._kept.sort()
        self.report.rejections = [message for _line, message in self._kept]
        self.report.seconds = round(time.monotonic() - started, 3)
        return self.report

    def reject(self, row, problems):
        self._reject(row.line, row.cells, problems)

    def _lock(self):
        if not self.lock_name or connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [self.lock_name])
            if not cursor.fetchone()[0]:
                raise FileRefused("another import of this kind is running: try again when it ends")

    def _lines(self, binary):
        """The file's lines decoded strictly: a file in another encoding is never misread."""
        for number, raw in enumerate(binary, start=1):
            self._bytes_read += len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise FileRefused(
                    f"the file must be UTF-8, and line {number} is not: save it as "
                    '"CSV UTF-8 (comma delimited)" and try again'
                ) from None

    def _read(self, binary):
        reader = csv.reader(self._lines(binary))
        try:
            header = next(reader, None)
            if header is None:
                raise FileRefused("the file is empty")
            self._read_header(header)
            self.prepare()
            batch = []
            previous = reader.line_num
            for cells in reader:
                line, previous = previous + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                self.report.counts["rows"] += 1
                row = self._clean(line, cells)
                if row is not None:
                    batch.append(row)
                    if len(batch) >= self.batch_size:
                        self._flush(batch)
                        batch = []
                if self._progress:
                    self._progress.update(self.report.counts["rows"], self._bytes_read)
            self._flush(batch)
        except csv.Error as error:
            raise FileRefused(f"line {reader.line_num} is not readable CSV ({error})") from None

    def _read_header(self, header):
        self._header = header
        self._width = len(header)
        known = {column.name: column for column in self.columns}
        self._positions = []
        seen = set()
        for index, cell in enumerate(header):
            name = cell.strip().lower()
            if name in seen:
                raise FileRefused(f'line 1: column "{shown(cell.strip())}" appears twice')
            if name:
                seen.add(name)
            if name in known:
                self._positions.append((index, known[name]))
            else:
                self.report.unknown_columns.append(
                    shown(cell.strip()) if name else f"(no name, column {index + 1})"
                )
        missing = [c.name for c in self.columns if c.required and c.name not in seen]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise FileRefused(f"line 1: the file has no {', '.join(missing)} column{plural}")
        self.present = {column.name for _index, column in self._positions}
        if self._errors:
            self._errors.writerow([*header, "reason"])

    def _clean(self, line, cells):
        if len(cells) != self._width:
            self._reject(
                line, cells, [f"has {len(cells)} values where the header has {self._width} columns"]
            )
            return None
        raw, values, problems = {}, {}, []
        for index, column in self._positions:
            cell = cells[index].strip()
            raw[column.name] = cell
            if not cell:
                if column.required:
                    problems.append(f"{column.name} is blank")
                values[column.name] = column.blank
                continue
            try:
                values[column.name] = column.clean(cell)
            except Invalid as error:
                problems.append(f'{column.name} "{shown(cell)}" {error}')
        key = values.get(self.key) if self.key else None
        if key:
            first = self._seen.setdefault(key, line)
            if first != line:
                problems.append(f'{self.key} "{shown(raw[self.key])}" is already on line {first}')
        row = Row(line, cells, raw, values)
        if not problems:
            problems = self.check_row(row)
        if problems:
            self._reject(line, cells, problems)
            return None
        return row

    def _reject(self, line, cells, problems):
        self.report.counts["rejected"] += 1
        if self._progress:
            self._progress.clear()
        for problem in problems:
            message = f"line {line}: {problem}"
            if self.on_reject:
                self.on_reject(message)
            if self.keep_rejections is None or len(self._kept) < self.keep_rejections:
                self._kept.append((line, message))
            else:
                self.report.rejections_left_off += 1
        if self._errors:
            # The reason goes under the "reason" header; a row with too many values keeps them.
            padded = cells[: self._width] + [""] * (self._width - len(cells))
            self._errors.writerow([*padded, "; ".join(problems), *cells[self._width :]])

    def _flush(self, batch):
        if batch:
            rows = self.check_batch(batch)
            self.save_batch(rows, write=self.writing)
            if settings.DEBUG:
                # DEBUG keeps the SQL of the last 9,000 queries, and a batch's INSERT is
                # megabytes long: a large file run in development would fill the memory.
                reset_queries()


# Cells: each cleaner takes a stripped, non-blank cell and returns its value or raises Invalid.

_REF = re.compile(r"[A-Za-z0-9/-]{1,20}", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_YES = frozenset({"y", "yes", "true", "1"})
_NO = frozenset({"n", "no", "false", "0"})


def text(max_length=None):
    def clean(value):
        # PostgreSQL refuses NUL in text: reject the row rather than fail the whole run.
        if "\x00" in value:
            raise Invalid("contains a NUL character")
        if max_length and len(value) > max_length:
            raise Invalid(f"is longer than {max_length} characters")
        return value

    return clean


def a_date(value):
    """`YYYY-MM-DD` or `DD/MM/YYYY`, and a real day."""
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _UK_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise Invalid("is not a date")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Invalid("is not a date") from None


def a_past_date(max_years):
    def clean(value):
        day = a_date(value)
        today = timezone.localdate()
        if day > today:
            raise Invalid("is in the future")
        try:
            earliest = today.replace(year=today.year - max_years)
        except ValueError:  # 29 February
            earliest = today.replace(year=today.year - max_years, day=28)
        if day < earliest:
            raise Invalid(f"is more than {max_years} years ago")
        return day

    return clean


def yes_no(value):
    value = value.lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise Invalid("is not Y or N")


def one_of(*choices):
    def clean(value):
        if value.lower() not in choices:
            raise Invalid(f"is not {', '.join(choices[:-1])} or {choices[-1]}")
        return value.lower()

    return clean


def tenancy_ref(value):
    if not _REF.fullmatch(value):
        raise Invalid('is not 1-20 letters, digits, "-" or "/"')
    return value


class CheckedPhoneNumber(PhoneNumber):
    """A number found valid once, on reading the file, and its E.164 form worked out then.

    Saving asks a PhoneNumber whether it is valid and formats it two or three times over: at
    a million rows, libphonenumber's checks were a third of an import's time.
    """

    e164 = ""

    def is_valid(self):
        return True

    def format_as(self, format):
        if format == phonenumbers.PhoneNumberFormat.E164:
            return self.e164
        return super().format_as(format)


def uk_phone(value):
    try:
        number = CheckedPhoneNumber.from_string(value, region="GB")
    except phonenumbers.NumberParseException:
        raise Invalid("is not a valid UK phone number") from None
    # A valid number is one libphonenumber holds in use: Ofcom's drama ranges are not.
    if number.country_code != 44 or not phonenumbers.is_valid_number(number):
        raise Invalid("is not a valid UK phone number")
    number.e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return number


def email(value):
    if len(value) > 254:
        raise Invalid("is longer than 254 characters")
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid("is not an email address") from None
    return value


def uk_postcode(value):
    """Any case and spacing, stored as `PR1 2AB` (django-localflavor's GBPostcodeField rule)."""
    compact = "".join(value.split()).upper()
    postcode = f"{compact[:-3]} {compact[-3:]}"
    if not GBPostcodeField.postcode_regex.fullmatch(postcode):
        raise Invalid("is not a UK postcode")
    return postcode


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

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def prepare(self):
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
        if self.sets_scheme:
            self.update_fields.append("scheme")
        if "support_provider" in self.present:
            self.update_fields.append("support_provider")
        self.history_model = Tenant.history.model
        self.reason = f"import {self.report.source}"[:100]
        self.now = timezone.now()
        self._fake_ids = itertools.count(-1, -1)

    def check_row(self, row):
        values, raw, problems = row.values, row.raw, []
        if not (values.get("phone") or values.get("mobile") or values.get("no_phone")):
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
            problems.extend(self._check_scheme(values, problems))
        return problems

    def _check_scheme(self, values, problems):
        kind, name = values.get("scheme_type", "general"), values.get("scheme_name", "")
        if kind == "general":
            if name:
                return [f'scheme_name "{shown(name)}" is given but scheme_type is general']
            return []
        if not name:
            return [f"scheme_name is blank (scheme_type {kind} needs one)"]
        held = self.schemes.get(name.casefold())
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
        refs = [row.values["tenancy_ref"] for row in rows]
        self.existing = {
            tenant.tenancy_ref: tenant
            for tenant in Tenant.objects.filter(tenancy_ref__in=refs).order_by()
        }
        one_isolation_column = len(self.present & {"self_isolating_from", "self_isolating_until"})
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
                differs = False
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

    def _tenant_values(self, row, held):
        values = row.values
        out = {name: values[name] for name in self.plain}
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
        schemes = {}
        for row in rows:
            scheme = self.schemes.get(row.values.get("scheme_name", "").casefold())
            if scheme and scheme.id is None:
                schemes[scheme.name.casefold()] = scheme
        if not schemes:
            return
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
