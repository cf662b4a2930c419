"""Arrears (issue 8): money, the rent balance import, flags and their pages, the morning reviews
job on a real worker, and who sees amounts (income officers and managers only)."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from arrears.actions import REVIEWS_LOCK_KEY, flag_raise, mark_reviews_due
from arrears.importing import RentBalanceImport
from arrears.models import ArrearsFlag, RentBalance, ReviewChange, SupportOffer
from arrears.money import NotAnAmount, format_pounds, parse_pounds
from conftest import sign_in
from tests.factories import (
    ArrearsFlagFactory,
    HelpRequestFactory,
    IncomeOfficerFactory,
    RentBalanceFactory,
    SupportOfferFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "rent-balances-sample.csv"
# The sample file's balances are as at 16 November 2026: its import runs a week later.
SAMPLE_WEEK = "2026-11-23 09:00 +00:00"
POUND_AMOUNT = re.compile(r"£\s*-?\d")


@pytest.fixture
def tenant(patch):
    return TenantFactory(
        first_name="Margaret", last_name="Holt", tenancy_ref="PHG-000101", patch=patch
    )


@pytest.fixture
def outsider(other_patch):
    return TenantFactory(
        first_name="Agnieszka", last_name="Nowak", tenancy_ref="PHG-000103", patch=other_patch
    )


@pytest.fixture
def flag(tenant, income_officer):
    return ArrearsFlagFactory(tenant=tenant, raised_by=income_officer)


@pytest.fixture
def other_flag(outsider):
    return ArrearsFlagFactory(tenant=outsider)


@pytest.fixture
def other_income_client(client, other_team):
    return sign_in(client, IncomeOfficerFactory(username="ines", team=other_team))


def date_fields(name, day):
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def text_of(response):
    return response.content.decode()


# Money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("£1,234.56", "1234.56"),
        ("£1,204.37", "1204.37"),
        ("-12.00", "-12.00"),
        ("-23.10", "-23.10"),
        ("1,234.5", "1234.50"),
        ("0.00", "0.00"),
        ("0", "0.00"),
        ("12", "12.00"),
        ("12.", "12.00"),
        (".5", "0.50"),
        ("-£12", "-12.00"),
        ("£-12.00", "-12.00"),
        ("\u221212.00", "-12.00"),  # a typographic minus, as a spreadsheet may write it
        ("  £1,000,000.01 ", "1000000.01"),
        ("-0.00", "0.00"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_amounts_are_read_exactly_to_the_penny(text, expected):
    amount = parse_pounds(text)

    assert isinstance(amount, Decimal)
    assert str(amount) == expected  # two places, exactly: never through a float


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not an amount in pounds and pence"),
        ("abc", "is not an amount in pounds and pence"),
        ("£", "is not an amount in pounds and pence"),
        (".", "is not an amount in pounds and pence"),
        ("12.345", "has more than 2 decimal places"),
        ("£1,234.567", "has more than 2 decimal places"),
        ("0.005", "has more than 2 decimal places"),
        ("1,23.45", "is not an amount in pounds and pence"),
        ("12,34", "is not an amount in pounds and pence"),
        ("1 234", "is not an amount in pounds and pence"),
        ("1e3", "is not an amount in pounds and pence"),
        ("NaN", "is not an amount in pounds and pence"),
        ("Infinity", "is not an amount in pounds and pence"),
        ("--12", "is not an amount in pounds and pence"),
        ("-£-12", "is not an amount in pounds and pence"),
        ("$12.00", "is not an amount in pounds and pence"),
        ("12.00 GBP", "is not an amount in pounds and pence"),
        ("(12.00)", "is not an amount in pounds and pence"),
        ("١٢", "is not an amount in pounds and pence"),  # digits, but not ASCII ones
        ("10000000000.00", "is too large"),
    ],
)
def test_anything_else_is_refused(text, message):
    with pytest.raises(NotAnAmount, match=re.escape(message)):
        parse_pounds(text)


def test_amounts_are_shown_with_pound_sign_and_thousands():
    assert format_pounds(Decimal("1204.37")) == "£1,204.37"
    assert format_pounds(Decimal("-23.1")) == "-£23.10"
    assert format_pounds(Decimal("0")) == "£0.00"


# The rent balance import -------------------------------------------------------------------


@pytest.fixture
def write(tmp_path):
    def write(content, name="balances.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def run():
    def run(path, *args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_rent_balances", str(path), *args, stdout=out, stderr=err)
            code = 0
        except CommandError as error:
            err.write(str(error))
            code = error.returncode
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def three_tenants(patch, other_patch):
    return [
        TenantFactory(tenancy_ref=ref, patch=patch)
        for ref in ("PHG-000101", "PHG-000102", "PHG-000103")
    ]


def rejected(err):
    """The messages in line order (rows refused by the database checks are reported when their
    batch is checked, after the cells of the rows read since)."""
    lines = [line for line in err.splitlines() if line.startswith("line ")]
    return sorted(lines, key=lambda line: int(line.split(":")[0].split()[1]))


def balances():
    return {
        (b.tenant.tenancy_ref, b.as_at): (b.balance, b.weekly_rent)
        for b in RentBalance.objects.select_related("tenant")
    }


@pytest.fixture
def travel():
    with time_machine.travel(SAMPLE_WEEK, tick=False):
        yield


HEADER = "tenancy_ref,balance,as_at,weekly_rent\n"


@pytest.mark.usefixtures("travel")
class TestImport:
    def test_the_sample_file_imports_every_row_exactly(self, run, three_tenants):
        code, out, err = run(SAMPLE)

        assert code == 0, err
        assert "created 3, updated 0, unchanged 0, ignored 0, rejected 0" in out
        as_at = date(2026, 11, 16)
        assert balances() == {
            ("PHG-000101", as_at): (Decimal("0.00"), Decimal("98.50")),
            ("PHG-000102", as_at): (Decimal("1204.37"), Decimal("112.10")),
            ("PHG-000103", as_at): (Decimal("-23.10"), Decimal("105.00")),
        }

    def test_a_byte_order_mark_crlf_and_header_case_are_read(self, write, run, tenant):
        text = "\ufeff Tenancy_Ref ,BALANCE,As_At,Notes\r\nPHG-000101,£12.50,16/11/2026,x\r\n"

        code, out, err = run(write(text))

        assert code == 0, err
        assert "Ignored unknown columns: Notes" in out
        assert balances() == {("PHG-000101", date(2026, 11, 16)): (Decimal("12.50"), None)}

    def test_blank_lines_are_skipped_and_lines_keep_their_numbers(self, write, run, tenant):
        text = HEADER + "PHG-000101,1.00,2026-11-16,\n\n   \nPHG-000101,oops,2026-11-09,\n"

        code, out, err = run(write(text))

        assert code == 1
        assert rejected(err) == [
            'line 5: balance "oops" is not an amount in pounds and pence',
        ]

    def test_a_file_in_another_encoding_is_refused(self, write, run, tenant):
        text = HEADER + "PHG-000101,£12.50,2026-11-16,\n"

        code, out, err = run(write(text, encoding="cp1252"))

        assert code == 1
        assert "refused: the file must be UTF-8, and line 2 is not" in err
        assert not RentBalance.objects.exists()

    def test_a_missing_required_column_refuses_the_file(self, write, run, tenant):
        code, out, err = run(write("tenancy_ref,balance\nPHG-000101,1.00\n"))

        assert code == 1
        assert "refused: line 1: the file has no as_at column" in err

    def test_every_broken_cell_is_reported_with_its_line(self, write, run, tenant):
        tomorrow = timezone.localdate() + timedelta(days=1)
        text = (
            HEADER
            + "PHG-000101,12.345,2026-11-16,\n"
            + f"PHG-000101,1.00,{tomorrow:%Y-%m-%d},\n"
            + "PHG-000101,1.00,31/02/2026,\n"
            + "PHG-000101,,2026-11-16,-5.00\n"
            + "NOPE-1,1.00,2026-11-16,\n"
            + "PHG 1,1.00,2026-11-16,\n"
        )

        code, out, err = run(write(text))

        assert code == 1
        assert rejected(err) == [
            'line 2: balance "12.345" has more than 2 decimal places',
            f'line 3: as_at "{tomorrow:%Y-%m-%d}" is in the future',
            'line 4: as_at "31/02/2026" is not a date',
            "line 5: balance is blank",
            'line 5: weekly_rent "-5.00" is negative',
            'line 6: tenancy_ref "NOPE-1" is not a tenancy the register holds',
            'line 7: tenancy_ref "PHG 1" is not 1-20 letters, digits, "-" or "/"',
        ]
        assert "Nothing imported: 6 rows rejected" in err

    def test_one_bad_row_imports_nothing(self, write, run, three_tenants):
        text = HEADER + "PHG-000101,1.00,2026-11-16,\nNOPE-1,2.00,2026-11-16,\n"

        code, out, err = run(write(text))

        assert code == 1
        assert not RentBalance.objects.exists()

    def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(
        self, write, run, three_tenants, tmp_path
    ):
        text = HEADER + "PHG-000101,1.00,2026-11-16,\nNOPE-1,2.00,2026-11-16,\n"
        errors = tmp_path / "rejected.csv"

        code, out, err = run(write(text), "--skip-invalid", "--errors-out", str(errors))

        assert code == 0, err
        assert "created 1, updated 0, unchanged 0, ignored 0, rejected 1" in out
        assert rejected(err) == ['line 3: tenancy_ref "NOPE-1" is not a tenancy the register holds']
        assert list(balances()) == [("PHG-000101", date(2026, 11, 16))]
        assert errors.read_text().splitlines() == [
            "tenancy_ref,balance,as_at,weekly_rent,reason",
            'NOPE-1,2.00,2026-11-16,,"tenancy_ref ""NOPE-1"" is not a tenancy the register holds"',
        ]

    def test_errors_out_writes_the_rejected_rows_even_when_nothing_is_imported(
        self, write, run, tenant, tmp_path
    ):
        errors = tmp_path / "rejected.csv"
        text = HEADER + "PHG-000101,£1.234,2026-11-16,\n"

        code, out, err = run(write(text), "--errors-out", str(errors))

        assert code == 1
        assert errors.read_text().splitlines()[1] == (
            'PHG-000101,£1.234,2026-11-16,,"balance ""£1.234"" has more than 2 decimal places"'
        )

    def test_dry_run_checks_and_writes_nothing(self, run, three_tenants):
        code, out, err = run(SAMPLE, "--dry-run")

        assert code == 0, err
        assert "created 3" in out
        assert "Dry run: nothing written." in out
        assert not RentBalance.objects.exists()

    def test_an_older_balance_is_ignored_and_reported(self, write, run, tenant):
        RentBalanceFactory(tenant=tenant, as_at=date(2026, 11, 16), balance=Decimal("300.00"))
        text = HEADER + "PHG-000101,999.99,2026-11-09,\n"

        code, out, err = run(write(text))

        assert code == 0, err
        assert "created 0, updated 0, unchanged 0, ignored 1, rejected 0" in out
        assert (
            'line 2: as_at "2026-11-09" is older than the balance held (as at 16/11/2026): '
            "ignored" in out
        )
        assert balances() == {
            ("PHG-000101", date(2026, 11, 16)): (Decimal("300.00"), Decimal("98.50"))
        }

    def test_an_old_file_imported_again_changes_nothing(self, write, run, tenant):
        old = write(HEADER + "PHG-000101,100.00,2026-11-09,98.50\n", name="old.csv")
        new = write(HEADER + "PHG-000101,200.00,2026-11-16,98.50\n", name="new.csv")
        run(old)
        run(new)

        code, out, err = run(old)

        assert "ignored 1" in out
        latest = RentBalance.objects.filter(tenant=tenant).order_by("-as_at").first()
        assert latest.balance == Decimal("200.00")

    def test_each_tenancy_keeps_its_balance_history(self, write, run, tenant):
        run(write(HEADER + "PHG-000101,100.00,2026-11-09,98.50\n"))
        run(write(HEADER + "PHG-000101,150.00,2026-11-16,98.50\n"))

        assert list(
            RentBalance.objects.filter(tenant=tenant).order_by("as_at").values_list("balance")
        ) == [(Decimal("100.00"),), (Decimal("150.00"),)]

    def test_several_days_of_one_tenancy_in_a_file_are_all_kept(self, write, run, tenant):
        text = HEADER + "PHG-000101,150.00,2026-11-16,\nPHG-000101,100.00,2026-11-09,\n"

        code, out, err = run(write(text))

        assert code == 0, err
        assert "created 2" in out
        assert RentBalance.objects.filter(tenant=tenant).count() == 2

    def test_the_same_tenancy_and_day_twice_is_an_error_on_the_later_line(self, write, run, tenant):
        text = HEADER + "PHG-000101,1.00,2026-11-16,\nPHG-000101,2.00,16/11/2026,\n"

        code, out, err = run(write(text))

        assert rejected(err) == [
            'line 3: tenancy_ref "PHG-000101" with as_at "16/11/2026" is already on line 2'
        ]

    def test_the_same_day_again_corrects_the_balance_or_changes_nothing(self, write, run, tenant):
        RentBalanceFactory(tenant=tenant, as_at=date(2026, 11, 16), balance=Decimal("300.00"))

        code, out, err = run(write("tenancy_ref,balance,as_at\nPHG-000101,300.00,2026-11-16\n"))
        assert "created 0, updated 0, unchanged 1" in out

        code, out, err = run(write("tenancy_ref,balance,as_at\nPHG-000101,310.00,2026-11-16\n"))
        assert "created 0, updated 1, unchanged 0" in out
        # A file without weekly_rent leaves the weekly rent held alone.
        assert balances() == {
            ("PHG-000101", date(2026, 11, 16)): (Decimal("310.00"), Decimal("98.50"))
        }

    def test_queries_do_not_grow_with_rows(self, write, patch):
        def queries_for(count):
            RentBalance.objects.all().delete()
            tenants = TenantFactory.create_batch(count, patch=patch)
            rows = "".join(f"{t.tenancy_ref},{i}.50,2026-11-16,90\n" for i, t in enumerate(tenants))
            path = write(HEADER + rows)
            with CaptureQueriesContext(connection) as queries:
                report = RentBalanceImport().run(path)
            assert report.counts["created"] == count
            return len(queries)

        # savepoint, advisory lock, tenancies, latest balances, upsert, release
        assert queries_for(5) == queries_for(150) <= 8


# Flags: raising, reviewing, support -----------------------------------------------------


class TestRaising:
    def test_income_officer_raises_a_flag_from_the_record(self, income_client, tenant):
        review = timezone.localdate() + timedelta(days=28)
        response = income_client.post(
            f"/arrears/raise/?tenant={tenant.pk}",
            {
                **date_fields("reported_on", timezone.localdate()),
                "reason": "furlough",
                "details": "Furloughed from the bakery",
                **date_fields("review_date", review),
            },
        )

        flag = ArrearsFlag.objects.get()
        assert response.status_code == 302
        assert response.url == f"/arrears/{flag.pk}/"
        assert (flag.tenant, flag.reason, flag.review_date, flag.status) == (
            tenant,
            "furlough",
            review,
            "open",
        )
        change = ReviewChange.objects.get()
        assert (change.old_date, change.new_date) == (None, review)
        assert flag.history.get().history_user.username == "ian"

    def test_raised_from_a_help_request_the_flag_keeps_it(self, income_client, tenant):
        help_request = HelpRequestFactory(tenant=tenant, need="financial_difficulty")
        url = f"/arrears/raise/?tenant={tenant.pk}&request={help_request.pk}"

        assert "From Here to Help request" in text_of(income_client.get(url))
        income_client.post(
            url, {**date_fields("reported_on", timezone.localdate()), "reason": "redundancy"}
        )

        assert ArrearsFlag.objects.get().help_request == help_request

    def test_a_help_request_about_another_tenant_is_not_found(self, income_client, tenant):
        other = HelpRequestFactory(
            tenant=TenantFactory(patch=tenant.patch), need="financial_difficulty"
        )

        for request in (other.pk, "x", 0):
            url = f"/arrears/raise/?tenant={tenant.pk}&request={request}"
            assert income_client.get(url).status_code == 404, url

    def test_a_tenant_with_an_open_flag_is_sent_to_it(self, income_client, flag):
        response = income_client.get(f"/arrears/raise/?tenant={flag.tenant_id}")

        assert response.status_code == 302
        assert response.url == f"/arrears/{flag.pk}/"

    def test_a_second_open_flag_is_refused_by_the_action_too(self, flag, income_officer):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="already has an open arrears flag"):
            flag_raise(
                tenant=flag.tenant,
                user=income_officer,
                reason="illness",
                reported_on=timezone.localdate(),
            )

    def test_a_future_report_date_and_other_without_details_are_refused(
        self, income_client, tenant
    ):
        response = income_client.post(
            f"/arrears/raise/?tenant={tenant.pk}",
            {
                **date_fields("reported_on", timezone.localdate() + timedelta(days=1)),
                "reason": "other",
            },
        )

        assert response.status_code == 200
        page = text_of(response)
        assert "The date must be today or in the past" in page
        assert "Enter the details of why the tenant lost income" in page
        assert not ArrearsFlag.objects.exists()

    def test_no_tenant_or_a_bad_one_is_not_found(self, income_client):
        for url in ("/arrears/raise/", "/arrears/raise/?tenant=x", "/arrears/raise/?tenant=999"):
            assert income_client.get(url).status_code == 404, url


class TestReviewDate:
    def test_setting_and_extending_keeps_each_change_with_its_reason(self, income_client, flag):
        first = timezone.localdate() + timedelta(days=14)
        later = first + timedelta(days=28)
        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", first), "reason": "Furlough ends in a fortnight"},
        )
        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", later), "reason": "Furlough extended"},
        )

        flag.refresh_from_db()
        assert flag.review_date == later
        changes = list(flag.review_changes.values_list("old_date", "new_date", "reason"))
        assert changes == [
            (first, later, "Furlough extended"),
            (None, first, "Furlough ends in a fortnight"),
        ]
        page = text_of(income_client.get(f"/arrears/{flag.pk}/"))
        assert "Reason: Furlough extended" in page

    def test_a_past_date_and_no_reason_are_refused(self, income_client, flag):
        response = income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", timezone.localdate() - timedelta(days=1))},
        )

        page = text_of(response)
        assert "The date must be today or in the future" in page
        assert "Enter the reason for the review date" in page
        assert not ReviewChange.objects.exists()

    def test_a_review_set_for_today_is_due_at_once(self, income_client, flag):
        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", timezone.localdate()), "reason": "Review today"},
        )

        flag.refresh_from_db()
        assert flag.status == "review_due"
        assert "1 arrears review due" in text_of(income_client.get("/"))

    def test_extending_a_due_review_takes_it_off_the_due_list(self, income_client, flag):
        flag.review_date = timezone.localdate()
        flag.status = "review_due"
        flag.save()

        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {
                **date_fields("review_date", timezone.localdate() + timedelta(days=7)),
                "reason": "Waiting for the benefits check",
            },
        )

        flag.refresh_from_db()
        assert (flag.status, flag.review_due_since) == ("open", None)
        assert "arrears review" not in text_of(income_client.get("/"))


class TestSupport:
    def test_a_payment_arrangement_is_recorded_to_the_penny(self, income_client, flag):
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "payment_arrangement",
                "weekly_amount": "£12.5",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "agreed",
                **date_fields("outcome_on", timezone.localdate()),
            },
        )

        assert response.status_code == 302
        offer = SupportOffer.objects.get()
        assert offer.weekly_amount == Decimal("12.50")
        assert offer.outcome == "agreed"
        assert "£12.50" in text_of(income_client.get(f"/arrears/{flag.pk}/"))

    def test_an_external_agency_needs_its_name_and_only_an_arrangement_has_an_amount(
        self, income_client, flag
    ):
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "external_agency",
                "weekly_amount": "10.00",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "agreed",
            },
        )

        page = text_of(response)
        assert "Enter the name of the agency" in page
        assert "Only a payment arrangement has an amount" in page
        assert "Enter the date of the outcome" in page
        assert not SupportOffer.objects.exists()

    def test_an_agency_referral_and_its_outcome(self, income_client, flag):
        income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "external_agency",
                "agency": "StepChange",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "pending",
            },
        )
        offer = SupportOffer.objects.get()

        income_client.post(
            f"/arrears/{flag.pk}/support/{offer.pk}/",
            {
                "outcome": "completed",
                **date_fields("outcome_on", timezone.localdate()),
                "outcome_notes": "Debt plan agreed",
            },
        )

        offer.refresh_from_db()
        assert (offer.agency, offer.outcome, offer.outcome_notes) == (
            "StepChange",
            "completed",
            "Debt plan agreed",
        )
        assert offer.history.count() == 2

    def test_support_of_another_flag_is_not_reached_through_this_one(
        self, manager_client, flag, other_flag
    ):
        offer = SupportOfferFactory(flag=other_flag)

        assert manager_client.get(f"/arrears/{flag.pk}/support/{offer.pk}/").status_code == 404

    def test_closing_a_flag_ends_the_amended_procedure(self, income_client, flag):
        income_client.post(
            f"/arrears/{flag.pk}/close/",
            {**date_fields("closed_on", timezone.localdate()), "reason": "Back at work"},
        )

        flag.refresh_from_db()
        assert (flag.status, flag.closed_reason) == ("closed", "Back at work")
        assert income_client.get(f"/arrears/{flag.pk}/review/").status_code == 404
        assert income_client.get(f"/arrears/{flag.pk}/support/add/").status_code == 404


# The morning reviews job ----------------------------------------------------------------


class TestReviewsDue:
    def test_flags_whose_review_date_has_come_are_marked_due(self, tenant, outsider, patch):
        today = timezone.localdate()
        due = ArrearsFlagFactory(tenant=tenant, review_date=today)
        overdue = ArrearsFlagFactory(tenant=outsider, review_date=today - timedelta(days=3))
        later = ArrearsFlagFactory(
            tenant=TenantFactory(patch=patch), review_date=today + timedelta(days=1)
        )
        unset = ArrearsFlagFactory(tenant=TenantFactory(patch=patch))
        closed = ArrearsFlagFactory(
            tenant=TenantFactory(patch=patch),
            review_date=today,
            status="closed",
            closed_on=today,
        )

        result = mark_reviews_due(on=today)

        assert (result.marked_due, result.due) == (2, 2)
        statuses = dict(ArrearsFlag.objects.values_list("pk", "status"))
        assert statuses == {
            due.pk: "review_due",
            overdue.pk: "review_due",
            later.pk: "open",
            unset.pk: "open",
            closed.pk: "closed",
        }
        assert ArrearsFlag.objects.get(pk=overdue.pk).review_due_since == today

    def test_a_second_run_changes_nothing(self, flag):
        flag.review_date = timezone.localdate()
        flag.save()
        mark_reviews_due()

        second = mark_reviews_due()

        assert (second.marked_due, second.reopened, second.due) == (0, 0, 1)

    def test_a_flag_whose_date_moved_on_goes_back_to_open(self, flag):
        flag.status = "review_due"
        flag.review_date = timezone.localdate() + timedelta(days=5)
        flag.save()

        assert mark_reviews_due().reopened == 1
        flag.refresh_from_db()
        assert flag.status == "open"

    def test_a_run_while_another_holds_the_lock_skips(self, flag):
        flag.review_date = timezone.localdate()
        flag.save()
        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [REVIEWS_LOCK_KEY])

            result = mark_reviews_due()

        assert result.skipped
        flag.refresh_from_db()
        assert flag.status == "open"

    def test_the_job_runs_each_morning_at_half_past_six(self):
        from config.celery_app import app

        entry = app.conf.beat_schedule["arrears-mark-reviews-due"]
        assert entry["task"] == "arrears.mark_reviews_due"
        assert entry["schedule"] == crontab(hour=6, minute=30)
        assert app.conf.timezone == "Europe/London"

    def test_home_page_lists_reviews_due_for_the_team(
        self, client, income_officer, tenant, outsider
    ):
        ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())
        ArrearsFlagFactory(tenant=outsider, review_date=timezone.localdate())
        mark_reviews_due()

        page = text_of(sign_in(client, income_officer).get("/"))

        assert "1 arrears review due" in page
        assert "Margaret Holt (PHG-000101)" in page
        assert "Nowak" not in page

    def test_officers_home_page_has_no_arrears_panel(self, officer_client, tenant):
        ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())

        page = text_of(officer_client.get("/"))

        assert "arrears" not in page.lower()


@pytest.mark.django_db(transaction=True)
def test_the_reviews_job_runs_on_a_real_worker(celery_worker_process, patch):
    from arrears.tasks import mark_reviews_due_task

    today = timezone.localdate()
    flag = ArrearsFlagFactory(tenant=TenantFactory(patch=patch), review_date=today)

    result = mark_reviews_due_task.delay(today.isoformat()).get(timeout=30)

    assert result == {
        "on": today.isoformat(),
        "marked_due": 1,
        "reopened": 0,
        "due": 1,
        "skipped": False,
    }
    flag.refresh_from_db()
    assert (flag.status, flag.review_due_since) == ("review_due", today)
    # Run again, as a second beat or a retry would: nothing changes.
    again = mark_reviews_due_task.delay(today.isoformat()).get(timeout=30)
    assert again["marked_due"] == 0


# Who sees what ------------------------------------------------------------------------------


def arrears_urls(flag, offer):
    return [
        "/arrears/",
        f"/arrears/raise/?tenant={flag.tenant_id}",
        f"/arrears/{flag.pk}/",
        f"/arrears/{flag.pk}/review/",
        f"/arrears/{flag.pk}/support/add/",
        f"/arrears/{flag.pk}/support/{offer.pk}/",
        f"/arrears/{flag.pk}/close/",
    ]


class TestVisibility:
    def test_officers_get_403_on_every_arrears_page(self, officer_client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer):
            assert officer_client.get(url).status_code == 403, url
            assert officer_client.post(url, {}).status_code == 403, url

    def test_income_officer_and_manager_open_every_page(self, income_client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer):
            response = income_client.get(url)
            assert response.status_code in (200, 302), url

    def test_manager_opens_every_teams_flags(self, manager_client, other_flag):
        offer = SupportOfferFactory(flag=other_flag)
        for url in arrears_urls(other_flag, offer):
            assert manager_client.get(url).status_code in (200, 302), url

    def test_another_teams_income_officer_gets_404(self, other_income_client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer)[1:]:
            assert other_income_client.get(url).status_code == 404, url
        response = other_income_client.post(
            f"/arrears/{flag.pk}/close/",
            {**date_fields("closed_on", timezone.localdate()), "reason": "x"},
        )
        assert response.status_code == 404
        flag.refresh_from_db()
        assert flag.status == "open"

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/sign-in/" in response.url, url

    def test_officer_sees_only_that_support_is_in_place(self, officer_client, tenant, flag):
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), weekly_rent=Decimal("98.50"))
        SupportOfferFactory(
            flag=flag, kind="payment_arrangement", weekly_amount=Decimal("12.50"), outcome="agreed"
        )

        page = text_of(officer_client.get(f"/tenants/{tenant.pk}/"))

        assert "Financial support in place" in page
        assert not POUND_AMOUNT.search(page), POUND_AMOUNT.search(page)
        for secret in ("1,204.37", "1204.37", "98.50", "12.50", "Furlough", "Arrears flag"):
            assert secret not in page
        assert "Raise an arrears flag" not in page

    def test_officer_sees_nothing_of_arrears_without_a_flag(self, officer_client, tenant):
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"))

        page = text_of(officer_client.get(f"/tenants/{tenant.pk}/"))

        assert "Financial support" not in page
        assert not POUND_AMOUNT.search(page)

    def test_officer_sees_nothing_once_the_flag_is_closed(self, officer_client, tenant, flag):
        flag.status, flag.closed_on = "closed", timezone.localdate()
        flag.save()

        assert "Financial support" not in text_of(officer_client.get(f"/tenants/{tenant.pk}/"))

    def test_officer_has_no_arrears_menu_item(self, officer_client):
        assert 'href="/arrears/"' not in text_of(officer_client.get("/"))

    def test_income_officer_sees_the_balance_and_can_raise_a_flag(self, income_client, tenant):
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=date(2026, 11, 16))

        page = text_of(income_client.get(f"/tenants/{tenant.pk}/"))

        assert "£1,204.37 in arrears, as at 16 November 2026" in page
        assert f'href="/arrears/raise/?tenant={tenant.pk}"' in page
        assert 'href="/arrears/"' in page  # the menu

    def test_income_officer_is_sent_to_the_open_flag_from_the_record(
        self, income_client, tenant, flag
    ):
        page = text_of(income_client.get(f"/tenants/{tenant.pk}/"))

        assert f'href="/arrears/{flag.pk}/"' in page
        assert "Raise an arrears flag" not in page

    def test_manager_sees_amounts_on_the_record(self, manager_client, outsider):
        RentBalanceFactory(tenant=outsider, balance=Decimal("-23.10"))

        assert "£23.10 in credit" in text_of(manager_client.get(f"/tenants/{outsider.pk}/"))


# The flags list -----------------------------------------------------------------------------


class TestFlagList:
    def listed(self, client, **params):
        response = client.get("/arrears/", params)
        assert response.status_code == 200
        return {flag.tenant.last_name for flag in response.context["page"]}

    def test_income_officer_sees_their_teams_flags_and_a_manager_all(
        self, client, income_officer, manager, flag, other_flag
    ):
        assert self.listed(sign_in(client, income_officer)) == {"Holt"}
        assert self.listed(sign_in(client, manager)) == {"Holt", "Nowak"}

    def test_filters(self, income_client, patch):
        today = timezone.localdate()

        def make(last_name, balance=None, **values):
            tenant = TenantFactory(last_name=last_name, patch=patch)
            if balance is not None:
                RentBalanceFactory(tenant=tenant, balance=Decimal(balance))
            return ArrearsFlagFactory(tenant=tenant, **values)

        make("Due", "1500.00", reason="illness", review_date=today)
        make("Week", "499.99", review_date=today + timedelta(days=7))
        make("Later", "500.00", review_date=today + timedelta(days=8))
        make("Unset", "-10.00", reason="illness")
        make("Nothing")
        make("Closed", "0.00", status="closed", closed_on=today)

        assert self.listed(income_client) == {"Due", "Week", "Later", "Unset", "Nothing"}
        assert self.listed(income_client, reason="illness") == {"Due", "Unset"}
        assert self.listed(income_client, status="review_due") == {"Due"}
        assert self.listed(income_client, status="open") == {"Week", "Later", "Unset", "Nothing"}
        assert self.listed(income_client, status="closed") == {"Closed"}
        assert len(self.listed(income_client, status="any")) == 6
        assert self.listed(income_client, review="due") == {"Due"}
        assert self.listed(income_client, review="week") == {"Week"}
        assert self.listed(income_client, review="none") == {"Unset", "Nothing"}
        assert self.listed(income_client, band="1000_plus") == {"Due"}
        assert self.listed(income_client, band="500_to_1000") == {"Later"}
        assert self.listed(income_client, band="under_500") == {"Week"}
        assert self.listed(income_client, band="clear") == {"Unset"}
        assert self.listed(income_client, band="none") == {"Nothing"}
        assert self.listed(income_client, band="clear", status="any") == {"Unset", "Closed"}
        # A hand-edited filter is ignored rather than an error.
        assert len(self.listed(income_client, band="lots", reason="<script>")) == 5

    def test_the_list_shows_the_latest_balance(self, income_client, tenant, flag):
        RentBalanceFactory(tenant=tenant, balance=Decimal("100.00"), as_at=date(2026, 11, 9))
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=date(2026, 11, 16))

        page = text_of(income_client.get("/arrears/"))

        assert "£1,204.37 in arrears" in page
        assert "£100.00" not in page

    def test_the_list_is_paginated(self, income_client, patch):
        for _ in range(30):
            ArrearsFlagFactory(tenant=TenantFactory(patch=patch))

        first = income_client.get("/arrears/")
        second = income_client.get("/arrears/", {"page": 2})

        assert first.context["page"].paginator.count == 30
        assert len(first.context["page"]) == 25
        assert len(second.context["page"]) == 5

    def test_queries_do_not_grow_with_rows(self, income_client, patch, django_assert_num_queries):
        def add(count):
            for _ in range(count):
                tenant = TenantFactory(patch=patch)
                RentBalanceFactory(tenant=tenant)
                ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())

        add(2)
        # session, user, two-factor devices (TOTP, backup codes), count, one page of flags
        # with tenant, patch and the latest balance (subqueries), session renewal (savepoint,
        # update, release)
        with django_assert_num_queries(9):
            income_client.get("/arrears/", {"band": "under_500"})
        add(20)
        with django_assert_num_queries(9):
            income_client.get("/arrears/", {"band": "under_500"})
