"""The outcomes that take a tenant out of the call queue are never one click: "In hospital" and
"Reported deceased" need a confirming tick, as "Declined further calls" does, and a hospital
stay is within 90 days (a slipped year hid the tenant for a year). A refusal keeps what was
typed and says why."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import CallTaskFactory, TenantFactory, load_default_cohorts
from welfare.call_models import Call, Escalation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def tenant(patch):
    return TenantFactory(first_name="Duncan", last_name="Lyons", patch=patch)


@pytest.fixture
def task(tenant, officer):
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False):  # one day throughout, even at 23:59
        yield timezone.localdate()


def post_call(client, task, **data):
    payload = {"idempotency_key": str(uuid.uuid4()), "then": "queue", **data}
    return client.post(f"/queue/task/{task.pk}/log/", payload)


def in_hospital(client, task, until, **data):
    return post_call(
        client,
        task,
        outcome="in_hospital",
        in_hospital_until_0=until.day,
        in_hospital_until_1=until.month,
        in_hospital_until_2=until.year,
        notes="Fall at home, ward 4",
        **data,
    )


def refused(response):
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert not Call.objects.exists()
    return page


class TestInHospital:
    def test_a_stay_13_months_ahead_is_refused_keeping_what_was_typed(
        self, officer_client, task, tenant, frozen
    ):
        typo = frozen + timedelta(days=395)
        page = refused(in_hospital(officer_client, task, typo, hospital_confirmed="on"))
        latest = frozen + timedelta(days=90)
        assert (
            f"The date the tenant is in hospital until must be {latest:%-d %B %Y} or earlier "
            f"(90 days ahead). For a longer stay, enter {latest:%-d %B %Y}" in page
        )
        assert f'value="{typo.day}"' in page and f'value="{typo.year}"' in page
        assert "Fall at home, ward 4" in page
        assert re.search(r'name="hospital_confirmed"[^>]*checked', page)
        tenant.refresh_from_db()
        task.refresh_from_db()
        assert tenant.in_hospital_until is None and task.is_open

    def test_a_stay_up_to_90_days_ahead_pauses_calls(self, officer_client, task, tenant, frozen):
        too_far = in_hospital(
            officer_client, task, frozen + timedelta(days=91), hospital_confirmed="on"
        )
        assert too_far.status_code == 400
        until = frozen + timedelta(days=90)
        assert in_hospital(officer_client, task, until, hospital_confirmed="on").status_code == 302
        tenant.refresh_from_db()
        task.refresh_from_db()
        assert tenant.in_hospital_until == until and not task.is_open

    def test_a_date_today_is_refused_saying_why(self, officer_client, task, frozen):
        page = refused(in_hospital(officer_client, task, frozen, hospital_confirmed="on"))
        assert "in hospital until must be in the future: it is when calls start again" in page
        assert "Fall at home, ward 4" in page

    def test_it_needs_the_officer_to_confirm(self, officer_client, task, tenant, frozen):
        until = frozen + timedelta(days=14)
        page = refused(in_hospital(officer_client, task, until))
        assert "Confirm that the tenant is in hospital" in page
        assert f'value="{until.year}"' in page and "Fall at home, ward 4" in page
        assert re.search(r'value="in_hospital"\s+checked', page)
        tenant.refresh_from_db()
        assert tenant.in_hospital_until is None


class TestReportedDeceased:
    def test_it_needs_the_officer_to_confirm(self, officer_client, task, tenant):
        response = post_call(officer_client, task, outcome="deceased", notes="Neighbour said so")
        page = refused(response)
        assert "Confirm that you were told the tenant has died" in page
        assert "Neighbour said so" in page and re.search(r'value="deceased"\s+checked', page)
        tenant.refresh_from_db()
        task.refresh_from_db()
        assert tenant.deceased_reported_on is None and task.is_open
        assert not Escalation.objects.exists()

    def test_a_confirmed_report_stops_calls_and_asks_a_manager(self, officer_client, task, tenant):
        response = post_call(officer_client, task, outcome="deceased", deceased_confirmed="on")
        assert response.status_code == 302
        tenant.refresh_from_db()
        assert tenant.deceased_reported_on == timezone.localdate()
        assert Escalation.objects.get().reason == Escalation.Reason.DECEASED

    def test_the_tick_under_another_outcome_is_refused_not_dropped(self, officer_client, task):
        page = refused(
            post_call(officer_client, task, outcome="no_answer", deceased_confirmed="on")
        )
        assert "You filled in questions under &quot;Reported deceased&quot;" in page


def test_the_call_page_shows_each_tick_under_its_outcome(officer_client, task):
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    for outcome, tick in [
        ("in_hospital", "hospital_confirmed"),
        ("declined", "decline_confirmed"),
        ("deceased", "deceased_confirmed"),
    ]:
        revealed = re.search(rf'value="{outcome}"[^>]*aria-controls="([^"]+)"', page)
        assert revealed, outcome
        reveal = page.split(f'id="{revealed.group(1)}"')[1].split("govuk-radios__item")[0]
        assert f'name="{tick}"' in reveal, outcome
