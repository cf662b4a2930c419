"""The tenants behind the counts are worked out again every 15 minutes from the register: on
PostgreSQL their table is UNLOGGED, so a refresh writes no WAL for a million rows (some 280 MB
each time at a million tenants). After a crash the table starts empty; the tenant list says the
list is being worked out again until the next refresh."""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE dashboard_tenantstanding SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE dashboard_tenantstanding SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0003_tenant_standings")]

    operations = [migrations.RunPython(unlogged, logged, elidable=False)]
