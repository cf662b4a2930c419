"""CSV files the app writes, safe to open in a spreadsheet (OWASP "CSV Injection").

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula: `=HYPERLINK("http://evil.example/","x")` from an import file
would become a live link in the rejected-rows file, and `-2+3` a sum. OWASP's advice is to
prefix such a cell with a single quote, which spreadsheets show as text. Every CSV the app writes
goes through `safe_writer`; the imports drop that quote again on reading (`unquote`), so a
rejected-rows file corrected and imported again reads `+44 20 7946 0001` as it was.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell as written: text that a spreadsheet would run as a formula is quoted."""
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
