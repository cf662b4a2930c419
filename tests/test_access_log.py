"""The access log: append-only in the database, outliving the tenant, with a row for every list
page that showed a tenant, and an export for one tenant (a subject access request)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils.html import escape

from tenants.models import AccessLog, Tenant
from tenants.selectors import log_tenants_listed, tenant_access_log
from tests import csv_support
from tests.factories import ArrearsFlagFactory, CallTaskFactory, HelpRequestFactory, TenantFactory

pytestmark = pytest.mark.django_db


def names_tenant(entry, tenant):
    return entry.tenant_id == tenant.pk or tenant.pk in entry.tenant_ids


class TestAppendOnly:
    def test_the_database_refuses_an_update(self, officer, patch):
        tenant = TenantFactory(patch=patch)
        log_tenants_listed(officer, [tenant.pk], "/tenants/", query="Holt")
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessLog.objects.update(query="nothing to see")
        assert AccessLog.objects.get().query == "Holt"

    def test_the_database_refuses_a_delete(self, officer, patch):
        tenant = TenantFactory(patch=patch)
        log_tenants_listed(officer, [tenant.pk], "/tenants/", query="Holt")
        with pytest.raises(DatabaseError), transaction.atomic():
            AccessLog.objects.all().delete()
        assert AccessLog.objects.count() == 1

    def test_the_log_is_not_in_the_admin(self):
        from django.contrib import admin

        assert not admin.site.is_registered(AccessLog)


def test_deleting_a_tenant_keeps_their_log_rows(officer_client, patch):
    tenant = TenantFactory(patch=patch)
    officer_client.get(f"/tenants/{tenant.pk}/")
    ref = tenant.tenancy_ref
    pk = tenant.pk
    Tenant.objects.filter(pk=pk).delete()
    entry = AccessLog.objects.get()
    assert (entry.tenant_id, entry.tenancy_ref) == (pk, ref)


@pytest.mark.parametrize(
    "who, make, path",
    [
        ("officer", lambda tenant: CallTaskFactory(tenant=tenant), lambda _: "/queue/"),
        ("officer", lambda tenant: HelpRequestFactory(tenant=tenant), lambda _: "/help/team/"),
        ("income_officer", lambda tenant: ArrearsFlagFactory(tenant=tenant), lambda _: "/arrears/"),
        ("officer", lambda tenant: None, lambda tenant: f"/tenants/?q={tenant.tenancy_ref}"),
    ],
    ids=["queue", "help-team-list", "arrears-list", "search"],
)
def test_a_list_page_writes_one_row_naming_the_tenants_it_showed(
    client, request, patch, who, make, path
):
    from conftest import sign_in

    user = request.getfixturevalue(who)
    sign_in(client, user)
    tenants = TenantFactory.create_batch(2, patch=patch)
    for tenant in tenants:
        make(tenant)
    response = client.get(path(tenants[0]))
    assert response.status_code == 200
    assert escape(tenants[0].full_name) in response.content.decode()
    entry = AccessLog.objects.get(user=user)
    assert names_tenant(entry, tenants[0])


def test_who_has_looked_includes_searches_and_lists(manager_client, officer, patch):
    tenant = TenantFactory(patch=patch, last_name="Holt")
    log_tenants_listed(officer, [tenant.pk], "/tenants/", query="Holt")
    log_tenants_listed(officer, [tenant.pk + 1000, tenant.pk], "/queue/")
    log_tenants_listed(officer, [tenant.pk + 1000], "/queue/")  # another tenant only
    assert tenant_access_log(tenant.pk).count() == 2
    page = manager_client.get(f"/tenants/{tenant.pk}/access/").content.decode()
    assert "Searched: “Holt”" in page
    assert "Shown in a list" in page
    # the two above and the manager's own read of the record on this page; not the third
    assert "3 entries, newest first" in page


def test_a_manager_exports_one_tenants_log_as_csv(manager_client, manager, officer, patch):
    tenant = TenantFactory(patch=patch)
    log_tenants_listed(officer, [tenant.pk], "/arrears/")
    response = manager_client.get(f"/tenants/{tenant.pk}/access.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="access-log-{tenant.pk}.csv"'
    rows = csv_support.lines(response)
    assert rows[0][0] == "When (UTC)"
    assert [(row[2], row[4], row[6]) for row in rows[1:]] == [
        (officer.username, "Shown in a list", "/arrears/"),
        (manager.username, "Viewed record", f"/tenants/{tenant.pk}/access.csv"),
    ]


def test_an_officer_cannot_export_the_log(officer_client, patch):
    tenant = TenantFactory(patch=patch)
    assert officer_client.get(f"/tenants/{tenant.pk}/access.csv").status_code == 403


BEFORE = [("tenants", "0004_phone_numbers")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_existing_rows_and_copies_the_tenancy_reference():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    team = old.get_model("accounts", "Team").objects.create(name="Upgrade team")
    patch = old.get_model("accounts", "Patch").objects.create(code="UP-1", name="Up", team=team)
    user = old.get_model("accounts", "User").objects.create(
        username="upgrade.officer", role="officer", team=team
    )
    tenant = old.get_model("tenants", "Tenant").objects.create(
        tenancy_ref="UPG-0001", first_name="Ada", last_name="Holt",
        date_of_birth="1950-01-02", address_line_1="1 Upgrade Street", postcode="PR1 2AB",
        patch=patch,
    )  # fmt: skip
    old_row = old.get_model("tenants", "AccessLog").objects.create(
        user=user, kind="view", tenant=tenant, page="/tenants/1/"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    row = AccessLog.objects.get(pk=old_row.pk)
    assert (row.tenant_id, row.tenancy_ref, row.page) == (tenant.pk, "UPG-0001", "/tenants/1/")
