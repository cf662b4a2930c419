"""Trigram indexes so a name or reference search stays fast at a million tenants (PostgreSQL).

SQLite (make run) has no pg_trgm; there the plain indexes from 0001 are enough for demo data.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS tenant_last_name_trgm ON tenants_tenant "
    "USING gin (UPPER(last_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS tenant_first_name_trgm ON tenants_tenant "
    "USING gin (UPPER(first_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS tenant_ref_trgm ON tenants_tenant "
    "USING gin (UPPER(tenancy_ref::text) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS tenant_last_name_trgm",
    "DROP INDEX IF EXISTS tenant_first_name_trgm",
    "DROP INDEX IF EXISTS tenant_ref_trgm",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
