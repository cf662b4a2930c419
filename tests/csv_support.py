"""Reading a CSV download in a test, as a spreadsheet would: its rows as dicts by header."""

import csv
import io


def rows(response):
    """The rows of a CSV download (streamed or not), after checking it is one."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    streamed = getattr(response, "streaming", False)
    body = b"".join(response.streaming_content) if streamed else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))
