"""A campaign list read through SQL (`imports.bulk`, `welfare.campaign_import_checks`) against the
frame's Python cleaning and matching of the same file: the same messages, the same rejected-rows
file, the same counts and the same list, whatever SQL passes and whatever it hands back to
Python. Names are compared as Python casefolds them, in the file and in the register."""

from datetime import date

import pytest
from django.db import connection, transaction

from tests import test_campaign_list as one_by_one
from tests.factories import TenantFactory
from welfare.campaign_import import CampaignListImport
from welfare.campaign_models import CampaignMember

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL reading is PostgreSQL's"),
]
BORN = date(1950, 5, 1)
# The same list on the same day as the tests of the Python reading.
campaign, clock = one_by_one.campaign, one_by_one.clock


@pytest.fixture
def register(patch, campaign):
    def tenant(ref, first, last, postcode="PR1 2AB", born=BORN):
        return TenantFactory(
            tenancy_ref=ref,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            postcode=postcode,
            patch=patch,
        )

    tenant("REF-1", "Ann", "Lee", born=date(1941, 3, 2))
    tenant("REF-2", "Ann", "Lee")
    tenant("REF-3", "Bob", "Lee")
    tenant("REF-4", "Greta", "Straße", postcode="FY8 1AB")
    tenant("REF-5", "Éamon", "Ó Súilleabháin", postcode="FY8 1AB")
    tenant("REF-6", "İlkay", "Yılmaz", postcode="M1 1AE")
    tenant("ref-7", "Low", "Case", postcode="M1 1AE")
    member = tenant("REF-8", "Already", "Listed", postcode="M1 1AE")
    CampaignMember.objects.create(campaign=campaign, tenant=member)
    tenant("REF-9", "Kim", "Park", postcode="M1 1AE", born=date(1960, 1, 1))


ROWS = [
    "REF-1,,,,",
    " ref-2 ,,,,",  # a reference matches the register's uppercased
    "ref-7,,,,",  # ...so a lowercase one in the register is never matched
    "NOPE-9,,,,",
    "BAD REF!,,,,",
    "DUP-1,,,,",
    "REF-8,,,,",  # already on the list
    ",Ann,LEE,01/05/1950,pr12ab",  # REF-2 again: already on the list
    ",,Lee,1950-05-01,PR1 2AB",  # two tenants
    ",Carl,Lee,1950-05-01,PR1 2AB",  # none
    ",,STRASSE,1950-05-01,fy81ab",  # casefolded in Python: "Straße" is "strasse"
    ",ÉAMON,ó súilleabháin,1/5/1950,FY8 1AB",
    ",i\u0307lkay,YILMAZ,1950-05-01,M1 1AE",  # "İ" casefolds to "i\u0307"; "ı" is not "i"
    ",i\u0307lkay,yılmaz,1950-05-01,M1 1AE",
    ",Kim,Park,1960-01-01,M1 1AE",
    ",Kim,Park,31/02/1960,M1 1AE",
    ",Kim,Park,0000-01-01,M1 1AE",
    ",Kim,Park,1960-1-01,M1 1AE",
    ",Kim,Park,1960-01-01,NOT A CODE",
    ",,Park,1960-01-01,",
    "," + "K" * 101 + ",Park,1960-01-01,M1 1AE",
    ",K\x00im,Park,1960-01-01,M1 1AE",  # PostgreSQL cannot hold it: read in Python
    "'\tREF-9,,,,",  # a quote the rejected-rows file put before a cell: read in Python
    "DUP-1,,,,",
    "REF-1,Too,Many,values,here,6",
    "REF-3,,,,",
    "DUP-1,,,,",
]
TEXT = "tenancy_ref,first_name,last_name,date_of_birth,postcode\n" + "\n".join(ROWS) + "\n"


def outcome(campaign, path, *, bulk, **options):
    errors = path.with_suffix(".errors.csv")
    original, read = CampaignListImport.bulk_reader, []
    CampaignListImport.bulk_reader = lambda self: read.append(1) or original(self) if bulk else None
    try:
        report = CampaignListImport(campaign=campaign, errors_out=errors, **options).run(path)
    finally:
        CampaignListImport.bulk_reader = original
    assert read == ([1] if bulk else [])
    return {
        "rejections": report.rejections,
        "counts": dict(report.counts),
        "written": report.written,
        # Python matches a batch after cleaning it, so its file has the rows that match no
        # tenant after the batch's other rejected rows; read through SQL, every row is in line
        # order. The same rows, with the same reasons.
        "errors": sorted(errors.read_text(encoding="utf-8").splitlines()),
        "members": sorted(
            CampaignMember.objects.filter(campaign=campaign).values_list(
                "tenant__tenancy_ref", flat=True
            )
        ),
    }


def both(campaign, path, **options):
    results = {}
    for bulk in (False, True):
        with transaction.atomic():
            results[bulk] = outcome(campaign, path, bulk=bulk, **options)
            transaction.set_rollback(True)
    assert results[True] == results[False]
    return results[True]


@pytest.mark.parametrize("options", [{"skip_invalid": True}, {}, {"dry_run": True}])
def test_sql_reading_matches_python_reading(tmp_path, campaign, register, options, monkeypatch):
    path = tmp_path / "list.csv"
    path.write_text(TEXT, encoding="utf-8")
    cleaned, clean = [], CampaignListImport._clean
    monkeypatch.setattr(
        CampaignListImport,
        "_clean",
        lambda self, line, cells: cleaned.append(line) or clean(self, line, cells),
    )

    result = both(campaign, path, **options)

    # Read through SQL, only the rows SQL does not pass are cleaned in Python: not the rows
    # matched by reference, by an ASCII name or by a name casefolded in Python.
    assert len(cleaned) > len(ROWS)  # the Python reading cleans every row first
    in_python = set(cleaned[len(ROWS) :])
    assert {23, 24} <= in_python and not {2, 3, 8, 9, 12, 13, 15, 16, 27} & in_python

    assert result["rejections"][:3] == [
        'line 4: tenancy_ref "ref-7" matches no tenant',
        'line 5: tenancy_ref "NOPE-9" matches no tenant',
        'line 6: tenancy_ref "BAD REF!" is not 1-20 letters, digits, "-" or "/"',
    ]
    assert 'line 7: tenancy_ref "DUP-1" is also on lines 25 and 28' in result["rejections"]
    assert "line 14: YILMAZ, born 01/05/1950, at M1 1AE matches no tenant" in result["rejections"]
    if options == {"skip_invalid": True}:
        assert result["members"] == ["REF-1", "REF-2", "REF-3", "REF-4", "REF-5"] + [
            "REF-6",
            "REF-8",
            "REF-9",
        ]
        # REF-8 was on the list; REF-2 is named twice; REF-9 by a quoted cell and by name.
        assert (result["counts"]["added"], result["counts"]["already on the list"]) == (7, 3)


def test_a_duplicated_reference_rejects_every_row_with_it_in_sql_too(tmp_path, campaign, register):
    path = tmp_path / "list.csv"
    path.write_text("tenancy_ref\nREF-1\nREF-2\nREF-1\nref-1\n", encoding="utf-8")

    result = both(campaign, path, skip_invalid=True)

    assert result["rejections"] == [
        'line 2: tenancy_ref "REF-1" is also on line 4',
        'line 4: tenancy_ref "REF-1" is already on line 2',
    ]
    # The key is the cell as given: "ref-1" is another key, and names REF-1 alone.
    assert result["members"] == ["REF-1", "REF-2", "REF-8"]  # REF-8 was on the list


def test_a_name_that_is_not_ascii_matches_as_python_casefolds_it(tmp_path, campaign, register):
    path = tmp_path / "list.csv"
    path.write_text(
        "last_name,date_of_birth,postcode\nSTRASSE,1950-05-01,FY8 1AB\n"
        "Ó SÚILLEABHÁIN,1950-05-01,FY8 1AB\n",
        encoding="utf-8",
    )

    result = both(campaign, path)

    assert result["rejections"] == []
    assert result["members"] == ["REF-4", "REF-5", "REF-8"]


def test_a_file_without_a_column_reports_rows_that_need_it(tmp_path, campaign, register):
    path = tmp_path / "list.csv"
    path.write_text("tenancy_ref,first_name\nREF-1,\n,Ann\n", encoding="utf-8")

    result = both(campaign, path, skip_invalid=True)

    assert result["rejections"] == [
        "line 3: give a tenancy_ref, or last_name, date_of_birth and postcode"
    ]
    assert result["members"] == ["REF-1", "REF-8"]


@pytest.mark.parametrize("bulk", [False, True])
def test_a_dry_run_counts_a_tenant_named_twice_once_whatever_the_batches(
    tmp_path, campaign, register, monkeypatch, bulk
):
    monkeypatch.setattr(CampaignListImport, "batch_size", 2)
    path = tmp_path / "list.csv"
    # Line 2 is read in Python (a quoted cell), the rest in SQL unless `bulk` is off.
    path.write_text(
        "tenancy_ref,last_name,date_of_birth,postcode\n'\tREF-1,,,\nREF-2,,,\nREF-3,,,\n"
        ",Lee,02/03/1941,PR1 2AB\nref-2,,,\n",
        encoding="utf-8",
    )
    counts = {}
    for dry_run in (True, False):
        with transaction.atomic():
            report = outcome(campaign, path, bulk=bulk, dry_run=dry_run)
            transaction.set_rollback(True)
        counts[dry_run] = report["counts"]

    assert counts[True] == counts[False]
    assert (counts[True]["added"], counts[True]["already on the list"]) == (3, 2)
