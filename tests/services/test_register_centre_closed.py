"""While the Customer Contact Centre is currently unavailable, the register marks each other
service whose public message still sends tenants to it, so the manager can change the message
(`services.selectors.sends_tenants_to_contact_centre`)."""

import re

import pytest
from django.conf import settings

from services import actions
from services.models import Service, Status
from services.selectors import sends_tenants_to_contact_centre

from .conftest import REPAIRS

pytestmark = [pytest.mark.django_db, pytest.mark.date_free]

WARNING = "This message tells tenants to phone the Customer Contact Centre, which is currently"


def change_now(slug, user, status, message):
    service = Service.objects.get(slug=slug)
    actions.status_change_create(service=service, status=status, message=message, user=user)
    return service


def row(page, slug):
    return re.search(rf'id="service-{slug}".*?</tr>', page, re.S).group(0)


@pytest.fixture
def centre_closed(manager):
    return change_now(
        settings.CONTACT_CENTRE_SERVICE, manager, Status.UNAVAILABLE, "Closed by a power cut."
    )


def test_a_message_sending_tenants_to_the_closed_centre_is_marked(
    manager_client, manager, centre_closed
):
    change_now(
        REPAIRS, manager, Status.REDUCED, "Emergencies only: phone the customer contact centre."
    )
    page = manager_client.get("/services/").content.decode()
    repairs = row(page, REPAIRS)
    assert WARNING in repairs
    assert "phone the customer contact centre" in repairs  # the message, next to the warning
    assert f'href="/services/{REPAIRS}/change/"' in repairs
    # Not the centre's own message.
    assert WARNING not in row(page, settings.CONTACT_CENTRE_SERVICE)
    assert 'id="centre-closed-messages"' in page


def test_nothing_is_marked_while_the_centre_is_open(manager_client, manager):
    change_now(REPAIRS, manager, Status.REDUCED, "Phone the Customer Contact Centre.")
    page = manager_client.get("/services/").content.decode()
    assert WARNING not in page and 'id="centre-closed-messages"' not in page


def test_a_message_that_does_not_send_tenants_to_the_centre_is_not_marked(
    manager_client, manager, centre_closed
):
    change_now(REPAIRS, manager, Status.REDUCED, "Emergencies only: use the online form.")
    page = manager_client.get("/services/").content.decode()
    assert WARNING not in row(page, REPAIRS)


def test_the_summary_counts_the_whole_register_whatever_is_shown(
    manager_client, manager, centre_closed
):
    page = manager_client.get("/services/").content.decode()
    marked = re.findall(r'id="centre-warning-([^"]+)"', page)
    assert marked  # the seeded messages name the centre ("Contact the Customer Contact Centre")
    summary = re.search(r'id="centre-closed-messages".*?</div>', page, re.S).group(0)
    assert f"{len(marked)} services’ messages tell tenants to phone it" in summary


@pytest.mark.parametrize(
    ("message", "sends"),
    [
        ("Contact the Customer Contact Centre if you need to speak to them.", True),
        ("Phone or email the CUSTOMER CONTACT CENTRE instead.", True),
        ("Ring our contact center.", True),
        ("Call 0161 4960000 to report it.", True),
        ("Call 01614960000 to report it.", True),
        ("Phone us on 0161 496 0999 at any time for emergencies.", False),
        ("Contact your co-ordinator if you need help.", False),
    ],
)
def test_the_text_match(settings, message, sends):
    settings.CONTACT_PHONE = "0161 496 0000"
    assert sends_tenants_to_contact_centre(message) is sends
