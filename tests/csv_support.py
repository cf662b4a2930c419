"""Reading a CSV download in a test, as a spreadsheet would: its rows as dicts by header, or as
lists of cells. Every download starts with the UTF-8 byte-order mark (config/csv.py), which
Excel needs to read it as UTF-8; `text` checks it is there and takes it off."""

import codecs
import csv
import io


def body(response):
    """The download's bytes (streamed or not), after checking it is a CSV download."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    streamed = getattr(response, "streaming", False)
    return b"".join(response.streaming_content) if streamed else response.content


def text(response):
    """The download as text, without the byte-order mark it must start with."""
    data = body(response)
    assert data.startswith(codecs.BOM_UTF8), "a CSV download starts with the UTF-8 BOM"
    return data[len(codecs.BOM_UTF8) :].decode()


def rows(response):
    """The rows of a CSV download as dicts by header."""
    return list(csv.DictReader(io.StringIO(text(response))))


def lines(response):
    """The rows of a CSV download as lists of cells, the header first."""
    return list(csv.reader(io.StringIO(text(response))))
