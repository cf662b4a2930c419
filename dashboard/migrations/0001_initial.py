"""The dashboard's summary tables move from welfare with their tables (`welfare_*`): the
state gains them here and welfare 0008 drops them from its own; the database is not touched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("welfare", "0007_dashboard_summaries"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="DashboardSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("computed_at", models.DateTimeField(help_text="The moment the figures describe.")),
                (
                    "as_of",
                    models.DateField(
                        help_text="The day in Europe/London: due dates count from it."
                    ),
                ),
                (
                    "cohorts",
                    models.JSONField(
                        default=list,
                        help_text="Each cohort's code, name, cadence and whether calls were switched on.",
                    ),
                ),
                ("seconds", models.FloatField(default=0, verbose_name="time taken (seconds)")),
            ],
            options={
                "db_table": "welfare_dashboardsnapshot",
                "ordering": ["-id"],
                "get_latest_by": "id",
            },
        ),
        migrations.CreateModel(
            name="ServiceFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("operating", "Operating"),
                            ("reduced", "Reduced service"),
                            ("unavailable", "Currently unavailable"),
                        ],
                        max_length=20,
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dashboard.dashboardsnapshot",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_servicefigure",
            },
        ),
        migrations.CreateModel(
            name="CohortFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("cohort", models.CharField(max_length=30)),
                ("tenants", models.PositiveIntegerField(default=0)),
                ("up_to_date", models.PositiveIntegerField(default=0)),
                ("due_today", models.PositiveIntegerField(default=0)),
                ("overdue", models.PositiveIntegerField(default=0)),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="Blank: no team.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dashboard.dashboardsnapshot",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_cohortfigure",
                "indexes": [
                    models.Index(fields=["snapshot", "team"], name="cohortfigure_snapshot_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="CallDayFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("calls", models.PositiveIntegerField(default=0)),
                ("spoke", models.PositiveIntegerField(default=0, verbose_name="spoke to tenant")),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="Blank: no team.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dashboard.dashboardsnapshot",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_calldayfigure",
                "indexes": [
                    models.Index(fields=["snapshot", "team"], name="calldayfigure_snapshot_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="ArrearsFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=20)),
                ("open", models.PositiveIntegerField(default=0, verbose_name="not closed")),
                ("review_due", models.PositiveIntegerField(default=0)),
                ("closed", models.PositiveIntegerField(default=0)),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="Blank: no team.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dashboard.dashboardsnapshot",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_arrearsfigure",
                "indexes": [
                    models.Index(fields=["snapshot", "team"], name="arrearsfigure_snapshot_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="EscalationFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=20)),
                (
                    "age",
                    models.CharField(
                        choices=[
                            ("under_1_day", "Under 1 day"),
                            ("1_to_3_days", "1 to 3 days"),
                            ("3_to_7_days", "3 to 7 days"),
                            ("7_days_or_more", "7 days or more"),
                        ],
                        max_length=20,
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dashboard.dashboardsnapshot",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="Blank: no team.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_escalationfigure",
                "indexes": [
                    models.Index(fields=["snapshot", "team"], name="escalationfigure_snapshot_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="HelpFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("need", models.CharField(max_length=30)),
                ("status", models.CharField(max_length=20)),
                ("count", models.PositiveIntegerField(default=0)),
                ("past_target", models.PositiveIntegerField(default=0)),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dashboard.dashboardsnapshot",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="Blank: no team.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_helpfigure",
                "indexes": [
                    models.Index(fields=["snapshot", "team"], name="helpfigure_snapshot_idx")
                ],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
