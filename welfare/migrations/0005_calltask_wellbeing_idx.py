from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("welfare", "0004_calls_and_escalations")]

    operations = [
        migrations.AddIndex(
            model_name="calltask",
            index=models.Index(
                condition=models.Q(("last_wellbeing", ""), _negated=True),
                fields=["tenant", "-id"],
                name="calltask_wellbeing_idx",
            ),
        ),
    ]
