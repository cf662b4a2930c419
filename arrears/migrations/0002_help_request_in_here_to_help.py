"""The flag's link to a Here to Help request follows the model to here_to_help. Same table,
same foreign key constraint: only the migration state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("arrears", "0001_initial"),
        ("here_to_help", "0001_initial"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="arrearsflag",
            name="help_request",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="arrears_flags",
                to="here_to_help.helprequest",
            ),
        ),
        migrations.AlterField(
            model_name="historicalarrearsflag",
            name="help_request",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="here_to_help.helprequest",
            ),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
