"""Bad input gets a clear error, never a 500 (issue 16, findings 5 and 6: implausible dates)."""

from datetime import date

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from arrears.models import ArrearsFlag
from config.forms import DateField
from tests.factories import PASSWORD, TenantFactory
from welfare.models import Redeployment

pytestmark = pytest.mark.django_db

TODAY = "2026-11-18 12:00"  # a Wednesday; every window below is counted from it


def date_parts(name, day, month, year):
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


class TestDateField:
    def test_a_year_of_twenty_digits_is_not_a_real_date(self):
        field = DateField(label="Date")
        with pytest.raises(Exception) as error:
            field.clean(["1", "1", "9" * 20])
        assert error.value.messages == ["The date must be a real date"]

    @time_machine.travel(TODAY, tick=False)
    def test_a_date_outside_its_window_is_refused_with_the_window(self):
        field = DateField(label="Date", years_back=1, years_ahead=1)
        with pytest.raises(Exception) as error:
            field.clean(["1", "1", "1"])
        assert error.value.messages == [
            "The date must be between 18 November 2025 and 18 November 2027"
        ]
        assert field.clean(["18", "11", "2027"]) == date(2027, 11, 18)


@pytest.fixture
def tenant(patch):
    return TenantFactory(patch=patch)


def flags(tenant, **values):
    payload = {"reason": "Phoned in", "lives_alone": "", **values}
    for name in ("self_isolating_from", "self_isolating_until", "in_hospital_until"):
        payload.update(date_parts(name, "", "", ""))
    payload.update(date_parts("declined_calls_on", "", "", ""))
    payload.update(date_parts("deceased_reported_on", "", "", ""))
    payload.update(values)
    return payload


class TestTenantFlags:
    def test_a_date_part_of_twenty_digits_is_a_form_error(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/flags/",
            flags(tenant, **date_parts("self_isolating_from", "1", "1", "9" * 20)),
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "The date must be a real date" in page
        assert "9" * 20 in page  # what was typed is shown again

    def test_an_interpreter_language_over_100_characters_is_a_form_error(
        self, officer_client, tenant
    ):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/flags/", flags(tenant, interpreter_language="x" * 101)
        )
        assert response.status_code == 200
        assert "at most 100 characters" in response.content.decode()
        tenant.refresh_from_db()
        assert tenant.interpreter_language == ""

    @time_machine.travel(TODAY, tick=False)
    def test_a_hospital_stay_until_the_year_2206_is_refused(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/flags/",
            flags(tenant, **date_parts("in_hospital_until", "1", "1", "2206")),
        )
        assert "The date must be between 18 November 2016 and 18 November 2028" in (
            response.content.decode()
        )
        tenant.refresh_from_db()
        assert tenant.in_hospital_until is None

    @time_machine.travel(TODAY, tick=False)
    def test_a_hospital_stay_beyond_90_days_is_refused_and_kept(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/flags/",
            flags(tenant, **date_parts("in_hospital_until", "18", "12", "2027")),
        )
        page = response.content.decode()
        assert "In hospital until must be 16 February 2027 or earlier (90 days ahead)" in page
        assert 'value="2027"' in page  # what was typed is shown again
        tenant.refresh_from_db()
        assert tenant.in_hospital_until is None

    @time_machine.travel(TODAY, tick=False)
    def test_a_hospital_stay_of_90_days_is_saved(self, officer_client, tenant):
        officer_client.post(
            f"/tenants/{tenant.pk}/flags/",
            flags(tenant, **date_parts("in_hospital_until", "16", "2", "2027")),
        )
        tenant.refresh_from_db()
        assert tenant.in_hospital_until == date(2027, 2, 16)

    @time_machine.travel(TODAY, tick=False)
    def test_a_longer_stay_already_held_does_not_block_other_changes(self, officer_client, tenant):
        tenant.in_hospital_until = date(2027, 6, 1)  # set before the limit
        tenant.save()
        officer_client.post(
            f"/tenants/{tenant.pk}/flags/",
            flags(
                tenant,
                interpreter_language="Polish",
                **date_parts("in_hospital_until", "1", "6", "2027"),
            ),
        )
        tenant.refresh_from_db()
        assert tenant.interpreter_language == "Polish"
        assert tenant.in_hospital_until == date(2027, 6, 1)


@time_machine.travel(TODAY, tick=False)
def test_a_redeployment_from_the_year_1_is_refused(manager_client, patch, other_team):
    response = manager_client.post(
        reverse("welfare:redeploy"),
        {
            "patch": patch.pk,
            "team": other_team.pk,
            **date_parts("starts_on", "1", "1", "1"),
            **date_parts("ends_on", "30", "11", "2026"),
        },
    )
    assert response.status_code == 200
    assert "The date must be between 18 November 2025 and 18 November 2027" in (
        response.content.decode()
    )
    assert not Redeployment.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_an_arrears_flag_reported_in_the_year_1_is_refused(income_client, tenant):
    response = income_client.post(
        f"/arrears/raise/?tenant={tenant.pk}",
        {"reason": "furlough", **date_parts("reported_on", "1", "1", "1"), "notes": ""},
    )
    assert response.status_code == 200
    assert "The date must be between" in response.content.decode()
    assert not ArrearsFlag.objects.exists()


class TestNulCharacters:
    def test_a_search_for_a_nul_is_refused_clearly(self, officer_client):
        response = officer_client.get("/tenants/", {"q": "\x00"})
        assert response.status_code == 400
        assert "There is a problem with what you entered" in response.content.decode()

    def test_a_form_with_a_nul_is_refused_clearly(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/flags/", flags(tenant, communication_needs="deaf\x00")
        )
        assert response.status_code == 400
        tenant.refresh_from_db()
        assert tenant.communication_needs == ""

    def test_a_nul_in_a_sign_in_is_refused(self, client):
        response = client.post("/accounts/sign-in/", {"username": "a\x00", "password": "x"})
        assert response.status_code == 400


def test_a_username_over_255_characters_is_a_failed_sign_in(client):
    response = client.post("/accounts/sign-in/", {"username": "a" * 300, "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter a correct username or email address and password." in response.content.decode()
    assert AccessAttempt.objects.get().username == "a" * 255


def test_a_required_date_with_a_year_of_spaces_is_incomplete():
    field = DateField(label="Date closed", error_messages={"incomplete": "Enter the date closed"})
    with pytest.raises(Exception) as error:
        field.clean(["29", "11", " "])
    assert error.value.messages == ["Enter the date closed"]


def test_a_required_date_of_spaces_only_is_required():
    field = DateField(label="Date closed", error_messages={"required": "Enter the date closed"})
    with pytest.raises(Exception) as error:
        field.clean([" ", " ", " "])
    assert error.value.messages == ["Enter the date closed"]


def test_a_next_that_is_not_a_path_goes_home(client, manager):
    from django_otp.oath import totp

    from tests.factories import TOTPDeviceFactory

    device = TOTPDeviceFactory(user=manager)
    client.force_login(manager)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/accounts/two-factor/", {"token": code, "next": "99999"})
    assert response.status_code == 302
    assert response.url == "/"


def test_arrears_considered_with_a_next_that_is_not_a_path(income_client, tenant, officer):
    from tests.factories import HelpRequestFactory

    help_request = HelpRequestFactory(tenant=tenant, need="financial_difficulty", raised_by=officer)
    response = income_client.post(
        f"/help/{help_request.pk}/arrears-considered/",
        {"next": "99999", "reason": "Rent covered by Universal Credit"},
    )
    assert response.status_code == 302
    assert response.url == f"/help/{help_request.pk}/"
