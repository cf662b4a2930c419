"""The cohorts and default cadences from DOMAIN.md; managers change the numbers in the app."""

from django.db import migrations

COHORTS = [
    # code, name, who, call every (days)
    ("aged_70", "Aged 70+", "Age 70 or more on the day", 14),
    ("unwell", "Unwell or self-isolating", "Told us they are unwell or self-isolating", 7),
    ("independent_living", "Independent living", "Lives in an independent living scheme", 7),
    ("supported_living", "Supported living", "Lives in a supported living scheme", 14),
    ("lifeline", "Lifeline customer", "Progress Lifeline telecare customer", 28),
    ("everyone_else", "Everyone else", "Any other current tenant", 90),
]


def seed(apps, schema_editor):
    Cohort = apps.get_model("welfare", "Cohort")
    for code, name, who, days in COHORTS:
        Cohort.objects.get_or_create(
            code=code, defaults={"name": name, "who": who, "cadence_days": days, "active": True}
        )


def unseed(apps, schema_editor):
    apps.get_model("welfare", "Cohort").objects.filter(code__in=[c[0] for c in COHORTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("welfare", "0001_call_queue")]

    operations = [migrations.RunPython(seed, unseed)]
