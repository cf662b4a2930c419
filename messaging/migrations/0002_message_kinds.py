from django.db import migrations

KINDS = [
    "before_call",
    "no_answer",
    "request_received",
    "request_resolved",
    "family_update",
    "bulk",
]


def add_kinds(apps, schema_editor):
    MessageKind = apps.get_model("messaging", "MessageKind")
    for kind in KINDS:
        MessageKind.objects.get_or_create(kind=kind)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
