"""Here to Help and the dashboard are apps of their own now (here_to_help 0001, dashboard 0001):
welfare forgets their models; the tables stay, owned by the new apps."""

from django.db import migrations

MOVED = {
    "here_to_help": [
        "helprequest",
        "requestnote",
        "organisation",
        "organisationneed",
        "organisationarea",
        "signpost",
    ],
    "dashboard": [
        "dashboardsnapshot",
        "cohortfigure",
        "calldayfigure",
        "escalationfigure",
        "helpfigure",
        "arrearsfigure",
        "servicefigure",
    ],
}


def _relabel(apps, source, target):
    # Content types (and so permissions and admin log entries) follow the models, rather than
    # being left behind as stale welfare ones and created again empty for the new apps.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        ContentType.objects.filter(app_label=source(app), model__in=models).exclude(
            model__in=ContentType.objects.filter(app_label=target(app)).values("model")
        ).update(app_label=target(app))


def content_types_forward(apps, schema_editor):
    _relabel(apps, source=lambda app: "welfare", target=lambda app: app)


def content_types_backward(apps, schema_editor):
    _relabel(apps, source=lambda app: app, target=lambda app: "welfare")


class Migration(migrations.Migration):
    dependencies = [
        ("arrears", "0002_help_request_in_here_to_help"),
        ("dashboard", "0001_initial"),
        ("here_to_help", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("welfare", "0007_dashboard_summaries"),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name="calldayfigure",
            name="snapshot",
        ),
        migrations.RemoveField(
            model_name="calldayfigure",
            name="team",
        ),
        migrations.RemoveField(
            model_name="cohortfigure",
            name="snapshot",
        ),
        migrations.RemoveField(
            model_name="cohortfigure",
            name="team",
        ),
        migrations.RemoveField(
            model_name="servicefigure",
            name="snapshot",
        ),
        migrations.RemoveField(
            model_name="escalationfigure",
            name="snapshot",
        ),
        migrations.RemoveField(
            model_name="helpfigure",
            name="snapshot",
        ),
        migrations.RemoveField(
            model_name="escalationfigure",
            name="team",
        ),
        migrations.RemoveField(
            model_name="helpfigure",
            name="team",
        ),
        migrations.RemoveField(
            model_name="helprequest",
            name="arrears_considered_by",
        ),
        migrations.RemoveField(
            model_name="helprequest",
            name="owner",
        ),
        migrations.RemoveField(
            model_name="helprequest",
            name="raised_by",
        ),
        migrations.RemoveField(
            model_name="helprequest",
            name="source_task",
        ),
        migrations.RemoveField(
            model_name="helprequest",
            name="team",
        ),
        migrations.RemoveField(
            model_name="helprequest",
            name="tenant",
        ),
        migrations.RemoveField(
            model_name="signpost",
            name="request",
        ),
        migrations.RemoveField(
            model_name="requestnote",
            name="request",
        ),
        migrations.RemoveField(
            model_name="organisation",
            name="validated_by",
        ),
        migrations.RemoveField(
            model_name="organisationneed",
            name="organisation",
        ),
        migrations.RemoveField(
            model_name="signpost",
            name="organisation",
        ),
        migrations.RemoveField(
            model_name="organisationarea",
            name="organisation",
        ),
        migrations.RemoveField(
            model_name="requestnote",
            name="author",
        ),
        migrations.RemoveField(
            model_name="signpost",
            name="given_by",
        ),
        migrations.DeleteModel(
            name="ArrearsFigure",
        ),
        migrations.DeleteModel(
            name="CallDayFigure",
        ),
        migrations.DeleteModel(
            name="CohortFigure",
        ),
        migrations.DeleteModel(
            name="ServiceFigure",
        ),
        migrations.DeleteModel(
            name="DashboardSnapshot",
        ),
        migrations.DeleteModel(
            name="EscalationFigure",
        ),
        migrations.DeleteModel(
            name="HelpFigure",
        ),
        migrations.DeleteModel(
            name="HelpRequest",
        ),
        migrations.DeleteModel(
            name="OrganisationNeed",
        ),
        migrations.DeleteModel(
            name="Organisation",
        ),
        migrations.DeleteModel(
            name="OrganisationArea",
        ),
        migrations.DeleteModel(
            name="RequestNote",
        ),
        migrations.DeleteModel(
            name="Signpost",
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
