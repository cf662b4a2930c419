"""Each tenancy's current rent balance in a table of its own, indexed for the worklist of
tenants in arrears with no open flag; kept by triggers on PostgreSQL (arrears.models), filled
here for the balances already held by one set-based statement (SQLite too). Reversed, the table
and its triggers go; the balances are untouched."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

# Every balance with no later one for its tenant: the current balance. On PostgreSQL a hash
# anti-join over the balances, seconds for millions (see the README's arrears section).
FILL = (
    "INSERT INTO arrears_currentrentbalance (tenant_id, balance, as_at, weekly_rent) "
    "SELECT b.tenant_id, b.balance, b.as_at, b.weekly_rent FROM arrears_rentbalance b "
    "WHERE NOT EXISTS (SELECT 1 FROM arrears_rentbalance n "
    "WHERE n.tenant_id = b.tenant_id AND n.as_at > b.as_at)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("arrears", "0002_help_request_in_here_to_help"),
        ("tenants", "0010_byte_ordered_lookup_columns"),
    ]

    operations = [
        migrations.CreateModel(
            name="CurrentRentBalance",
            fields=[
                (
                    "tenant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="current_rent_balance",
                        serialize=False,
                        to="tenants.tenant",
                    ),
                ),
                ("balance", models.DecimalField(decimal_places=2, max_digits=12)),
                ("as_at", models.DateField()),
                (
                    "weekly_rent",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True),
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rentbalance",
            trigger=pgtrigger.compiler.Trigger(
                name="rentbalance_current_on_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="INSERT INTO arrears_currentrentbalance AS c (tenant_id, balance, as_at, weekly_rent) SELECT DISTINCT ON (tenant_id) tenant_id, balance, as_at, weekly_rent FROM new_rows ORDER BY tenant_id, as_at DESC ON CONFLICT (tenant_id) DO UPDATE SET balance = excluded.balance, as_at = excluded.as_at, weekly_rent = excluded.weekly_rent WHERE excluded.as_at >= c.as_at; RETURN NULL;",
                    hash="24cbadbd5d63fa68b6826cc221a968aceea57e52",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_rentbalance_current_on_insert_c96c3",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="arrears_rentbalance",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rentbalance",
            trigger=pgtrigger.compiler.Trigger(
                name="rentbalance_current_on_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM arrears_currentrentbalance c WHERE c.tenant_id IN (SELECT tenant_id FROM old_rows UNION SELECT tenant_id FROM new_rows) AND NOT EXISTS (SELECT 1 FROM arrears_rentbalance b WHERE b.tenant_id = c.tenant_id); INSERT INTO arrears_currentrentbalance (tenant_id, balance, as_at, weekly_rent) SELECT b.tenant_id, b.balance, b.as_at, b.weekly_rent FROM (SELECT tenant_id FROM old_rows UNION SELECT tenant_id FROM new_rows) t CROSS JOIN LATERAL (SELECT * FROM arrears_rentbalance b WHERE b.tenant_id = t.tenant_id ORDER BY b.as_at DESC LIMIT 1) b ON CONFLICT (tenant_id) DO UPDATE SET balance = excluded.balance, as_at = excluded.as_at, weekly_rent = excluded.weekly_rent; RETURN NULL;",
                    hash="5bad0e15c30ff887f021cfc7b3d3d3330149f7f7",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_rentbalance_current_on_update_8b639",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="arrears_rentbalance",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rentbalance",
            trigger=pgtrigger.compiler.Trigger(
                name="rentbalance_current_on_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM arrears_currentrentbalance c WHERE c.tenant_id IN (SELECT DISTINCT tenant_id FROM old_rows) AND NOT EXISTS (SELECT 1 FROM arrears_rentbalance b WHERE b.tenant_id = c.tenant_id); INSERT INTO arrears_currentrentbalance (tenant_id, balance, as_at, weekly_rent) SELECT b.tenant_id, b.balance, b.as_at, b.weekly_rent FROM (SELECT DISTINCT tenant_id FROM old_rows) t CROSS JOIN LATERAL (SELECT * FROM arrears_rentbalance b WHERE b.tenant_id = t.tenant_id ORDER BY b.as_at DESC LIMIT 1) b ON CONFLICT (tenant_id) DO UPDATE SET balance = excluded.balance, as_at = excluded.as_at, weekly_rent = excluded.weekly_rent; RETURN NULL;",
                    hash="21c59917a7f92d7767ba05dedc8c908ce662478e",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_rentbalance_current_on_delete_97dfc",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="arrears_rentbalance",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddIndex(
            model_name="currentrentbalance",
            index=models.Index(
                condition=models.Q(("balance__gt", 0)),
                fields=["-balance", "tenant"],
                name="currentbalance_owed_idx",
            ),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
