"""Fixtures shared by the arrears tests."""

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from conftest import sign_in
from tests.arrears.helpers import SAMPLE_WEEK
from tests.factories import (
    ArrearsFlagFactory,
    IncomeOfficerFactory,
    TenantFactory,
)


@pytest.fixture(autouse=True)
def _generated_refs_clear_of_the_named_ones():
    """Generated tenancy refs start well past PHG-0900101 to PHG-0900103, which the fixtures below
    name: in a worker that has made a hundred tenants the sequence reached them, and a test
    then failed on the duplicate ref, depending on the order tests ran in."""
    TenantFactory.reset_sequence(1000)


@pytest.fixture
def tenant(patch):
    return TenantFactory(
        first_name="Margaret", last_name="Holt", tenancy_ref="PHG-0900101", patch=patch
    )


@pytest.fixture
def outsider(other_patch):
    return TenantFactory(
        first_name="Agnieszka", last_name="Nowak", tenancy_ref="PHG-0900103", patch=other_patch
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
        for ref in ("PHG-0900101", "PHG-0900102", "PHG-0900103")
    ]


@pytest.fixture
def travel():
    with time_machine.travel(SAMPLE_WEEK, tick=False):
        yield
