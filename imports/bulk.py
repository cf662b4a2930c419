"""Reading an import file into PostgreSQL as it stands, for imports whose rules run in SQL.

The frame's Python cleaning cost 40-60 µs a row, most of an import's time. An import whose
`bulk_reader` returns a `RawRows` (tenants: `tenants.import_checks`) reads the file here
instead: each row is parsed by the csv module and copied, its cells stripped, into a temporary
table with its line number, and the import's SQL checks every row at once. SQL only ever
finds a row *valid*: a row it cannot pass (a rule broken, a duplicated key, a phone number
libphonenumber turns down) is read back and run through the frame's Python cleaning
(`CsvImport._clean`), which writes its messages. So every message comes from the same code
as before, in line order.

Rows SQL cannot judge at all are kept in Python from the start ("odd" rows, rare): a NUL
character (PostgreSQL text cannot hold one) or a cell starting with the `'` that the
rejected-rows file puts before a formula.
"""

import csv
import gc
import itertools
import time
from contextlib import contextmanager
from hashlib import blake2b
from operator import itemgetter

from django.db import connection

from config.csv import unquote

from . import halves
from .cells import Invalid

_names = itertools.count(1)


def _escaped(cell):
    """A cell as `COPY`'s text format holds it."""
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _digester(header):
    """A row's digest from its stripped cells as `COPY` text (tabs and backslashes in cells
    escaped, so no two rows give the same text) under this header: see `RawRows`."""
    signature = "\t".join(_escaped(cell.strip().lower()) for cell in header) + "\n"

    signed = blake2b(signature.encode(), digest_size=16)

    def digest(clean):
        # The same digest as of `signature + clean`, without hashing the header for each row.
        row = signed.copy()
        row.update(clean.encode())
        return row.hexdigest()

    return digest


def _text(value):
    """A value or NULL in `COPY`'s text format."""
    return "\\N" if value is None else _escaped(str(value))


class KeysSeen:
    """The keys that may be on more than one row, noted while the file is read: each key sets
    one bit of a bitmap, chosen by its hash, and a key whose bit was already set is a
    candidate. `SqlChecks.duplicates` then confirms the candidates alone, where grouping a
    million keys in SQL took 1.4 s; a false candidate (another key on the same bit: about one
    in 130 at a million rows) costs one more value in that query. The bitmap is 16 MB whatever
    the file's size."""

    size = 1 << 27  # bits

    def __init__(self):
        self.bitmap = bytearray(self.size >> 3)
        self.candidates = set()

    def note(self, key):
        spot = hash(key) & (self.size - 1)
        byte, bit = spot >> 3, 1 << (spot & 7)
        if self.bitmap[byte] & bit:
            self.candidates.add(key)
        else:
            self.bitmap[byte] |= bit


class RawRows:
    """A temporary table `import_raw_N (line, odd, original, key, digest, c0 ... cW)` of a
    file's rows: each cell stripped as Python strips it, and a row whose cells that changed
    copied again as read, with `original` (for its messages and the rejected-rows file).

    With `digests`, each row (not odd, not `original`) has a digest of its stripped cells and
    the file's header (blake2b, 128 bits): an import can tell a row it has seen before without
    reading its cells (`tenants.import_checks`). Python works it out while reading, at a
    tenth of what the same digest cost in SQL.

    `key` is filled only for odd rows (the frame's key, worked out in Python); for the others
    the checks work it out in SQL. Odd rows keep their cells in `self.odd` instead.
    """

    flush_every = 10_000

    def __init__(self, importer, width, digests=False):
        self.importer = importer
        self.width = width
        self.digests = digests
        self.table = f"import_raw_{next(_names)}"
        self.cells = [f"c{index}" for index in range(width)]
        self.odd = {}  # line: cells
        self.keys = KeysSeen()
        self.split_failed = False
        self.blank = ("",) * width
        self.indexed = False
        cells = ", ".join(f"{name} text" for name in self.cells)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} "
                f"(line integer, odd boolean, original boolean, key text, digest uuid, {cells}) "
                "ON COMMIT DROP"
            )

    def cell(self, name):
        """The raw column of the file's column `name`."""
        return self.cells[self.importer.index_of[name]]

    def read(self, reader):
        """Copy the rows in, with Python's cyclic garbage collector off (`_no_cycle_collection`);
        rows of the wrong width are rejected here, as the frame does."""
        with _no_cycle_collection():
            self._read(reader)

    def _read(self, reader):
        """Copy the rows in; rows of the wrong width are rejected here, as the frame does.

        A `COPY` stays open while rows are read, so PostgreSQL stores rows while Python reads
        the next ones (a `COPY` per 10,000 rows made each wait for the other). It is ended for
        each report to `on_progress` (once a second), which may read the database (a cancel).
        Rows go in `COPY`'s text format, built by hand: a csv.writer row cost twice the
        csv.reader one. A large file's second half is read by another process at the same
        time (`imports.halves`)."""
        importer = self.importer
        half = self._second_half()
        if half is None:
            self._copy(self._chunks(reader))
            return
        counts, rejected = dict(importer.report.counts), len(importer._holding)
        try:
            self._copy(half.around(self._chunks(reader, boundary=True)))
        finally:
            importer._read_until = None
            half.stop()
        if self.split_failed:
            # The split fell inside a quoted cell: the rows are read again, by this process.
            self._execute_on_raw(f"TRUNCATE {self.table}")
            importer.report.counts.clear()
            importer.report.counts.update(counts)
            del importer._holding[rejected:]
            self.odd, self.keys = {}, KeysSeen()
            importer._bytes_read = 0
            with open(importer._path, "rb") as binary:
                reader = csv.reader(importer._lines(binary))
                next(reader)  # the header, read before
                self._copy(self._chunks(reader))

    def _second_half(self):
        """A process reading the file's second half (`imports.halves`), or None."""
        importer = self.importer
        self.split_failed = False
        path = getattr(importer, "_path", None)
        if path is None or importer._holding is None:
            return None
        split = halves.split_point(path, importer._bytes_read, importer.report.total_bytes)
        if split is None:
            return None
        try:
            half = halves.SecondHalf(self, path, *split)
        except OSError:  # no process to spare
            return None
        importer._read_until = split[0]
        return half

    def _execute_on_raw(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def _copy(self, chunks):
        importer = self.importer
        columns = f"line, odd, original, key, digest, {', '.join(self.cells)}"
        done = False
        while not done:
            done = True
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy,
            ):
                for chunk in chunks:
                    copy.write(chunk)
                    importer.show_read()
                    if importer.report_due():
                        done = False
                        break
            importer.tell_read()

    def _chunks(self, reader, offset=0, boundary=False):
        """The rows in `COPY`'s text format, `flush_every` rows a chunk: `offset` line breaks
        before the reader's first line; with `boundary`, the reader ends with
        `halves.BOUNDARY`, which must come as a row of its own (`imports.halves`)."""
        importer = self.importer
        report, width = importer.report, self.width
        odd_cells = "\t".join(("",) * width)
        digest = _digester(importer._header) if self.digests else lambda _clean: "\\N"
        note_key = self.keys.note
        key_index = importer.index_of.get(importer.key)
        chunk, pending, rows = [], 0, 0
        previous = reader.line_num + offset
        for cells in reader:
            line, previous = previous + 1, reader.line_num + offset
            joined = "\t".join(cells)
            if not joined.strip():
                continue
            rows += 1
            if len(cells) != width:
                if boundary and cells == [halves.BOUNDARY]:
                    rows -= 1
                    boundary = False
                    break
                importer._reject(
                    line, cells, [f"has {len(cells)} values where the header has {width} columns"]
                )
            elif "\x00" in joined:
                self._add_odd(chunk, line, cells, odd_cells)
            else:
                # Stripped here: PostgreSQL's btrim() with Python's whitespace cost more than
                # all the rest of the checks. A row that changed is also kept as read.
                clean = "\t".join(map(str.strip, cells))
                if "'" in joined and any(cell.strip()[:1] == "'" for cell in cells):
                    self._add_odd(chunk, line, cells, odd_cells)
                    continue
                if key_index is not None:
                    note_key(cells[key_index].strip())
                if (
                    "\\" in joined
                    or "\n" in joined
                    or "\r" in joined
                    or joined.count("\t") != width - 1
                ):
                    # A cell holding a tab, a backslash or a line break: escaped one by one.
                    clean = "\t".join([_escaped(cell.strip()) for cell in cells])
                    chunk.append(f"{line}\tf\tf\t\\N\t{digest(clean)}\t{clean}\n")
                    if any(cell != cell.strip() for cell in cells):
                        original = "\t".join(map(_escaped, cells))
                        chunk.append(f"{line}\tf\tt\t\\N\t\\N\t{original}\n")
                else:
                    chunk.append(f"{line}\tf\tf\t\\N\t{digest(clean)}\t{clean}\n")
                    if clean != joined:
                        chunk.append(f"{line}\tf\tt\t\\N\t\\N\t{joined}\n")
            pending += 1
            if pending >= self.flush_every:
                report.counts["rows"] += rows
                yield "".join(chunk)
                chunk, pending, rows = [], 0, 0
        report.counts["rows"] += rows
        # The boundary line never came as a row: the split was inside a quoted cell.
        self.split_failed = boundary
        if chunk:
            yield "".join(chunk)

    def _add_odd(self, chunk, line, cells, odd_cells):
        """A row SQL cannot judge: its cells stay here, its key worked out in Python."""
        self.odd[line] = cells
        key = self.importer.python_key(cells)
        if key is not None:
            self.keys.note(key)
        chunk.append(f"{line}\tt\tf\t{_text(key)}\t\\N\t{odd_cells}\n")

    def fetch(self, lines):
        """The cells of these lines (not odd), in line order, a batch at a time."""
        lines = sorted(lines)
        if len(lines) > 5000 and not self.indexed:
            # Many rows to read back (a file with many rejected rows): by index, not by scans.
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE INDEX ON {self.table} (line)")
            self.indexed = True
        getter = itemgetter(*range(1, self.width + 1)) if self.width > 1 else None
        for start in range(0, len(lines), 5000):
            chunk = lines[start : start + 5000]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT DISTINCT ON (line) line, {', '.join(self.cells)} "  # noqa: S608
                    f"FROM {self.table} WHERE line = ANY(%s) AND NOT odd "
                    "ORDER BY line, original DESC",
                    [chunk],
                )
                for row in cursor.fetchall():
                    yield row[0], list(getter(row)) if getter else [row[1]]


@contextmanager
def _no_cycle_collection():
    """Python's cyclic garbage collector off while a file is read (and in the process that
    reads its second half, forked meanwhile). Each row's cells make a list and two dozen
    strings, freed as soon as the row is written, and no cycles: the collector ran every 700
    of them for nothing, 14% of the reading (1,000,000 rows read as `_chunks` reads them:
    3.75 s, 3.23 s without it). It is turned on again after, if it was on. It is off for the
    whole process, so for other threads too (the demo's runserver): for the seconds a read
    takes, their cycles wait; a Celery worker's processes run one task each."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def python_key(column, cell):
    """The key a cell holds as the frame's duplicate pass reads it, or None."""
    cell = cell.strip()
    if cell[:1] == "'":
        cell = unquote(cell).strip()
    if not cell:
        return None
    try:
        return column.clean(cell)
    except Invalid:
        return None


class BulkReading:
    """The frame's side of reading through SQL (`imports.frame.CsvImport` has it): an import
    turns it on by returning a `RawRows` from `bulk_reader`."""

    def bulk_reader(self):
        """An `imports.bulk.RawRows` to read the file into, or None to read it here."""
        return None

    def bulk_check(self, raw):
        """The rows are in `raw`: check them, and return the lines SQL does not pass and the
        duplicated keys ({key: [lines]})."""
        raise NotImplementedError

    def bulk_stage(self, raw):
        """The lines SQL did not pass have been cleaned here: stage the rest, and return any
        lines that must now be cleaned here too."""
        raise NotImplementedError

    def python_key(self, cells):
        index = self.index_of.get(self.key)
        if index is None:
            return None
        return python_key(dict(self._positions)[index], cells[index])

    def show_read(self):
        """The progress display (no database: a `COPY` may be open)."""
        if self._progress:
            self._progress.update(self.report.counts["rows"], self._bytes_read)

    def report_due(self):
        """Whether `on_progress` is due a report (`CsvImport._tell`)."""
        return self.on_progress is not None and time.monotonic() - self._reported >= 1

    def tell_read(self):
        self.show_read()
        self._tell()

    def _read_bulk(self, raw, reader):
        # Rows are rejected out of line order here: their messages and rejected-rows lines are
        # held, then told in line order, as the frame's own reading tells them.
        self._holding = []
        try:
            raw.read(reader)
            lines, self._duplicates = self.bulk_check(raw)
            self.clean_in_python(raw, lines)
            if later := self.bulk_stage(raw):
                self.clean_in_python(raw, later)
        finally:
            held, self._holding = self._holding, None
        for line, cells, problems in sorted(held, key=lambda item: item[0]):
            self._tell_rejection(line, cells, problems)

    def clean_in_python(self, raw, lines):
        """Clean these lines and the odd rows here, in line order, and stage the valid ones."""
        odd, raw.odd = raw.odd, {}
        wanted = sorted(set(lines) - odd.keys())
        ready = sorted(odd)
        batch, position = [], 0
        for line, cells in raw.fetch(wanted):
            while position < len(ready) and ready[position] < line:
                self._clean_into(batch, ready[position], odd[ready[position]])
                position += 1
            self._clean_into(batch, line, cells)
        for line in ready[position:]:
            self._clean_into(batch, line, odd[line])
        for start in range(0, len(batch), self.batch_size):
            self._flush(batch[start : start + self.batch_size])
        self._tell()

    def _clean_into(self, batch, line, cells):
        row = self._clean(line, cells)
        if row is not None:
            batch.append(row)
