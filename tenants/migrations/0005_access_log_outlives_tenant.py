"""The access log outlives the tenant and lists what list pages showed.

The tenant foreign key (which cascaded: deleting a tenant deleted its log rows) becomes a plain
`tenant_id` column, keeping every existing row and its value; each row also keeps the tenancy
reference, copied here for the rows already written. `tenant_ids` holds the tenants a list page
showed, with a GIN index on PostgreSQL so "who has looked at this record" finds them quickly
(SQLite, the `make run` demo, searches the small demo log without it).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

GIN = (
    "CREATE INDEX IF NOT EXISTS accesslog_tenant_ids_gin ON tenants_accesslog "
    "USING gin (tenant_ids jsonb_path_ops)"
)


def copy_tenancy_refs(apps, schema_editor):
    AccessLog = apps.get_model("tenants", "AccessLog")
    Tenant = apps.get_model("tenants", "Tenant")
    AccessLog.objects.filter(tenant_id__isnull=False).update(
        tenancy_ref=Subquery(
            Tenant.objects.filter(pk=OuterRef("tenant_id")).values("tenancy_ref")[:1]
        )
    )


def postgres_only(statement):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_phone_numbers")]

    operations = [
        # Drop the database constraint and the cascade, keeping the column and its values.
        migrations.AlterField(
            model_name="accesslog",
            name="tenant",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=models.DO_NOTHING,
                related_name="+",
                to="tenants.tenant",
            ),
        ),
        # Then, in Django's state only, the same column as a plain integer.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="accesslog", name="accesslog_tenant_idx"),
                migrations.RemoveField(model_name="accesslog", name="tenant"),
                migrations.AddField(
                    model_name="accesslog",
                    name="tenant_id",
                    # the foreign key's own index stays, under the same name
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
                migrations.AddIndex(
                    model_name="accesslog",
                    index=models.Index(fields=["tenant_id", "-at"], name="accesslog_tenant_idx"),
                ),
            ]
        ),
        migrations.AddField(
            model_name="accesslog",
            name="tenancy_ref",
            field=models.CharField(
                blank=True, default="", max_length=20, verbose_name="tenancy reference"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="tenant_ids",
            field=models.JSONField(blank=True, default=list, verbose_name="tenants shown"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="kind",
            field=models.CharField(
                choices=[
                    ("view", "Viewed record"),
                    ("search", "Searched"),
                    ("list", "Shown in a list"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(copy_tenancy_refs, migrations.RunPython.noop),
        migrations.RunPython(
            postgres_only(GIN), postgres_only("DROP INDEX IF EXISTS accesslog_tenant_ids_gin")
        ),
    ]
