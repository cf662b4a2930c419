"""Fewer tenant indexes for a first import to build and every change to write, the same lookups.

- `patch` loses its own index: tenant_patch_name_idx (patch, last_name) serves it.
- The search finds a reference by its start (`tenancy_ref__istartswith`, which PostgreSQL reads
  as `UPPER(tenancy_ref) LIKE 'BEN-00%'`): a btree on `UPPER(tenancy_ref)` with
  text_pattern_ops serves it, where the trigram index (0002) took 2.6 s of a 1,000,000-row
  import to build and matched prefixes less directly.
- Django's own `_like` index on `tenancy_ref` (varchar_pattern_ops, for case-sensitive LIKE) is
  read by no query. A later AlterField of `tenancy_ref` would make it again.

SQLite (make run) has neither kind: the index changes run on PostgreSQL only.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    "CREATE INDEX IF NOT EXISTS tenant_ref_prefix_idx ON tenants_tenant "
    "(UPPER(tenancy_ref::text) text_pattern_ops)",
    "DROP INDEX IF EXISTS tenant_ref_trgm",
    "DROP INDEX IF EXISTS {like}",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS {like} ON tenants_tenant (tenancy_ref varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS tenant_ref_trgm ON tenants_tenant "
    "USING gin (UPPER(tenancy_ref::text) gin_trgm_ops)",
    "DROP INDEX IF EXISTS tenant_ref_prefix_idx",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        like = schema_editor._create_index_name("tenants_tenant", ["tenancy_ref"], suffix="_like")
        for statement in statements:
            schema_editor.execute(statement.format(like=schema_editor.quote_name(like)))

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_form_submissions"),
        ("tenants", "0008_history_lookup_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tenant",
            name="patch",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tenants",
                to="accounts.patch",
            ),
        ),
        migrations.RunPython(run(FORWARD), run(BACKWARD)),
    ]
