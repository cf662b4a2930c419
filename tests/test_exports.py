"""CSV downloads are safe to open in a spreadsheet (issue 16, finding 4; OWASP CSV injection)."""

import csv
import io
import re
from pathlib import Path

import pytest

from config.csv import csv_response, neutralise, safe_writer
from config.csv_export import streaming_csv
from services.models import Service
from tests import csv_support

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example/","x")',
        "-2+3",
        "+44 cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell):
    out = io.StringIO()
    safe_writer(out).writerow(["Name", cell])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["Name", "'" + cell]


@pytest.mark.parametrize("value", ["Ashworth", "O'Neill", "PR1 2AB", "", 3, -12, None])
def test_ordinary_text_and_numbers_are_unchanged(value):
    assert neutralise(value) == value


def test_csv_response_is_a_named_download_with_neutralised_cells():
    response = csv_response("export.csv", [["Team", "Count"], ["=1+1", 3]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert csv_support.lines(response) == [
        ["Team", "Count"],
        ["'=1+1", "3"],
    ]


@pytest.mark.django_db
def test_every_download_starts_with_the_byte_order_mark_excel_needs():
    # Without it Excel on Windows reads the file as Windows-1252: "Women’s" shows as
    # "Womenâ€™s". With it, the first header cell is still just "service".
    Service.objects.create(name="Women’s refuge", slug="womens-refuge")
    plain = csv_response("services.csv", [["service"], ["Women’s refuge"]])
    streamed = streaming_csv(
        filename="services.csv",
        header=["service"],
        rows=Service.objects.filter(slug="womens-refuge"),
        row=lambda service: [service.name],
    )
    for response in (plain, streamed):
        body = csv_support.body(response)
        assert body.startswith(b"\xef\xbb\xbfservice\r\n")
        assert body.count(b"\xef\xbb\xbf") == 1
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [
            ["service"],
            ["Women’s refuge"],
        ]


def test_no_csv_is_written_without_the_helper():
    # One helper for every export: a bare csv.writer elsewhere would skip the neutralising.
    # The tenant import's rejected-rows file is changed with the import code itself, and
    # imports/bulk.py writes rows for PostgreSQL's COPY, never a file a person opens.
    copy_input = ROOT / "imports" / "bulk.py"
    bare = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ROOT.iterdir()
        if (app / "apps.py").exists() or app.name == "config"
        for path in app.rglob("*.py")
        if bare.search(path.read_text())
        and path not in (ROOT / "config" / "csv.py", copy_input)
        and not path.name.startswith("import")
    ]
    assert offenders == []
