from datetime import timedelta

from django.db import migrations, models
from django.db.models import Count, Max


def cancel_all_but_the_latest_made(apps, schema_editor):
    """Before the constraint: of two or more changes to one service at one moment (which the
    register accepted until now), keep the one the register shows, the latest made, and record
    the others as cancelled just before their time (by no one), which is how they have read
    since: the status shown was always the latest made."""
    StatusChange = apps.get_model("services", "StatusChange")
    live = StatusChange.objects.filter(cancelled_at__isnull=True)
    clashes = (
        live.values("service_id", "effective_at")
        .annotate(n=Count("pk"), kept=Max("pk"))
        .filter(n__gt=1)
    )
    for clash in clashes:
        live.filter(service_id=clash["service_id"], effective_at=clash["effective_at"]).exclude(
            pk=clash["kept"]
        ).update(cancelled_at=clash["effective_at"] - timedelta(microseconds=1))


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0003_service_group"),
    ]

    operations = [
        migrations.RunPython(cancel_all_but_the_latest_made, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="statuschange",
            constraint=models.UniqueConstraint(
                condition=models.Q(("cancelled_at__isnull", True)),
                fields=("service", "effective_at"),
                name="one_change_per_service_and_time",
            ),
        ),
    ]
