"""The staff pages' tables on a phone: one block per row, nothing off the screen's right edge."""

from datetime import timedelta

from django.utils import timezone

from imports.models import ImportJob
from services import cache
from services.models import Service, Status
from tests.factories import (
    CallTaskFactory,
    ManagerFactory,
    PatchFactory,
    StatusChangeFactory,
    TeamFactory,
    TenantFactory,
    load_programme_campaign,
    load_seeded_services,
)
from tests.journeys.conftest import sign_in_manager
from welfare.models import Campaign, Escalation

PHONE = 375


def _phone_and_desktop_problems(journey, path, table):
    """At 375 px the page must not scroll sideways and the first row's last column (the one that
    ran off the edge) must be on the screen; at 1280 px that column is under its header again."""
    page = journey.page
    page.set_viewport_size({"width": PHONE, "height": 740})
    journey.goto(path)
    problems = []
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE:
        problems.append(f"{path} is {width} px wide on a {PHONE} px screen")
    last = page.locator(f"{table} tbody tr").first.locator("td").last
    box = last.bounding_box()
    if box["x"] + box["width"] > PHONE:
        problems.append(f"{path}: the last column is off the screen")

    page.set_viewport_size({"width": 1280, "height": 800})
    header = page.locator(f"{table} thead th").last.bounding_box()
    box = last.bounding_box()
    if not (header["height"] > 1 and header["y"] < box["y"] and abs(header["x"] - box["x"]) < 1):
        problems.append(f"{path}: on a desktop the last column is not under its header")
    return problems


def test_staff_lists_fit_a_phone_and_keep_their_tables_on_a_desktop(journey):
    load_seeded_services()
    load_programme_campaign()
    cache.invalidate()
    maya = ManagerFactory(username="maya", first_name="Maya", last_name="Khan")
    team = TeamFactory(name="Preston and South Ribble")
    patch = PatchFactory(code="PR-RIBBLETON", name="Ribbleton", team=team)
    tenant = TenantFactory(
        first_name="Margaret",
        last_name="Holt-Wainwright",
        tenancy_ref="PHG-0000481",
        address_line_1="Flat 14, Ribbleton Avenue Sheltered Court",
        patch=patch,
    )
    CallTaskFactory(tenant=tenant)
    TenantFactory(
        first_name="Bartholomew",
        last_name="Fitzgerald-Ainsworth",
        tenancy_ref="PHG-0000482",
        address_line_1="Flat 22, Ribbleton Avenue Sheltered Court",
        patch=None,
    )
    ImportJob.objects.create(
        kind="tenants",
        created_by=maya,
        file_name="northshore-tenants-october-full-export.csv",
        file_size=2048,
        status=ImportJob.Status.CHECKED,
    )
    Escalation.objects.create(tenant=tenant, team=team, reason=Escalation.Reason.WRONG_NUMBER)
    StatusChangeFactory(
        service=Service.objects.get(slug="customer-contact-centre"),
        status=Status.REDUCED,
        message="Fewer advisers on the phones this afternoon.",
        effective_at=timezone.now() + timedelta(days=1),
        created_by=maya,
    )
    campaign = Campaign.objects.order_by("pk").first()

    sign_in_manager(journey, "maya")
    problems = []
    for path, table in [
        ("/imports/", "#imports"),
        ("/services/", "#register"),
        ("/services/customer-contact-centre/history/", "#history"),
        ("/queue/escalations/", "#escalation-list"),
        ("/tenants/?q=Holt-Wainwright", "table[aria-labelledby=results-heading]"),
        ("/tenants/import/unassigned/", "#main-content table"),
        ("/campaigns/", "#campaigns"),
        (f"/campaigns/{campaign.pk}/", "#progress-by-team"),
        (f"/queue/team/{team.pk}/", "#queue"),
    ]:
        problems += _phone_and_desktop_problems(journey, path, table)
    assert not problems, "\n".join(problems)
