"""The register as a manager reads it: services in the public page's groups, each with the
message tenants read, and the reduced or closed services whose message nobody has touched for
14 days or more marked to check (a tester found "Closed for a few days while we make repairs"
in force for ten weeks)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from services import actions
from services.models import Service, ServiceGroup, Status, StatusChange
from tests.csv_support import rows as csv_rows

pytestmark = pytest.mark.django_db

ROW = r'<tr class="govuk-table__row" id="service-([^"]+)"'


def change(slug, user, status, message, days_ago):
    """A change made `days_ago` days (and a minute) before now, in force since then."""
    service = Service.objects.get(slug=slug)
    with time_machine.travel(timezone.now() - timedelta(days=days_ago, minutes=1), tick=False):
        actions.status_change_create(service=service, status=status, message=message, user=user)
    return service


@pytest.fixture
def register(manager):
    """Every service operating since 40 days ago (the loaded register's changes, made as the
    test starts, taken out), then four of them changed since."""
    StatusChange.objects.all().delete()
    for service in Service.objects.all():
        change(service.slug, manager, Status.OPERATING, f"{service.name} is open.", days_ago=40)
    change("allocations", manager, Status.UNAVAILABLE, "Closed for a few days.", days_ago=30)
    change("estate-caretakers", manager, Status.REDUCED, "Fewer caretakers.", days_ago=14)
    change("grounds-maintenance", manager, Status.REDUCED, "Grass cut monthly.", days_ago=13)
    planned = change("customer-involvement", manager, Status.REDUCED, "No meetings.", days_ago=20)
    actions.status_change_create(
        service=planned,
        status=Status.OPERATING,
        message="Meetings are back.",
        user=manager,
        effective_at=timezone.now() + timedelta(days=2),
    )


def get(client, path):
    return client.get(path)


def test_reduced_or_closed_messages_unchanged_for_14_days_are_marked_to_check(
    manager_client, register
):
    page = get(manager_client, "/services/").content.decode()
    assert re.search(r'href="/services/\?review=yes" id="review-count">2 messages to check<', page)
    assert 'id="review-allocations"' in page
    assert 'id="review-estate-caretakers"' in page
    # 13 days is not yet 14; a change already scheduled is the manager's answer; operating is
    # not a message to check.
    for slug in ("grounds-maintenance", "customer-involvement", "emergency-repairs-service"):
        assert f'id="review-{slug}"' not in page


def test_the_count_opens_its_list_and_its_download(manager_client, register):
    page = get(manager_client, "/services/?review=yes").content.decode()
    assert re.findall(ROW, page) == ["estate-caretakers", "allocations"]
    assert "whose message may be out of date" in page
    download = get(manager_client, "/services/register.csv?review=yes")
    lines = csv_rows(download)
    assert [line["service"] for line in lines] == ["Estate Caretakers", "Allocations"]
    assert {line["to_check"] for line in lines} == {"yes"}


def test_services_are_in_the_public_pages_groups_with_their_message(manager_client, register):
    page = get(manager_client, "/services/").content.decode()
    slugs = re.findall(ROW, page)
    groups = dict(Service.objects.values_list("slug", "group"))
    order = [list(ServiceGroup).index(ServiceGroup(groups[slug])) for slug in slugs]
    assert order == sorted(order) and len(set(order)) > 1
    row = re.search(r'id="service-grounds-maintenance".*?</tr>', page, re.S).group(0)
    assert "Grass cut monthly." in row
    # Each group's services under its heading, as on the public page.
    headings = re.findall(r'<tr class="govuk-table__row" id="group-([^"]+)">', page)
    assert headings == sorted(set(headings), key=lambda g: list(ServiceGroup).index(g))
    assert len(headings) == len({groups[slug] for slug in slugs})
    repairs = page[page.index('id="group-repairs"') :]
    assert "Repairs and maintenance" in repairs[:300]
