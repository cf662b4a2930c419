"""Streaming CSV downloads of lists with personal data, cells neutralised by config/csv.py:
written in batches, and each batch's tenants written to the access log before its rows are sent
(so what left is what was logged)."""

from itertools import islice

from django.http import StreamingHttpResponse

from .csv import safe_writer

BATCH = 1000


class _Echo:
    """A file-like object csv.writer writes to, handing each line back to be streamed."""

    def write(self, value):
        return value


def streaming_csv(*, filename, header, rows, row, log=None):
    """`rows`: a queryset (read with a server-side cursor); `row(obj)`: its CSV cells;
    `log(batch)`: called with each batch of objects before their lines are sent."""

    def lines():
        writer = safe_writer(_Echo())  # no cell runs as a spreadsheet formula
        yield writer.writerow(header)
        iterator = rows.iterator(chunk_size=BATCH)
        while batch := list(islice(iterator, BATCH)):
            if log is not None:
                log(batch)
            for obj in batch:
                yield writer.writerow(row(obj))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
