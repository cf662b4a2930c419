"""Streaming CSV imports: the frame every import file reuses (tenants, rent balances, and any
app's own), with no knowledge of what the rows mean.

`CsvImport` owns what every import file shares (tenants.md, and rent-balances.md says "the same
rules"): strict UTF-8 with or without a byte-order mark, a header matched ignoring case and
surrounding spaces, blank lines skipped, one key per file, messages shaped
`line 17: date_of_birth "31/02/1950" is not a date`, the errors-out file, progress and counts.
It reads a line at a time and hands valid rows on in batches, all inside one transaction: a
million-row file is never held in memory, and a run is all-or-nothing unless told to skip
invalid rows. An import declares `columns` and fills in `prepare`, `check_row`, `check_batch`,
`save_batch` and, for imports that stage rows and write them set-based at the end, `finish`.
The cells' cleaners are in `imports.cells`.
"""

import codecs
import csv
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from config.csv import safe_writer, unquote

from . import bulk, cells


class FileRefused(Exception):
    """The whole file is refused (encoding, header, unreadable CSV): nothing is imported."""


class Cancelled(Exception):
    """Raised by an `on_progress` callback to stop a run: nothing it did is kept."""


Invalid = cells.Invalid


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
    cancelled: bool = False
    stage: str = "reading"  # reading, saving, done
    bytes_read: int = 0
    total_bytes: int = 0
    notes: list[str] = field(default_factory=list)  # sentences for the page, under the counts

    @property
    def rejected(self):
        return self.counts["rejected"]

    def summary(self):
        return ", ".join(f"{name} {self.counts[name]:,}" for name in self.shown)

    def as_dict(self):
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {**data, "shown": list(self.shown), "counts": dict(self.counts)}

    @classmethod
    def from_dict(cls, data):
        known = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        return cls(**{**known, "shown": tuple(data["shown"]), "counts": Counter(data["counts"])})


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


# The columns a rejected-rows file adds after the file's own.
ERRORS_COLUMNS = ("line", "reason")


class CsvImport(bulk.BulkReading):
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
        on_progress=None,
        before_commit=None,
        user=None,
    ):
        self.dry_run = dry_run
        self.skip_invalid = skip_invalid
        self.errors_out = errors_out
        self.progress_stream = progress
        self.on_reject = on_reject
        self.keep_rejections = keep_rejections
        self.source_name = source_name
        self.on_progress = on_progress  # called with the report about once a second
        # Called with the report inside the run's transaction once everything is written, just
        # before it commits (not for a run that writes nothing): it may raise `Cancelled`.
        self.before_commit = before_commit
        self.user = user  # who the history of what is written names, if anyone

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
        """Count each row's outcome, and save the rows if `write` (or stage them for `finish`)."""
        raise NotImplementedError

    def finish(self, *, write):
        """Every row is read and checked: an import that staged its rows counts and saves here."""

    def committed(self):
        """The run's writes are committed: for work after the transaction (statistics)."""

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
        self._holding = None
        self._duplicates = {}
        self._bytes_read = 0
        self._errors = None
        self._carried = 0
        self._progress = None
        started = self._reported = time.monotonic()
        errors_file = None
        day = cells.run_day.set(timezone.localdate())
        try:
            with open(path, "rb") as binary:
                self._progress = (
                    Progress(self.progress_stream, os.fstat(binary.fileno()).st_size)
                    if self.progress_stream
                    else None
                )
                if self.errors_out:
                    errors_file = open(self.errors_out, "w", encoding="utf-8", newline="")  # noqa: SIM115
                    self._errors = safe_writer(errors_file)
                self.report.total_bytes = os.fstat(binary.fileno()).st_size
                with transaction.atomic():
                    if not self.dry_run:
                        self._lock()
                    self._read(binary, path)
                    self.report.stage = "saving"
                    self._tell(force=True)
                    self.finish(write=self.writing)
                    self.report.written = self.writing
                    if not self.report.written:
                        transaction.set_rollback(True)
                    elif self.before_commit is not None:
                        self.before_commit(self.report)
            if self.report.written:
                self.committed()
        except FileRefused as refusal:
            self.report.refused = str(refusal)
            self.report.written = False
        except Cancelled:
            self.report.cancelled = True
            self.report.written = False
        finally:
            cells.run_day.reset(day)
            if errors_file:
                errors_file.close()
            if self._progress:
                self._progress.finish(self.report.counts["rows"], self._bytes_read)
        self._kept.sort()
        self.report.rejections = [message for _line, message in self._kept]
        self.report.seconds = round(time.monotonic() - started, 3)
        self.report.stage = "done"
        return self.report

    def _tell(self, force=False):
        """Tell `on_progress` how far the run is, at most once a second unless forced."""
        if self.on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._reported >= 1:
            self._reported = now
            self.report.bytes_read = self._bytes_read
            self.on_progress(self.report)

    def reject(self, row, problems):
        self._reject(row.line, row.cells, problems)

    def _lock(self):
        if not self.lock_name or connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [self.lock_name])
            if not cursor.fetchone()[0]:
                raise FileRefused("another import of this kind is running: try again when it ends")

    def _lines(self, binary, first=1):
        """The file's lines decoded strictly: a file in another encoding is never misread.
        `first` is the first line's number. With `_read_until` set (a file read in two halves,
        `imports.halves`), the lines end at that offset, with `halves.BOUNDARY`."""
        position = binary.tell()
        for number, raw in enumerate(binary, start=first):
            if self._read_until is not None and position >= self._read_until:
                yield bulk.halves.BOUNDARY + "\n"
                return
            position += len(raw)
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

    def _read(self, binary, path):
        self._path, self._read_until = path, None
        reader = csv.reader(self._lines(binary))
        try:
            header = next(reader, None)
            if header is None:
                raise FileRefused("the file is empty")
            self._read_header(header)
            self.prepare()
            if (raw := self.bulk_reader()) is not None:
                self._read_bulk(raw, reader)
                return
            if self.key:
                self._duplicates = self._find_duplicates(path)
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
                if self.on_progress:
                    self._tell()
            self._flush(batch)
        except csv.Error as error:
            raise FileRefused(f"line {reader.line_num} is not readable CSV ({error})") from None

    def _find_duplicates(self, path):
        """Keys on more than one row, with their lines: a first pass reading only the key.

        Both rows of a duplicated key are rejected, so the first must be known to be one
        before it is checked. Lines are numbered as the main pass numbers them; a row the main
        pass rejects for its width or its key's form has no key here either.
        """
        index = next((i for i, column in self._positions if column.name == self.key), None)
        if index is None:
            return {}
        column = dict(self._positions)[index]
        first, duplicates = {}, {}
        with open(path, "rb") as binary:
            reader = csv.reader(
                raw.decode("utf-8", errors="replace").removeprefix("\ufeff") for raw in binary
            )
            try:
                next(reader, None)
                previous = reader.line_num
                for cells_ in reader:
                    line, previous = previous + 1, reader.line_num
                    if len(cells_) != self._width:
                        continue
                    cell = cells_[index].strip()
                    if cell[:1] == "'":
                        cell = unquote(cell).strip()
                    if not cell:
                        continue
                    try:
                        key = column.clean(cell)
                    except Invalid:
                        continue
                    held = first.setdefault(key, line)
                    if held != line:
                        duplicates.setdefault(key, [held]).append(line)
            except csv.Error:
                pass  # the main pass refuses the file at that line
        return duplicates

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
        self.index_of = {column.name: index for index, column in self._positions}
        self._cleaners = [
            (index, column.name, column.clean, column.required, column.blank)
            for index, column in self._positions
        ]
        # A rejected-rows file uploaded again ends in its own "line" and "reason": its rows'
        # rejected again get new ones in their place, so the file keeps its shape.
        # One saved before it had a line column ends in "reason" alone.
        tail = [cell.strip().lower() for cell in header[-2:]]
        if tail == list(ERRORS_COLUMNS) and not known.keys() & set(tail):
            self._carried = 2
        elif tail[-1:] == ["reason"] and "reason" not in known:
            self._carried = 1
        else:
            self._carried = 0
        if self._errors:
            self._errors.writerow([*header[: self._width - self._carried], *ERRORS_COLUMNS])

    def _clean(self, line, cells):
        if len(cells) != self._width:
            self._reject(
                line, cells, [f"has {len(cells)} values where the header has {self._width} columns"]
            )
            return None
        raw, values, problems = {}, {}, []
        # The hottest loop of an import: the columns' fields are unpacked once per file.
        for index, name, clean, required, blank in self._cleaners:
            cell = cells[index].strip()
            if cell[:1] == "'":  # quoted by `safe_writer` in a rejected-rows file
                cell = unquote(cell).strip()
            raw[name] = cell
            if not cell:
                if required:
                    problems.append(f"{name} is blank")
                values[name] = blank
                continue
            try:
                values[name] = clean(cell)
            except Invalid as error:
                problems.append(f'{name} "{shown(cell)}" {error}')
        key = values.get(self.key) if self.key else None
        if key and key in self._duplicates:
            # Neither row is picked: a duplicated key rejects every row that has it.
            lines = self._duplicates[key]
            quoted = f'{self.key} "{shown(raw[self.key])}"'
            if line == lines[0]:
                others = " and ".join(str(other) for other in lines[1:])
                plural = "s" if len(lines) > 2 else ""
                problems.append(f"{quoted} is also on line{plural} {others}")
            else:
                problems.append(f"{quoted} is already on line {lines[0]}")
        row = Row(line, cells, raw, values)
        if not problems:
            problems = self.check_row(row)
        if problems:
            self._reject(line, cells, problems)
            return None
        return row

    def _reject(self, line, cells, problems):
        self.report.counts["rejected"] += 1
        if self._holding is not None:
            self._holding.append((line, cells, problems))  # told in line order at the end
        else:
            self._tell_rejection(line, cells, problems)

    def _tell_rejection(self, line, cells, problems):
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
            # The line in the uploaded file and the reason go under their headers; a row with
            # too many values keeps them after.
            padded = cells[: self._width] + [""] * (self._width - len(cells))
            kept = padded[: self._width - self._carried]
            self._errors.writerow([*kept, line, "; ".join(problems), *cells[self._width :]])

    def _flush(self, batch):
        if batch:
            rows = self.check_batch(batch)
            self.save_batch(rows, write=self.writing)
            if settings.DEBUG:
                # DEBUG keeps the SQL of the last 9,000 queries, and a batch's INSERT is
                # megabytes long: a large file run in development would fill the memory.
                reset_queries()
