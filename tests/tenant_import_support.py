"""What the tenant import's tests share: rows of the tenant file, files written from them, and
the command run on them. The fixtures are imported by name into each test module."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tenants.models import PatchArea, Tenant

SAMPLE = Path(__file__).parent.parent / "tenants" / "formats" / "tenants-sample.csv"
History = Tenant.history.model

COLUMNS = [
    "tenancy_ref",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "mobile",
    "email",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "scheme_type",
    "scheme_name",
    "support_provider",
    "lifeline",
    "self_isolating_from",
    "self_isolating_until",
    "interpreter_language",
    "communication_needs",
    "tenancy_end_date",
    "no_phone",
    "lives_alone",
    "patch",
]


def tenant_row(**cells):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        tenancy_ref="PHG-0900101",
        first_name="Margaret",
        last_name="Holt",
        date_of_birth="1941-03-12",
        phone="01772 555 010",
        address_line_1="12 Ribble Court",
        town="Preston",
        postcode="PR1 2AB",
    )
    row.update(cells)
    return row


def csv_text(rows, columns=None, newline="\n", header=None):
    columns = columns or COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header or columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


@pytest.fixture
def write(tmp_path):
    def write(content, name="tenants.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def run():
    def run(path, *args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_tenants", str(path), *args, stdout=out, stderr=err)
            code = 0
        except CommandError as error:
            err.write(str(error))
            code = error.returncode
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def import_rows(write, run):
    """Import `rows` (dicts of cells) as a file and return the command's (code, out, err)."""

    def import_rows(rows, *args, columns=None):
        return run(write(csv_text(rows, columns)), *args)

    return import_rows


@pytest.fixture
def ribble(patch):
    PatchArea.objects.create(outward_code="PR1", patch=patch)
    return patch


def rejected_messages(err):
    return [line for line in err.splitlines() if line.startswith("line ")]
