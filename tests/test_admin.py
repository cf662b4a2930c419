"""The Django admin (issue 16, finding 1): managers with two-factor only, no way round the model."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils.html import escape
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import User
from conftest import sign_in
from tenants.models import AccessLog
from tests.factories import (
    PASSWORD,
    FamilyContactFactory,
    ManagerFactory,
    OfficerFactory,
    TenantFactory,
    TOTPDeviceFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/django-admin/"


@pytest.fixture
def admin_manager(db):
    return ManagerFactory(username="ada", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_manager):
    return sign_in(client, admin_manager)


class TestWhoMayUseTheAdmin:
    def test_manager_who_passed_two_factor_gets_in(self, admin_client):
        assert admin_client.get(ADMIN).status_code == 200

    def test_superuser_with_a_password_only_is_sent_to_two_factor(self, client, team):
        # The probe's superuser: an officer's role and a team, signed in without a second factor.
        user = OfficerFactory(username="root", team=team, is_staff=True, is_superuser=True)
        client.post("/accounts/sign-in/", {"username": "root", "password": PASSWORD})
        response = client.get(ADMIN)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/two-factor/")
        assert user.requires_two_factor()

    def test_superuser_who_is_not_a_manager_is_refused_even_after_two_factor(self, client, team):
        user = OfficerFactory(username="root", team=team, is_staff=True, is_superuser=True)
        TOTPDeviceFactory(user=user)
        response = sign_in(client, user).get(ADMIN, follow=True)
        assert response.status_code == 403

    def test_manager_without_two_factor_is_not_let_in(self, client, admin_manager):
        client.force_login(admin_manager)  # password only: the session is not verified
        response = client.get(ADMIN)
        assert response.status_code == 302
        assert not response.url.startswith(ADMIN)

    def test_admin_sign_in_page_is_the_services_own(self, client):
        response = client.get(f"{ADMIN}login/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/sign-in/")


class TestTenantsInTheAdmin:
    def test_tenant_is_read_only_and_cannot_be_deleted(self, admin_client, patch):
        tenant = TenantFactory(patch=patch)
        page = admin_client.get(f"{ADMIN}tenants/tenant/{tenant.pk}/change/")
        assert page.status_code == 200
        assert 'name="first_name"' not in page.content.decode()
        assert admin_client.get(f"{ADMIN}tenants/tenant/add/").status_code == 403
        response = admin_client.post(f"{ADMIN}tenants/tenant/{tenant.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403
        assert tenant.__class__.objects.filter(pk=tenant.pk).exists()

    def test_reading_a_tenant_writes_the_access_log(self, admin_client, admin_manager, patch):
        tenant = TenantFactory(patch=patch)
        admin_client.get(f"{ADMIN}tenants/tenant/{tenant.pk}/change/")
        row = AccessLog.objects.get(tenant=tenant)
        assert row.user == admin_manager
        assert row.kind == AccessLog.Kind.VIEW
        assert row.page == f"{ADMIN}tenants/tenant/{tenant.pk}/change/"

    def test_listing_tenants_writes_the_access_log(self, admin_client, admin_manager, patch):
        TenantFactory(patch=patch, last_name="Ashworth")
        page = admin_client.get(f"{ADMIN}tenants/tenant/", {"q": "Ashworth"})
        assert "Ashworth" in page.content.decode()
        row = AccessLog.objects.get(user=admin_manager)
        assert (row.kind, row.query) == (AccessLog.Kind.SEARCH, "Ashworth")

    def test_family_contacts_are_not_in_the_admin(self, admin_client, patch):
        contact = FamilyContactFactory(tenant=TenantFactory(patch=patch))
        response = admin_client.get(f"{ADMIN}tenants/familycontact/{contact.pk}/change/")
        assert response.status_code == 404


class TestSecretsAreNeverShown:
    def test_totp_key_is_not_on_any_device_page(self, admin_client, team):
        officer = OfficerFactory(team=team)
        device = TOTPDeviceFactory(user=officer)
        listing = admin_client.get(f"{ADMIN}otp_totp/totpdevice/").content.decode()
        page = admin_client.get(f"{ADMIN}otp_totp/totpdevice/{device.pk}/change/")
        assert page.status_code == 200
        for html in (listing, page.content.decode()):
            assert device.key not in html
        for extra in ("config/", "qrcode/"):  # django-otp's own pages of the key
            response = admin_client.get(
                f"{ADMIN}otp_totp/totpdevice/{device.pk}/{extra}", follow=True
            )
            assert device.key not in response.content.decode()
            assert "otpauth://" not in response.content.decode()

    def test_backup_codes_are_not_on_the_device_page(self, admin_client, team):
        officer = OfficerFactory(team=team)
        device = StaticDevice.objects.create(user=officer, name="Backup codes")
        StaticToken.objects.create(device=device, token="c0ffee42")
        page = admin_client.get(f"{ADMIN}otp_static/staticdevice/{device.pk}/change/")
        assert page.status_code == 200
        assert "c0ffee42" not in page.content.decode()

    def test_a_lost_device_can_still_be_removed(self, admin_client, team):
        device = TOTPDeviceFactory(user=OfficerFactory(team=team))
        admin_client.post(f"{ADMIN}otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
        assert not device.__class__.objects.filter(pk=device.pk).exists()


def test_role_change_is_in_the_history_with_before_and_after(admin_client, team):
    officer = OfficerFactory(username="olly", team=team)
    url = f"{ADMIN}accounts/user/{officer.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "role": User.Role.MANAGER,
            "team": "",
            "date_joined_0": officer.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": officer.date_joined.strftime("%H:%M:%S"),
            "last_login_0": "",
            "last_login_1": "",
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("date_joined")
    data.pop("last_login", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.role == User.Role.MANAGER
    entry = LogEntry.objects.get(object_id=str(officer.pk))
    assert "role from Officer to Manager" in entry.get_change_message()
    assert f"team from {team.name} to (none)" in entry.get_change_message()
    history = admin_client.get(f"{url[: -len('change/')]}history/").content.decode()
    assert escape("role from Officer to Manager") in history


class TestCreateManager:
    def test_makes_a_manager_who_must_set_up_two_factor(self, client, monkeypatch):
        monkeypatch.setenv("MANAGER_PASSWORD", "a-long-and-unusual-passphrase")
        call_command("create_manager", "boss", "--email", "boss@example.org", "--no-input")
        user = User.objects.get(username="boss")
        assert (user.role, user.team, user.is_staff, user.is_superuser) == (
            User.Role.MANAGER,
            None,
            True,
            True,
        )
        client.post(
            "/accounts/sign-in/",
            {"username": "boss", "password": "a-long-and-unusual-passphrase"},
        )
        response = client.get(ADMIN)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/two-factor/")

    def test_refuses_a_weak_password(self, monkeypatch):
        monkeypatch.setenv("MANAGER_PASSWORD", "password")
        with pytest.raises(CommandError):
            call_command("create_manager", "boss", "--email", "boss@example.org", "--no-input")
        assert not User.objects.filter(username="boss").exists()
