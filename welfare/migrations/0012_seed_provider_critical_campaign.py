"""The "Provider staffing critical" campaign: while a provider's staffing is critical, every
tenant it supports is called every 7 days."""

from datetime import date

from django.db import migrations

CODE = "provider_critical"


def seed(apps, schema_editor):
    apps.get_model("welfare", "Campaign").objects.get_or_create(
        code=CODE,
        defaults={
            "name": "Provider staffing critical",
            "kind": "provider_critical",
            "starts_on": date(2020, 3, 23),
            "schedule": "cadence",
            "cadence_days": 7,
            "status": "active",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("welfare", "Campaign").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("welfare", "0011_provider_check_ins")]

    operations = [migrations.RunPython(seed, unseed)]
