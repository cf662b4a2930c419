"""Every CSV the service writes goes through here, so no cell runs as a spreadsheet formula.

OWASP's CSV injection guidance: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is read as a formula by Excel, LibreOffice and Google Sheets
(`=HYPERLINK("http://evil.example/","x")`, `-2+3`); a leading single quote makes it plain text.
Numbers written as numbers (a count, a negative balance) are left alone: only text is a risk.
The imports drop that quote again on reading (`unquote`), so a rejected-rows file corrected and
imported again reads `+44 20 7946 0001` as it was.

Every download starts with the UTF-8 byte-order mark: without it Excel on Windows reads the file
as Windows-1252 and shows "Women’s" as "Womenâ€™s". LibreOffice, Google Sheets, Numbers and
Python's `utf-8-sig` take the mark as what it is, and our own imports drop it.
"""

import csv

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The byte-order mark, as text: written first, it is encoded as EF BB BF.
BOM = "\ufeff"


def neutralise(value):
    """The cell as it should be written: text that a spreadsheet would run gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote(value):
    """A cell as read back: the quote `neutralise` added is taken off again."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    """`csv.writer` with every cell neutralised; the same `writerow` and `writerows`."""

    def __init__(self, file, *args, **kwargs):
        self._writer = csv.writer(file, *args, **kwargs)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def safe_writer(file, *args, **kwargs):
    """A CSV writer for `file` whose cells cannot run as spreadsheet formulas."""
    return SafeWriter(file, *args, **kwargs)


def csv_response(filename, rows=()):
    """A download of `rows` named `filename`; write more rows with `safe_writer(response)`."""
    response = HttpResponse(BOM, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    safe_writer(response).writerows(rows)
    return response
