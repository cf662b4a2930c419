"""Reading a large file's rows in two halves at once, for `imports.bulk.RawRows`.

Python's work on each row (the csv module, stripping, the digest, `COPY`'s text) is most of
the time an import takes to read a file, and it ran on one CPU while PostgreSQL stored the rows
on the other. A file of more than `SPLIT_AT` bytes is split at a line break near the middle of
its rows: a forked process reads the second half, turning its rows into `COPY` text with the
same code (`RawRows._chunks`), and hands the text over; this process copies both halves into
the same table. Line numbers, messages and their order are the same as when one process reads
the whole file: the second half's rejected rows, odd rows and keys are taken in after the
first half's.

The split must not fall inside a quoted cell, which may hold line breaks. In a well-formed
file a line break with an even number of `"` before it is outside one; a stray quote in an
unquoted cell (the csv module reads it as a character) can fool that count. So the first half
is checked as it is read: after its last line comes a boundary line, which the csv reader
returns as a row of its own only if no quoted cell is open. If it is not, the file is read
again by this process alone (`RawRows.read`).

The forked process only reads the file: it never uses the parent's database connection, and
leaves through `os._exit`, which closes nothing of the parent's.
"""

import csv
import multiprocessing
import os
import queue
import signal
import traceback
from contextlib import suppress

# A file at least this much longer than its header is read in two halves.
SPLIT_AT = 32 << 20
# The line after the first half's last: a row of its own only at a row boundary.
BOUNDARY = "\x00\x01end of the first half\x01\x00"
_BLOCK = 8 << 20


def split_point(path, start, size):
    """(offset, line breaks before it) of a line start near the middle of the bytes after
    `start` with an even number of `"` before it, or None for a file too small to split."""
    if size - start < SPLIT_AT:
        return None
    middle = start + (size - start) // 2
    quotes = breaks = done = 0
    with open(path, "rb") as file:
        while done < middle:
            block = file.read(min(_BLOCK, middle - done))
            quotes += block.count(b'"')
            breaks += block.count(b"\n")
            done += len(block)
        block = file.read(1 << 20)
        position = 0
        while (found := block.find(b"\n", position)) != -1:
            quotes += block.count(b'"', position, found)
            breaks += 1
            position = found + 1
            if quotes % 2 == 0:
                return middle + position, breaks
    return None


class SecondHalf:
    """The second half of a file, read by a forked process: `around` yields the first half's
    `COPY` text with the second half's as it comes, then the rest of it, and takes the second
    half's rejected rows, odd rows and keys into `raw` and its importer."""

    def __init__(self, raw, path, offset, breaks):
        """Forks the reader with `os.fork` itself: multiprocessing refuses children to a
        daemonic process, which a Celery worker's processes are."""
        self.raw = raw
        self.messages = multiprocessing.get_context("fork").Queue()
        self.ended = False
        self.exitcode = None
        self.pid = _fork(lambda: _read_half(raw, path, offset, breaks, self.messages))

    def _alive(self):
        if self.exitcode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exitcode = os.waitstatus_to_exitcode(status)
        return self.exitcode is None

    def around(self, chunks):
        raw = self.raw
        for chunk in chunks:
            yield chunk
            yield from self._taken(block=False)
        if raw.split_failed:
            return  # read again from the start: RawRows.read
        if not self.ended:
            yield from self._taken(block=True)

    def _taken(self, *, block):
        importer = self.raw.importer
        while True:
            try:
                message = self.messages.get(timeout=1) if block else self.messages.get_nowait()
            except queue.Empty:
                if not block:
                    return
                if not self._alive() and self.messages.empty():
                    raise RuntimeError(
                        f"the second half's reader ended ({self.exitcode}) unfinished"
                    ) from None
                continue
            kind, *body = message
            if kind == "chunk":
                text, rows, read = body
                importer.report.counts["rows"] += rows
                importer._bytes_read += read
                yield text
            elif kind == "end":
                rejected, odd, keys = body
                for line, cells, problems in rejected:
                    importer._reject(line, cells, problems)
                self.raw.odd.update(odd)
                for key in keys:
                    self.raw.keys.note(key)
                self.ended = True
                return
            elif kind == "refused":
                from .frame import FileRefused

                raise FileRefused(body[0])
            else:
                raise RuntimeError(f"reading the second half failed:\n{body[0]}")

    def stop(self):
        if self._alive():
            os.kill(self.pid, signal.SIGKILL)
            self.exitcode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        self.messages.close()


class _Noted(list):
    """The keys the second half reads, for the first half's `KeysSeen` to note after its own."""

    note = list.append


def _read_half(raw, path, offset, breaks, messages):
    """In the forked process: the rows from `offset` on, as `COPY` text, with the rows they
    hold and the bytes they were read from; then the rejected rows, odd rows and keys."""
    from .frame import FileRefused

    importer = raw.importer
    rejected = []
    importer._reject = lambda line, cells, problems: rejected.append((line, cells, problems))
    importer.report.counts["rows"] = 0
    importer._bytes_read = 0
    importer._read_until = None
    raw.odd, raw.keys = {}, _Noted()
    try:
        with open(path, "rb") as binary:
            binary.seek(offset)
            reader = csv.reader(importer._lines(binary, first=breaks + 1))
            rows = read = 0
            for text in raw._chunks(reader, offset=breaks):
                counts, position = importer.report.counts["rows"], importer._bytes_read
                messages.put(("chunk", text, counts - rows, position - read))
                rows, read = counts, position
        messages.put(("end", rejected, raw.odd, list(raw.keys)))
    except FileRefused as refusal:
        messages.put(("refused", str(refusal)))
    except Exception:  # noqa: BLE001 (told to the parent, which raises it)
        messages.put(("failed", traceback.format_exc()))
    messages.close()
    messages.join_thread()


def _fork(work):
    """The id of a forked process that runs `work()` and leaves by `os._exit`, whatever happens:
    0 if it returned, 1 if it raised."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    return pid


class Forked:
    """`function(*arguments)` run by a forked process while this one goes on, which hands its
    results back itself (a file both processes hold). Forked with `os.fork`, as the second
    half's reader is, so that a Celery worker's (daemonic) process gets a second CPU too: a
    multiprocessing pool refused it one, and the work then ran in one process. The function
    must not use the database: the child leaves through `os._exit`, which closes nothing of the
    parent's."""

    def __init__(self, function, *arguments):
        self.pid = _fork(lambda: function(*arguments))
        self.reaped = False

    def wait(self):
        """Once the child has ended: RuntimeError if it did not finish."""
        code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        self.reaped = True
        if code != 0:
            raise RuntimeError(f"the forked process ended ({code}) without its result")

    def stop(self):
        """Ends and reaps the child if it was not waited for (this process's own side failed):
        no process is left behind in a worker that lives on."""
        if self.reaped:
            return
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.reaped = True
