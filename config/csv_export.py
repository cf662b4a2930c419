"""Streaming CSV downloads of lists with personal data, cells neutralised by config/csv.py:
written in batches, and each batch's tenants written to the access log before its rows are sent
(so what left is what was logged)."""

from contextlib import contextmanager
from itertools import islice

from django.db import connection
from django.http import HttpResponseBadRequest, StreamingHttpResponse

from .csv import BOM, safe_writer

BATCH = 1000


class _Echo:
    """A file-like object csv.writer writes to, handing each line back to be streamed."""

    def write(self, value):
        return value


@contextmanager
def _planned_for_every_row():
    """A download reads every row: PostgreSQL plans its server-side cursor for all of them
    (cursor_tuple_fraction 1), not for the first tenth, which at half a million tenants
    chose an index probe per row over one hash join (about 3 times slower)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")


def streaming_csv(*, filename, header, rows, row, log=None):
    """`rows`: a queryset (read with a server-side cursor); `row(obj)`: its CSV cells;
    `log(batch)`: called with each batch of objects before their lines are sent."""

    def lines():
        writer = safe_writer(_Echo())  # no cell runs as a spreadsheet formula
        yield BOM + writer.writerow(header)  # so Excel reads the file as UTF-8
        with _planned_for_every_row():
            iterator = rows.iterator(chunk_size=BATCH)
            while batch := list(islice(iterator, BATCH)):
                if log is not None:
                    log(batch)
                for obj in batch:
                    yield writer.writerow(row(obj))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def refused_download(form):
    """The answer to a download whose filter (`config.forms.FilterForm`) was refused: nothing
    listed, and why in plain text, never the whole list passing for the one asked for."""
    errors = "; ".join(
        f"{form.fields[key].label}: {' '.join(messages)}"
        if key in form.fields
        else " ".join(messages)
        for key, messages in form.errors.items()
    )
    return HttpResponseBadRequest(
        f"No CSV: the filter has a value that is not one of its choices ({errors}).",
        content_type="text/plain; charset=utf-8",
    )


def download_query(query):
    """A list page's filters (its GET) for its "Download as CSV" link: every page, so without
    the page number."""
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()
