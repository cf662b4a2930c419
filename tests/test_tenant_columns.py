"""The tenant's lookup columns compare in byte order on PostgreSQL (tenants migration 0010): a
later AlterField that dropped `COLLATE "C"` would slow the first import's index builds and
stop the postcode index serving the search by outward code."""

import pytest
from django.db import connection

from tenants.models import Tenant
from tenants.selectors import search_tenants
from tests.factories import TenantFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason='collation "C" is PostgreSQL\'s'
)


@pytest.mark.django_db
def test_the_lookup_columns_are_byte_ordered():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, collation_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = ANY(%s) ORDER BY column_name",
            [Tenant._meta.db_table, ["tenancy_ref", "postcode", "phone", "mobile"]],
        )
        assert cursor.fetchall() == [
            ("mobile", "C"),
            ("phone", "C"),
            ("postcode", "C"),
            ("tenancy_ref", "C"),
        ]


@pytest.mark.django_db
def test_the_outward_code_search_reads_the_postcode_index(manager):
    TenantFactory(postcode="PR1 2AB")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM tenants_tenant WHERE postcode LIKE %s", ["PR1 %"])
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "tenant_postcode_idx" in plan
    assert [t.postcode for t in search_tenants(manager, "pr1")] == ["PR1 2AB"]


@pytest.mark.django_db
def test_a_reference_typed_without_its_hyphen_reads_the_reference_index(manager):
    """A reference typed "phg 000101" is looked up as the stored form PHG-000101 through the
    UPPER(tenancy_ref) index (migration 0009), not by rewriting every row's reference."""
    TenantFactory(tenancy_ref="PHG-000101")
    # A register with statistics, as a real one has: on an empty, never-analysed table the
    # planner's guess could pick another index depending on what ran before (seen in CI).
    patch = Tenant.objects.get(tenancy_ref="PHG-000101").patch
    Tenant.objects.bulk_create(
        TenantFactory.build(tenancy_ref=f"HAX-{n:06d}", patch=patch) for n in range(400)
    )
    queryset = search_tenants(manager, "phg 000101")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tenants_tenant")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "tenant_ref_prefix_idx" in plan
    assert [t.tenancy_ref for t in queryset] == ["PHG-000101"]
