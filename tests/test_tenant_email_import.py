"""A re-import of the tenants file does not undo an email address officers set in the app: as
for a number added in the app, it stands while the file sends the address it sent then; a file
that sends a different address wins."""

import pytest

from tenants.actions import tenant_email_set
from tenants.models import Tenant
from tests.tenant_import_support import History, tenant_row

pytestmark = pytest.mark.django_db

# The shared fixtures (write, run, import_rows, ribble).
pytest_plugins = ["tests.tenant_import_support"]


@pytest.fixture(autouse=True, params=["staged", "orm"])
def saved_by(request, monkeypatch):
    """Each rule both ways: the staged SQL (PostgreSQL) and the ORM's rows (the SQLite demo)."""
    if request.param == "orm":
        monkeypatch.setattr("tenants.importing.TenantStage", lambda importer: None)
    return request.param


def set_email(officer, email, reason="Given on a call"):
    tenant = Tenant.objects.get()
    tenant_email_set(tenant=tenant, email=email, shown=tenant.email, reason=reason, by=officer)


def held():
    tenant = Tenant.objects.get()
    return tenant.email, tenant.email_in_file


@pytest.mark.parametrize("in_file", ["", "old@example.org"])
def test_an_email_set_in_the_app_survives_the_same_file_again(import_rows, officer, in_file):
    rows = [tenant_row(email=in_file)]
    assert import_rows(rows)[0] == 0
    set_email(officer, "new@example.org")
    changes = History.objects.count()
    code, out, err = import_rows(rows)
    assert code == 0, err
    assert held() == ("new@example.org", in_file)
    assert History.objects.count() == changes  # nothing written: the row is unchanged


def test_an_email_removed_in_the_app_is_not_brought_back_by_the_file(import_rows, officer):
    rows = [tenant_row(email="old@example.org")]
    import_rows(rows)
    set_email(officer, "", reason="Tenant closed that account")
    import_rows(rows)
    assert held() == ("", "old@example.org")


def test_another_change_in_the_row_keeps_the_apps_email(import_rows, officer):
    import_rows([tenant_row(email="old@example.org")])
    set_email(officer, "new@example.org")
    import_rows([tenant_row(email="old@example.org", town="Leyland")])
    tenant = Tenant.objects.get()
    assert (tenant.town, tenant.email, tenant.email_in_file) == (
        "Leyland",
        "new@example.org",
        "old@example.org",
    )


def test_a_file_that_sends_a_different_email_wins(import_rows, officer):
    import_rows([tenant_row(email="old@example.org")])
    set_email(officer, "new@example.org")
    import_rows([tenant_row(email="newest@example.org")])
    assert held() == ("newest@example.org", None)
    # The file's own again: a later file changes it as it always did.
    import_rows([tenant_row(email="")])
    assert held() == ("", None)


def test_a_file_that_sends_the_apps_email_makes_it_the_files(import_rows, officer):
    import_rows([tenant_row(email="old@example.org")])
    set_email(officer, "new@example.org")
    import_rows([tenant_row(email="new@example.org")])
    assert held() == ("new@example.org", None)
    import_rows([tenant_row(email="old@example.org")])
    assert held() == ("old@example.org", None)


def test_set_back_to_the_files_email_in_the_app_it_is_the_files_again(import_rows, officer):
    import_rows([tenant_row(email="old@example.org")])
    set_email(officer, "new@example.org")
    set_email(officer, "old@example.org")
    assert held() == ("old@example.org", None)
