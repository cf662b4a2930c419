"""Here to Help's models move from welfare with their tables (`welfare_*`): the state
gains them here and welfare 0008 drops them from its own; the database is not touched."""

import django.db.models.deletion
import django.utils.timezone
import phonenumber_field.modelfields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("tenants", "0003_lives_alone_may_be_unknown"),
        ("welfare", "0007_dashboard_summaries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="HelpRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "need",
                    models.CharField(
                        choices=[
                            ("food", "Food and shopping"),
                            ("medication", "Medication"),
                            ("benefits", "Benefits advice"),
                            ("mental_health", "Mental health and wellbeing"),
                            ("financial_difficulty", "Financial difficulty"),
                            ("technology", "Technology and staying connected"),
                            ("utility_credit", "Utility meter credit"),
                            ("befriending", "Befriending"),
                            ("other", "Other"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("welfare_call", "Welfare call"),
                            ("phone_in", "Phone-in"),
                            ("social_media", "Social media"),
                            ("referral", "Referral"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("in_progress", "In progress"),
                            ("referred", "Referred"),
                            ("resolved", "Resolved"),
                            ("closed", "Closed: no longer needed"),
                        ],
                        default="new",
                        max_length=20,
                    ),
                ),
                ("raised_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("due_at", models.DateTimeField(verbose_name="target time")),
                (
                    "resolved_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="resolved or closed at"
                    ),
                ),
                (
                    "outcome",
                    models.TextField(
                        blank=True, help_text="How it was resolved, or why it was no longer needed."
                    ),
                ),
                ("arrears_considered_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "arrears_considered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        help_text="Blank: the team owns it until someone takes it on.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="owned_help_requests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "raised_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source_task",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="help_requests",
                        to="welfare.calltask",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="The team of the tenant's patch when the request was raised.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="help_requests",
                        to="accounts.team",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="help_requests",
                        to="tenants.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "Here to Help request",
                "db_table": "welfare_helprequest",
                "ordering": ["due_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Organisation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("community_group", "Community group"),
                            ("charity", "Charity"),
                            ("agency", "Agency"),
                        ],
                        max_length=20,
                    ),
                ),
                ("description", models.TextField(blank=True, verbose_name="what they offer")),
                (
                    "covers_all_areas",
                    models.BooleanField(
                        default=False, help_text="Serves tenants anywhere, whatever their postcode."
                    ),
                ),
                (
                    "phone",
                    phonenumber_field.modelfields.PhoneNumberField(
                        blank=True, max_length=128, region=None
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("website", models.URLField(blank=True)),
                (
                    "opening_notes",
                    models.TextField(blank=True, help_text="Opening times, how to refer."),
                ),
                ("temporarily_closed", models.BooleanField(default=False)),
                (
                    "validated_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last validated at"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "validated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "welfare_organisation",
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="OrganisationArea",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("outward_code", models.CharField(max_length=4)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="areas",
                        to="here_to_help.organisation",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_organisationarea",
            },
        ),
        migrations.CreateModel(
            name="OrganisationNeed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "need",
                    models.CharField(
                        choices=[
                            ("food", "Food and shopping"),
                            ("medication", "Medication"),
                            ("benefits", "Benefits advice"),
                            ("mental_health", "Mental health and wellbeing"),
                            ("financial_difficulty", "Financial difficulty"),
                            ("technology", "Technology and staying connected"),
                            ("utility_credit", "Utility meter credit"),
                            ("befriending", "Befriending"),
                            ("other", "Other"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="needs",
                        to="here_to_help.organisation",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_organisationneed",
            },
        ),
        migrations.CreateModel(
            name="RequestNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("text", models.TextField()),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notes",
                        to="here_to_help.helprequest",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_requestnote",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Signpost",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("notes", models.TextField(verbose_name="what was given to the tenant")),
                (
                    "given_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signposts",
                        to="here_to_help.organisation",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="signposts",
                        to="here_to_help.helprequest",
                    ),
                ),
            ],
            options={
                "db_table": "welfare_signpost",
                "ordering": ["given_at", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="helprequest",
            index=models.Index(fields=["team", "status"], name="helprequest_team_status_idx"),
        ),
        migrations.AddIndex(
            model_name="helprequest",
            index=models.Index(fields=["owner", "status"], name="helprequest_owner_status_idx"),
        ),
        migrations.AddIndex(
            model_name="helprequest",
            index=models.Index(fields=["due_at"], name="helprequest_due_idx"),
        ),
        migrations.AddConstraint(
            model_name="helprequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("resolved_at__isnull", False),
                        ("status__in", ["resolved", "closed"]),
                        models.Q(("outcome", ""), _negated=True),
                    ),
                    models.Q(
                        ("resolved_at__isnull", True),
                        ("status__in", ["new", "in_progress", "referred"]),
                    ),
                    _connector="OR",
                ),
                name="helprequest_finished_has_outcome",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["validated_at"], name="organisation_validated_idx"),
        ),
        migrations.AddIndex(
            model_name="organisationarea",
            index=models.Index(
                fields=["outward_code", "organisation"], name="organisationarea_code_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="organisationarea",
            constraint=models.UniqueConstraint(
                fields=("organisation", "outward_code"), name="organisation_area_once"
            ),
        ),
        migrations.AddIndex(
            model_name="organisationneed",
            index=models.Index(fields=["need", "organisation"], name="organisationneed_need_idx"),
        ),
        migrations.AddConstraint(
            model_name="organisationneed",
            constraint=models.UniqueConstraint(
                fields=("organisation", "need"), name="organisation_need_once"
            ),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
