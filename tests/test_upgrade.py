"""A database migrated at the last migration before Here to Help and the dashboard left welfare
upgrades in place: every row of every moved table is still there, read through the new apps."""

from datetime import date, timedelta

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# Where main stood before the split: welfare at its dashboard tables, arrears at its first.
PRE_SPLIT = [("welfare", "0007_dashboard_summaries"), ("arrears", "0001_initial")]
MOVED = {
    "here_to_help": [
        "HelpRequest",
        "RequestNote",
        "Organisation",
        "OrganisationNeed",
        "OrganisationArea",
        "Signpost",
    ],
    "dashboard": [
        "DashboardSnapshot",
        "CohortFigure",
        "CallDayFigure",
        "EscalationFigure",
        "HelpFigure",
        "ArrearsFigure",
        "ServiceFigure",
    ],
}


def _create_pre_split_rows(old):
    """One row (at least) in every table that moves, written through the old welfare models."""
    now = timezone.now()
    model = old.get_model
    team = model("accounts", "Team").objects.create(name="Upgrade team")
    patch = model("accounts", "Patch").objects.create(code="UP-1", name="Upgrade", team=team)
    officer = model("accounts", "User").objects.create(
        username="upgrade.officer", role="officer", team=team
    )
    tenant = model("tenants", "Tenant").objects.create(
        tenancy_ref="UPG-0001",
        first_name="Ada",
        last_name="O'Neill",
        date_of_birth=date(1950, 1, 2),
        address_line_1="1 Upgrade Street",
        postcode="PR1 2AB",
        patch=patch,
    )
    task = model("welfare", "CallTask").objects.create(
        tenant=tenant, team=team, opened_on=date(2026, 11, 2), due_on=date(2026, 11, 2),
        cadence_days=14,
    )  # fmt: skip
    request = model("welfare", "HelpRequest").objects.create(
        tenant=tenant, need="financial_difficulty", source="welfare_call", team=team,
        raised_by=officer, due_at=now + timedelta(days=5), source_task=task,
    )  # fmt: skip
    organisation = model("welfare", "Organisation").objects.create(
        name="Preston Pantry", kind="charity", validated_at=now, validated_by=officer
    )
    rows = {
        "HelpRequest": request,
        "RequestNote": model("welfare", "RequestNote").objects.create(
            request=request, author=officer, text="Asked about the hardship fund."
        ),
        "Organisation": organisation,
        "OrganisationNeed": model("welfare", "OrganisationNeed").objects.create(
            organisation=organisation, need="food"
        ),
        "OrganisationArea": model("welfare", "OrganisationArea").objects.create(
            organisation=organisation, outward_code="PR1"
        ),
        "Signpost": model("welfare", "Signpost").objects.create(
            request=request, organisation=organisation, given_by=officer, notes="Leaflet."
        ),
    }
    snapshot = model("welfare", "DashboardSnapshot").objects.create(
        computed_at=now, as_of=date(2026, 11, 2), cohorts=[{"code": "aged_70"}]
    )
    rows["DashboardSnapshot"] = snapshot
    figures = {
        "CohortFigure": {"cohort": "aged_70", "tenants": 3, "up_to_date": 2},
        "CallDayFigure": {"day": date(2026, 11, 1), "calls": 4, "spoke": 3},
        "EscalationFigure": {"reason": "no_answer", "age": "under_1_day", "count": 1},
        "HelpFigure": {"need": "food", "status": "new", "count": 2, "past_target": 1},
        "ArrearsFigure": {"reason": "furlough", "open": 1},
    }
    for name, values in figures.items():
        rows[name] = model("welfare", name).objects.create(snapshot=snapshot, team=team, **values)
    rows["ServiceFigure"] = model("welfare", "ServiceFigure").objects.create(
        snapshot=snapshot, status="operating", count=7
    )
    flag = model("arrears", "ArrearsFlag").objects.create(
        tenant=tenant, reported_on=date(2026, 11, 1), reason="furlough", help_request=request,
        raised_by=officer,
    )  # fmt: skip
    return rows, flag


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_before_the_split_upgrades_in_place_with_every_row():
    executor = MigrationExecutor(connection)
    executor.migrate([("here_to_help", None), ("dashboard", None), *PRE_SPLIT])
    executor.loader.build_graph()
    old = executor.loader.project_state(PRE_SPLIT).apps
    rows, flag = _create_pre_split_rows(old)
    # At the old state the content types are welfare's, as on a database that never had the
    # new apps.
    ContentType = old.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label__in=MOVED).delete()
    moved_types = {
        name: ContentType.objects.get_or_create(app_label="welfare", model=name.lower())[0].pk
        for names in MOVED.values()
        for name in names
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for app, names in MOVED.items():
        for name in names:
            model = current_apps.get_model(app, name)
            assert model._meta.db_table == f"welfare_{name.lower()}"
            old_row = rows[name]
            new_row = model.objects.get(pk=old_row.pk)
            # Every value the old row held survives (fields added since take their defaults).
            for field in old_row._meta.concrete_fields:
                assert getattr(new_row, field.attname) == getattr(old_row, field.attname), (
                    f"{app}.{name}.{field.name}"
                )
            content_type = current_apps.get_model("contenttypes", "ContentType").objects.get(
                pk=moved_types[name]
            )
            assert (content_type.app_label, content_type.model) == (app, name.lower())
    request = current_apps.get_model("here_to_help", "HelpRequest").objects.get(
        pk=rows["HelpRequest"].pk
    )
    assert request.source_task.tenant.tenancy_ref == "UPG-0001"
    assert request.notes.get().text == "Asked about the hardship fund."
    assert request.signposts.get().organisation.name == "Preston Pantry"
    assert current_apps.get_model("arrears", "ArrearsFlag").objects.get(
        pk=flag.pk
    ).help_request == (request)
