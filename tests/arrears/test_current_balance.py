"""Each tenancy's current rent balance (`CurrentRentBalance`, the latest `as_at`), which the
worklist of tenants in arrears with no open flag reads in balance order: it follows every
import and every other writer of balances, and the migration fills it for balances held."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from arrears.importing import RentBalanceImport
from arrears.models import CurrentRentBalance, RentBalance
from tests.arrears.helpers import HEADER, text_of
from tests.factories import RentBalanceFactory, TenantFactory

pytestmark = pytest.mark.django_db

WEEK_1, WEEK_2, WEEK_3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def current(tenant):
    """The current balance held for `tenant`: (balance, as_at, weekly_rent), or None."""
    row = CurrentRentBalance.objects.filter(tenant=tenant).first()
    return None if row is None else (row.balance, row.as_at, row.weekly_rent)


def line(day, balance, rent="98.50"):
    return f"PHG-0900101,{balance},{day.isoformat()},{rent}\n"


@pytest.mark.usefixtures("travel")
class TestImport:
    def test_a_newer_balance_replaces_the_current_one(self, write, run, tenant):
        run(write(HEADER + line(WEEK_2, "100.00")))
        assert current(tenant) == (Decimal("100.00"), WEEK_2, Decimal("98.50"))

        code, out, err = run(write(HEADER + line(WEEK_3, "250.00", "101.00")))

        assert code == 0, err
        assert current(tenant) == (Decimal("250.00"), WEEK_3, Decimal("101.00"))

    def test_an_older_balance_does_not(self, write, run, tenant):
        run(write(HEADER + line(WEEK_3, "250.00")))

        code, out, err = run(write(HEADER + line(WEEK_2, "100.00")))

        assert "ignored 1" in out
        assert current(tenant) == (Decimal("250.00"), WEEK_3, Decimal("98.50"))

    def test_several_days_in_one_file_leave_the_latest_current(self, write, run, tenant):
        text = HEADER + line(WEEK_3, "300.00") + line(WEEK_1, "50.00") + line(WEEK_2, "80.00")

        code, out, err = run(write(text))

        assert "created 3" in out
        assert current(tenant) == (Decimal("300.00"), WEEK_3, Decimal("98.50"))

    def test_the_same_file_again_changes_nothing(self, write, run, tenant):
        path = write(HEADER + line(WEEK_2, "100.00") + line(WEEK_3, "120.00"))
        run(path)
        before = list(CurrentRentBalance.objects.values())

        code, out, err = run(path)

        assert "created 0, updated 0, unchanged 1, ignored 1" in out
        assert list(CurrentRentBalance.objects.values()) == before
        assert current(tenant) == (Decimal("120.00"), WEEK_3, Decimal("98.50"))

    def test_a_same_day_correction_corrects_it(self, write, run, tenant):
        run(write(HEADER + line(WEEK_3, "120.00")))

        code, out, err = run(write(HEADER + line(WEEK_3, "90.00")))

        assert "updated 1" in out
        assert current(tenant) == (Decimal("90.00"), WEEK_3, Decimal("98.50"))

    def test_a_dry_run_or_a_refused_file_leaves_it_alone(self, write, run, tenant):
        run(write(HEADER + line(WEEK_2, "100.00")))

        run(write(HEADER + line(WEEK_3, "999.00")), "--dry-run")
        # All or nothing: a bad row refuses the whole file, its good row too.
        run(write(HEADER + line(WEEK_3, "999.00") + "PHG-999999,1.00,2026-11-16,\n"))

        assert current(tenant) == (Decimal("100.00"), WEEK_2, Decimal("98.50"))

    def test_rows_cleaned_in_python_keep_it_too(self, write, tenant, monkeypatch):
        """The import's row-by-row path (odd rows; every row where there is no bulk reader)."""
        monkeypatch.setattr(RentBalanceImport, "bulk_reader", lambda self: None)
        path = write(HEADER + line(WEEK_3, "300.00") + line(WEEK_2, "80.00"))

        report = RentBalanceImport(source_name="test").run(path)

        assert report.counts["created"] == 2
        assert current(tenant) == (Decimal("300.00"), WEEK_3, Decimal("98.50"))


def test_every_other_writer_keeps_it_right(tenant):
    """Balances written outside the import (the demo, a fix in the database) keep it too."""
    newer = RentBalanceFactory(tenant=tenant, as_at=WEEK_3, balance=Decimal("300.00"))
    RentBalanceFactory(tenant=tenant, as_at=WEEK_2, balance=Decimal("80.00"))
    assert current(tenant) == (Decimal("300.00"), WEEK_3, Decimal("98.50"))

    RentBalance.objects.filter(pk=newer.pk).update(balance=Decimal("310.00"))
    assert current(tenant) == (Decimal("310.00"), WEEK_3, Decimal("98.50"))

    # The current balance removed: the one before it is current again; none left, none held.
    newer.delete()
    assert current(tenant) == (Decimal("80.00"), WEEK_2, Decimal("98.50"))
    RentBalance.objects.filter(tenant=tenant).delete()
    assert current(tenant) is None


def test_the_worklist_reads_it(income_client, tenant):
    RentBalanceFactory(tenant=tenant, as_at=WEEK_2, balance=Decimal("500.00"))
    RentBalanceFactory(tenant=tenant, as_at=WEEK_3, balance=Decimal("0.00"))

    page = text_of(income_client.get("/arrears/unflagged/"))

    assert "0 tenants in arrears with no open flag" in page


MIGRATED_BEFORE = [("arrears", "0002_help_request_in_here_to_help")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_it_from_the_balances_held(patch):
    executor = MigrationExecutor(connection)
    executor.migrate(MIGRATED_BEFORE)
    owes, clear, none = TenantFactory.create_batch(3, patch=patch)
    for tenant, day, balance in [
        (owes, WEEK_2, "900.00"),
        (owes, WEEK_3, "1204.37"),
        (owes, WEEK_1, "10.00"),
        (clear, WEEK_3, "0.00"),
        (clear, WEEK_2, "45.00"),
    ]:
        RentBalance.objects.create(
            tenant=tenant, as_at=day, balance=Decimal(balance), weekly_rent=Decimal("98.50"),
            imported_at="2026-11-16T09:00Z",
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert current(owes) == (Decimal("1204.37"), WEEK_3, Decimal("98.50"))
    assert current(clear) == (Decimal("0.00"), WEEK_3, Decimal("98.50"))
    assert current(none) is None
    assert CurrentRentBalance.objects.count() == 2

    # Reversed: the table goes, the balances stay.
    executor = MigrationExecutor(connection)
    executor.migrate(MIGRATED_BEFORE)
    assert RentBalance.objects.count() == 5
    assert "arrears_currentrentbalance" not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
