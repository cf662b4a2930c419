"""The tenant import read through SQL (`imports.bulk`, `tenants.import_checks`) against the
frame's Python cleaning of the same file: the same messages, the same rejected-rows file, the
same counts and the same tenants, whatever SQL passes and whatever it hands back to Python."""

import gc
import os

import pytest
from django.db import connection, transaction

from imports.bulk import RawRows
from tenants.importing import TenantImport
from tenants.models import Scheme, SupportProvider, Tenant, TenantImportRow
from tests.factories import SchemeFactory, TenantFactory
from tests.tenant_import_support import COLUMNS, History, csv_text, tenant_row

pytest_plugins = ["tests.tenant_import_support"]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL reading is PostgreSQL's"
)


def tricky_rows():
    rows = [
        tenant_row(tenancy_ref="OK-1"),
        tenant_row(tenancy_ref="  OK-2\t", first_name="\u00a0Edna ", postcode="pr12ab"),
        tenant_row(tenancy_ref="OK-3", email="o'brien@example.org", lifeline="Yes"),
        tenant_row(tenancy_ref="OK-4", email="warden@localhost", no_phone="TRUE", phone=""),
        tenant_row(tenancy_ref="OK-5", postcode="PR1\t2AB", date_of_birth="2/3/1941"),
        tenant_row(tenancy_ref="OK-6", address_line_1="'=SUM(A1)", patch="pr-rib"),
        tenant_row(tenancy_ref="OK-7", phone="+44 20 7946 0000", lives_alone="n"),
        # Cells COPY's text format must escape: a backslash, "\N", line breaks, a tab.
        tenant_row(
            tenancy_ref="OK-8",
            address_line_2="Flat 2\\B",
            interpreter_language="\\N",
            communication_needs=" Deaf;\nuses text\r\nonly\tplease ",
        ),
        tenant_row(tenancy_ref="BAD-1", email="not an email"),
        tenant_row(tenancy_ref="BAD-2", date_of_birth="31/02/1950"),
        tenant_row(tenancy_ref="BAD-3", date_of_birth="2999-01-01"),
        tenant_row(tenancy_ref="BAD-4", date_of_birth="1850-01-01"),
        tenant_row(tenancy_ref="BAD-5", date_of_birth="0000-01-01"),
        tenant_row(tenancy_ref="BAD-6", phone="01234"),
        tenant_row(tenancy_ref="BAD-7", first_name="Ed\x00na"),
        tenant_row(tenancy_ref="BAD-8", lifeline="maybe", patch="NOPE"),
        tenant_row(tenancy_ref="BAD-9", phone="", mobile=""),
        tenant_row(tenancy_ref="DUP-1"),
        tenant_row(tenancy_ref="DUP-1", first_name="Second"),
        tenant_row(tenancy_ref="BAD 10", scheme_type="sheltered"),
        tenant_row(tenancy_ref="BAD-11", scheme_name="Ribble View"),
        tenant_row(tenancy_ref="BAD-12", scheme_type="supported_living"),
        tenant_row(
            tenancy_ref="BAD-13",
            self_isolating_from="2020-05-02",
            self_isolating_until="2020-04-01",
        ),
        # A new scheme first named by a row with another problem: it sets nothing.
        tenant_row(
            tenancy_ref="SCH-1",
            scheme_type="supported_living",
            scheme_name="Ribble House",
            patch="NOPE",
        ),
        tenant_row(
            tenancy_ref="SCH-2",
            scheme_type="independent_living",
            scheme_name="ribble house",
            support_provider="Ribble Support",
        ),
        tenant_row(
            tenancy_ref="SCH-3",
            scheme_type="supported_living",
            scheme_name="Ribble House",
            support_provider="ribble support",
        ),
        # A new scheme first named by a row only Python reads (a quoted cell).
        tenant_row(
            tenancy_ref="SCH-4",
            scheme_type="supported_living",
            scheme_name="Fylde Court",
            address_line_2="'+1 flat",
        ),
        tenant_row(
            tenancy_ref="SCH-5", scheme_type="independent_living", scheme_name="Fylde Court"
        ),
        tenant_row(tenancy_ref="SCH-6", scheme_type="Supported_Living", scheme_name="FYLDE COURT"),
        tenant_row(tenancy_ref="SCH-7", scheme_type="supported_living", scheme_name="Held"),
        tenant_row(tenancy_ref="DUP-1", first_name="Third"),
        # A key on a row SQL reads and on a row only Python reads (a NUL character).
        tenant_row(tenancy_ref="DUP-2"),
        tenant_row(tenancy_ref="DUP-2", first_name="Ma\x00ry"),
    ]
    text = csv_text(rows, newline="\r\n")
    return text + "\r\n" + "WIDE-1,Too,Many,1941-03-12\r\n" + ",,,\r\n"


def outcome(path, *, bulk, **options):
    errors = path.with_suffix(".errors.csv")
    original, checked = TenantImport.bulk_reader, []
    TenantImport.bulk_reader = lambda self: checked.append(1) or original(self) if bulk else None
    try:
        report = TenantImport(errors_out=errors, **options).run(path)
    finally:
        TenantImport.bulk_reader = original
    assert checked == ([1] if bulk else [])
    tenants = sorted(
        Tenant.objects.values_list(
            *[
                c
                for c in COLUMNS
                if c not in {"scheme_type", "scheme_name", "patch", "support_provider"}
            ],
            "scheme__name",
            "scheme__type",
            "scheme__support_provider__name",
            "support_provider__name",
            "patch__code",
        )
    )
    history = sorted(History.objects.values_list("tenancy_ref", "history_type"))
    return {
        "rejections": report.rejections,
        "counts": dict(report.counts),
        "errors": errors.read_text(encoding="utf-8"),
        "tenants": tenants,
        "history": history,
        "schemes": sorted(Scheme.objects.values_list("name", "type")),
        "providers": sorted(SupportProvider.objects.values_list("name", flat=True)),
    }


@pytest.mark.parametrize("options", [{"skip_invalid": True}, {}, {"dry_run": True}])
def test_sql_reading_matches_python_reading(write, ribble, options):
    SchemeFactory(name="Held", type=Scheme.Type.INDEPENDENT_LIVING)
    path = write(tricky_rows())
    results = {}
    for bulk in (False, True):
        with transaction.atomic():
            results[bulk] = outcome(path, bulk=bulk, **options)
            transaction.set_rollback(True)

    assert results[True] == results[False]
    assert results[True]["rejections"]  # the file has rows of every kind
    if options == {"skip_invalid": True}:
        refs = {row[0] for row in results[True]["tenants"]}
        assert {"OK-1", "OK-2", "OK-3", "OK-4", "OK-5", "OK-6", "OK-7", "OK-8", "SCH-2"} <= refs


def test_keys_sharing_a_bit_are_not_duplicates(write, ribble, monkeypatch):
    # An 8-bit map: most keys land on a bit another key set, and are checked as candidates.
    from imports.bulk import KeysSeen

    monkeypatch.setattr(KeysSeen, "size", 8)
    path = write(tricky_rows())
    results = {}
    for bulk in (False, True):
        with transaction.atomic():
            results[bulk] = outcome(path, bulk=bulk, skip_invalid=True)
            transaction.set_rollback(True)

    assert results[True] == results[False]
    duplicated = [message for message in results[True]["rejections"] if "DUP-" in message]
    assert len(duplicated) == 5  # DUP-1 three times, DUP-2 twice; no other key


@pytest.fixture
def halves(monkeypatch):
    """Every file read in two halves (`imports.halves`): the halves started, and the times a
    file was read again because the split fell inside a quoted cell."""
    from imports import bulk
    from imports import halves as module

    seen = {"halves": 0, "again": 0}
    started, truncate = module.SecondHalf.__init__, bulk.RawRows._execute_on_raw

    def counted_start(self, *args):
        started(self, *args)
        seen["halves"] += 1  # the second half's reader is running

    def counted_truncate(self, sql):
        seen["again"] += sql.startswith("TRUNCATE")
        truncate(self, sql)

    monkeypatch.setattr(module, "SPLIT_AT", 1)
    monkeypatch.setattr(module.SecondHalf, "__init__", counted_start)
    monkeypatch.setattr(bulk.RawRows, "_execute_on_raw", counted_truncate)
    return seen


def outcomes(path, **options):
    results = {}
    for bulk in (False, True):
        with transaction.atomic():
            results[bulk] = outcome(path, bulk=bulk, **options)
            transaction.set_rollback(True)
    return results


@pytest.mark.parametrize("options", [{"skip_invalid": True}, {}])
def test_a_file_read_in_two_halves_reads_as_one(write, ribble, halves, options):
    SchemeFactory(name="Held", type=Scheme.Type.INDEPENDENT_LIVING)
    rows = tricky_rows()
    # The same rows again under other references: duplicates across the halves, and more.
    path = write(rows + rows.split("\r\n", 1)[1].replace("OK-", "AGAIN-"))

    results = outcomes(path, **options)

    assert halves == {"halves": 1, "again": 0}
    assert results[True] == results[False]
    assert any("DUP-1" in message for message in results[True]["rejections"])


def test_a_split_inside_a_quoted_cell_reads_the_file_again(write, ribble, halves):
    # A stray quote in an unquoted cell (read as a character) makes every line break after it
    # look inside a quoted cell, until the line break inside the last row's quoted cell.
    header, first = csv_text([tenant_row(tenancy_ref="Q-0")]).splitlines()
    lines = [header, first.replace("Margaret", 'Mar"garet')]
    lines += [first.replace("Q-0", f"Q-{n}") for n in range(1, 40)]
    lines.append(
        csv_text([tenant_row(tenancy_ref="Q-40", communication_needs="Deaf;\nuses text")]).split(
            "\n", 1
        )[1]
    )
    path = write("\n".join(lines))

    results = outcomes(path, skip_invalid=True)

    assert halves == {"halves": 1, "again": 1}
    assert results[True] == results[False]
    assert len(results[True]["tenants"]) == 41


def test_a_second_half_in_another_encoding_is_refused_with_its_line(write, ribble, halves):
    text = csv_text([tenant_row(tenancy_ref=f"E-{n}") for n in range(20)])
    last = text.splitlines()[-1].replace("E-19", "E-20").replace("Margaret", "Zo\xe9")
    path = write(text.encode() + last.encode("latin-1") + b"\n")

    report = TenantImport().run(path)

    assert halves == {"halves": 1, "again": 0}
    assert report.refused.startswith("the file must be UTF-8, and line 22 is not")
    assert not Tenant.objects.exists()
    assert gc.isenabled()  # off while the rows were read, on again after the refusal


def test_the_garbage_collector_is_off_while_rows_are_read_and_on_after(write, ribble, monkeypatch):
    seen = []
    chunks = RawRows._chunks

    def noting(self, *args, **kwargs):
        for chunk in chunks(self, *args, **kwargs):
            seen.append(gc.isenabled())
            yield chunk

    monkeypatch.setattr(RawRows, "_chunks", noting)
    report = TenantImport().run(write(csv_text([tenant_row(tenancy_ref="GC-1")])))

    assert report.counts["created"] == 1
    assert seen == [False]
    assert gc.isenabled()


def test_a_daemonic_process_reads_in_two_halves_too(write, ribble, halves, monkeypatch):
    # A Celery worker's processes are daemonic: multiprocessing would refuse them a child.
    import multiprocessing

    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    path = write(csv_text([tenant_row(tenancy_ref=f"W-{n}") for n in range(20)]))

    report = TenantImport().run(path)

    assert halves == {"halves": 1, "again": 0}
    assert report.counts["created"] == 20
    assert sorted(Tenant.objects.values_list("tenancy_ref", flat=True)) == sorted(
        f"W-{n}" for n in range(20)
    )


def test_a_second_half_reader_that_dies_stops_the_import(write, ribble, halves, monkeypatch):
    import os

    from imports import halves as module

    monkeypatch.setattr(module, "_read_half", lambda *args: os._exit(3))
    path = write(csv_text([tenant_row(tenancy_ref=f"D-{n}") for n in range(20)]))

    with pytest.raises(RuntimeError, match="ended"):
        TenantImport().run(path)
    assert not Tenant.objects.exists()


def test_columns_blank_in_every_row_read_as_in_python(write, ribble):
    rows = [
        tenant_row(tenancy_ref="B-1", date_of_birth="", phone="", no_phone="Y"),
        tenant_row(tenancy_ref="B-2", date_of_birth="", phone="", no_phone="Y"),
    ]
    path = write(csv_text(rows))

    results = outcomes(path, skip_invalid=True)

    assert results[True] == results[False]
    assert results[True]["counts"]["rejected"] == 2  # the date of birth is required


def test_a_re_import_through_sql_changes_nothing(write, run, ribble):
    path = write(
        csv_text([tenant_row(tenancy_ref=f"RE-{n}", email=f"t{n}@example.org") for n in range(20)])
    )
    assert run(path)[0] == 0
    history = History.objects.count()

    code, out, _err = run(path)

    assert code == 0
    assert "created 0, updated 0, unchanged 20" in out
    assert History.objects.count() == history


PHONE_CELLS = [
    "01772 555 010",
    "01234",
    "+44 20 7946 0000",
    "020 7946 0001",
    "not a phone",
    "0113 496 0002",
    "0161 496 0003",
]


def test_ten_digit_numbers_are_checked_as_a_full_parse_checks_them():
    from imports.cells import _checked_phone
    from tenants.import_phones import _valid_phones

    cells = [
        *PHONE_CELLS,
        "01772555010",
        "+441772555010",
        "+44 1772 555010",
        "01481 723456",  # Guernsey, Jersey and the Isle of Man share +44
        "01534 612345",
        "07624 312345",
        "0800 123 456",  # nine digits: parsed in full
        "07700 900123",  # Ofcom's drama mobiles: not in use
        "07412 345678",
        "09012 345678",
        "03000 123456",
        "00441772555010",
        "+44 (0)1772 555010",
        "1772 555010",
        "01772 5550101",
        "0 1772 555 010",
        "01\uff17\uff17\uff12 \uff15\uff15\uff15\uff10\uff11\uff10",  # fullwidth digits
    ]
    expected = [
        (cell, number.e164) for cell in cells if (number := _checked_phone.__wrapped__(cell))
    ]

    assert list(_valid_phones(cells)) == expected
    assert ("01481 723456", "+441481723456") in expected
    assert expected[-1] == (cells[-1], "+441772555010")  # other digits, written as ASCII


def test_a_number_is_held_valid_as_libphonenumber_holds_it():
    import phonenumbers

    from imports.cells import held_valid

    # Nine- and ten-digit numbers across every +44 range, and through the ranges of Guernsey,
    # Jersey and the Isle of Man, which share +44.
    national = [
        *range(100_000_000, 1_000_000_000, 97_001),
        *range(1_000_000_000, 10_000_000_000, 450_011),
        *(
            prefix * 10**6 + n
            for prefix in (1481, 7781, 7839, 1534, 7797, 7700, 1624, 7624, 7524, 7924)
            for n in range(0, 10**6, 99_991)
        ),
        *(74576 * 10**5 + n for n in range(0, 10**5, 9_973)),
    ]
    numbers = [phonenumbers.PhoneNumber(country_code=44, national_number=n) for n in national]
    answers = [phonenumbers.is_valid_number(number) for number in numbers]

    assert [held_valid(number) for number in numbers] == answers
    regions = {
        phonenumbers.region_code_for_number(n) for n, ok in zip(numbers, answers, strict=True) if ok
    }
    assert regions == {"GB", "GG", "JE", "IM"}
    assert 0 < answers.count(True) < len(answers)


@pytest.mark.parametrize("daemonic", [False, True])
def test_many_phone_numbers_are_checked_over_two_processes(monkeypatch, daemonic):
    # A Celery worker's processes are daemonic: a multiprocessing pool refused them a child.
    import multiprocessing

    from tenants import import_phones

    if daemonic:
        monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    monkeypatch.setattr(import_phones, "_PHONES_PER_PROCESS", 3)
    one_process = list(import_phones._valid_phones(PHONE_CELLS))

    assert list(import_phones.checked_phones(PHONE_CELLS)) == one_process
    assert ("+44 20 7946 0000", "+442079460000") in one_process

    monkeypatch.setattr(
        import_phones, "_valid_phones", lambda cells: ((cell, str(os.getpid())) for cell in cells)
    )
    checked_by = dict(import_phones.checked_phones(PHONE_CELLS))
    assert list(checked_by) == PHONE_CELLS  # every cell, in order
    assert len(set(checked_by.values())) == 2
    assert checked_by[PHONE_CELLS[0]] == str(os.getpid())


def test_a_phone_check_whose_process_fails_stops_the_import(monkeypatch):
    from tenants import import_phones

    monkeypatch.setattr(import_phones, "_PHONES_PER_PROCESS", 3)
    original = import_phones._valid_phones
    parent = os.getpid()

    def check(cells):
        if os.getpid() != parent:
            raise ValueError("libphonenumber failed")
        return original(cells)

    monkeypatch.setattr(import_phones, "_valid_phones", check)
    with pytest.raises(RuntimeError, match="without its result"):
        list(import_phones.checked_phones(PHONE_CELLS))


def test_a_phone_check_given_up_half_way_leaves_no_process_behind(monkeypatch):
    from imports import halves
    from tenants import import_phones

    monkeypatch.setattr(import_phones, "_PHONES_PER_PROCESS", 3)
    started, forked = [], halves.Forked
    monkeypatch.setattr(
        halves, "Forked", lambda *args: started.append(forked(*args)) or started[-1]
    )
    pairs = import_phones.checked_phones(PHONE_CELLS)
    next(pairs)  # the COPY taking them fails here, say

    pairs.close()

    assert len(started) == 1
    with pytest.raises(ChildProcessError):  # reaped: no such child any more
        os.waitpid(started[0].pid, os.WNOHANG)


def test_a_first_import_numbers_the_tenants_in_line_order_and_the_sequence_goes_on(
    write, run, ribble
):
    # A cell over two lines, a rejected row and a row only the Python cleaning passes (staged
    # after the rows SQL passed): ids follow the lines, gaps and all.
    rows = [tenant_row(tenancy_ref=f"FIRST-{n}") for n in range(4)]
    rows[1]["address_line_2"] = "Flat 2\nThe Mews"  # lines 3 and 4
    rows[2]["date_of_birth"] = "31/02/1950"  # line 5
    rows[3]["email"] = "warden@localhost"  # line 6
    TenantFactory().delete()  # an empty register whose history holds a tenant's two rows
    assert not Tenant.objects.exists()
    earlier = max(History.objects.values_list("history_id", flat=True))

    code, out, _err = run(write(csv_text(rows)), "--skip-invalid")

    assert code == 0
    assert "created 3" in out
    imported = list(Tenant.objects.order_by("id").values_list("id", "tenancy_ref"))
    assert [ref for _id, ref in imported] == ["FIRST-0", "FIRST-1", "FIRST-3"]
    assert [pk - imported[0][0] for pk, _ref in imported] == [0, 1, 4]  # lines 2, 3 and 6
    history = History.objects.filter(history_id__gt=earlier).order_by("history_id")
    history = list(history.values_list("history_id", "id", "tenancy_ref", "history_type"))
    assert [row[1:] for row in history] == [(pk, ref, "+") for pk, ref in imported]
    # The history's ids follow the lines too, after the rows it held.
    assert [row[0] - history[0][0] for row in history] == [0, 1, 4]
    remembered = TenantImportRow.objects.order_by("tenant_id").values_list("tenant_id", flat=True)
    # The rows SQL passed are remembered; one cleaned in Python is checked in full next time.
    assert list(remembered) == [pk for pk, _ref in imported[:2]]
    later = TenantFactory()
    assert later.pk > imported[-1][0]
    assert later.history.get().history_id > history[-1][0]

    more = [tenant_row(tenancy_ref="FIRST-0"), tenant_row(tenancy_ref="NEXT-1")]
    code, out, _err = run(write(csv_text(more), name="more.csv"))

    assert code == 0
    assert Tenant.objects.get(tenancy_ref="NEXT-1").pk > later.pk
