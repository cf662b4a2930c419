import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import User
from tests.factories import PASSWORD, OfficerFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"


def post_sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


class TestSignIn:
    def test_staff_pages_send_visitors_to_sign_in(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response.url.startswith(SIGN_IN)

    def test_signs_in_by_username_in_any_case(self, client, officer):
        response = post_sign_in(client, "OLIVIA")
        assert response.status_code == 302
        assert client.get("/").context["user"] == officer

    def test_signs_in_by_email(self, client, officer):
        response = post_sign_in(client, "Olivia@Example.org")
        assert response.status_code == 302
        assert response.url == "/"

    def test_wrong_password_shows_error_summary(self, client, officer):
        response = post_sign_in(client, "olivia", "wrong-password")
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page
        assert "Enter a correct username or email address and password." in page

    def test_home_shows_name_and_role(self, officer_client, officer):
        page = officer_client.get("/").content.decode()
        assert "Officer" in page and officer.team.name in page

    def test_sign_out_needs_post_and_ends_session(self, officer_client):
        assert officer_client.get("/accounts/logout/").status_code == 405
        officer_client.post("/accounts/logout/")
        assert officer_client.get("/").status_code == 302

    def test_idle_session_ends_after_30_minutes(self, client, officer):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            post_sign_in(client, "olivia")
            clock.shift(timedelta(minutes=29))
            assert client.get("/").status_code == 200  # activity renews the session
            clock.shift(timedelta(minutes=29))
            assert client.get("/").status_code == 200
            clock.shift(timedelta(minutes=31))
            assert client.get("/").status_code == 302

    def test_password_reset_by_email(
        self, client, officer, tasks_run_here, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password-reset/", {"email": "olivia@example.org"})
        assert len(mail.outbox) == 1
        link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body)
        response = client.get(link.group(1), follow=True)
        new = "a-brand-new-passphrase"
        response = client.post(
            response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
        )
        assert response.status_code == 302
        assert post_sign_in(client, "olivia", new).status_code == 302

    def test_password_reset_does_not_reveal_unknown_addresses(
        self, client, officer, tasks_run_here, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
        assert response.status_code == 302
        assert mail.outbox == []


class TestLockout:
    def test_five_failures_lock_the_username_from_that_address(self, client, officer):
        for _ in range(4):
            assert post_sign_in(client, "olivia", "nope").status_code == 200
        response = post_sign_in(client, "olivia", "nope")
        assert response.status_code == 429
        # Locked: even the right password is refused, with the reason in words.
        response = post_sign_in(client, "olivia")
        assert response.status_code == 429
        assert "Try again in 15 minutes" in response.content.decode()
        # Another address is not locked out.
        assert post_sign_in(client, "olivia", ip="10.0.0.2").status_code == 302

    def test_email_and_username_share_one_counter(self, client, officer):
        for _ in range(3):
            post_sign_in(client, "olivia", "nope")
        post_sign_in(client, "olivia@example.org", "nope")
        assert post_sign_in(client, "OLIVIA", "nope").status_code == 429

    def test_lock_ends_after_15_minutes(self, client, officer):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for _ in range(5):
                post_sign_in(client, "olivia", "nope")
            clock.shift(timedelta(minutes=14))
            assert post_sign_in(client, "olivia").status_code == 429
            clock.shift(timedelta(minutes=2))
            assert post_sign_in(client, "olivia").status_code == 302


class TestTwoFactor:
    def test_manager_without_device_must_set_one_up(self, client, manager):
        post_sign_in(client, "maya")
        response = client.get("/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/two-factor/")
        response = client.get("/accounts/two-factor/", follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/two-factor/setup/")
        device = manager.totpdevice_set.get()
        response = client.post("/accounts/two-factor/setup/", {"token": code_for(device)})
        assert "Your backup codes" in response.content.decode()
        assert StaticToken.objects.filter(device__user=manager).count() == 10
        assert client.get("/").status_code == 200

    def test_manager_with_device_is_asked_for_a_code(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        post_sign_in(client, "maya")
        assert client.get("/").url.startswith("/accounts/two-factor/")
        with time_machine.travel(timezone.now(), tick=False) as clock:
            response = client.post("/accounts/two-factor/", {"token": "000000"})
            assert "The security code is wrong" in response.content.decode()
            clock.shift(timedelta(seconds=2))  # django-otp slows down guessing after a failure
            response = client.post("/accounts/two-factor/?next=/", {"token": code_for(device)})
            assert response.status_code == 302
        assert client.get("/").status_code == 200

    def test_backup_code_works_once(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        static = manager.staticdevice_set.create(name="Backup codes")
        static.token_set.create(token="abcd1234")
        post_sign_in(client, "maya")
        assert client.post("/accounts/two-factor/", {"token": "abcd 1234"}).status_code == 302
        client.post("/accounts/logout/")
        post_sign_in(client, "maya")
        response = client.post("/accounts/two-factor/", {"token": "abcd1234"})
        assert response.status_code == 200
        assert device.user == manager

    def test_officer_is_not_asked_unless_they_opted_in(self, client, officer):
        post_sign_in(client, "olivia")
        assert client.get("/").status_code == 200
        TOTPDeviceFactory(user=officer)
        client.post("/accounts/logout/")
        post_sign_in(client, "olivia")
        assert client.get("/").url.startswith("/accounts/two-factor/")

    def test_officer_is_asked_on_the_next_request_once_any_device_is_confirmed(
        self, client, officer
    ):
        # The devices are read with the user on every request (accounts.backends.get_user):
        # an unconfirmed one does not count, backup codes alone do, at once, in the same session.
        post_sign_in(client, "olivia")
        TOTPDeviceFactory(user=officer, confirmed=False)
        assert client.get("/").status_code == 200
        officer.staticdevice_set.create(name="Backup codes")
        assert client.get("/").url.startswith("/accounts/two-factor/")

    def test_manager_cannot_switch_two_factor_off(self, manager_client, manager):
        manager_client.post("/accounts/two-factor/disable/")
        assert manager.totpdevice_set.filter(confirmed=True).exists()

    def test_officer_can_switch_two_factor_off_after_verifying(self, client, officer):
        from conftest import sign_in

        TOTPDeviceFactory(user=officer)
        sign_in(client, officer)
        client.post("/accounts/two-factor/disable/")
        assert not officer.totpdevice_set.exists()

    def test_next_parameter_cannot_leave_the_site(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        post_sign_in(client, "maya")
        response = client.post(
            "/accounts/two-factor/?next=https://evil.example/", {"token": code_for(device)}
        )
        assert response.url == reverse("home")


class TestStaffModel:
    def test_officer_must_belong_to_a_team(self):
        with pytest.raises(IntegrityError):
            User.objects.create(username="loner", role=User.Role.OFFICER, team=None)

    def test_usernames_are_unique_ignoring_case(self, officer):
        with pytest.raises(IntegrityError):
            OfficerFactory(username="OLIVIA", team=officer.team)


class TestDemoBackupCode:
    def test_the_demo_manager_signs_in_with_the_printed_code(self, client, manager, settings):
        import io

        from django.core.management import call_command

        settings.DEBUG = True
        out = io.StringIO()
        call_command("demo_backup_code", "maya", stdout=out)
        code = re.search(r"backup code: (\w+)", out.getvalue()).group(1)

        post_sign_in(client, "maya")
        assert client.get("/").url.startswith("/accounts/two-factor/")  # still required
        response = client.post("/accounts/two-factor/?next=/", {"token": code})
        assert response.status_code == 302
        assert client.get("/").status_code == 200

    def test_it_refuses_to_run_outside_debug(self, manager, settings):
        from django.core.management import CommandError, call_command

        settings.DEBUG = False
        with pytest.raises(CommandError, match="only with DEBUG on"):
            call_command("demo_backup_code", "maya")
        assert not StaticToken.objects.exists()


def test_the_usual_login_address_leads_to_sign_in_keeping_next(client):
    response = client.get("/accounts/login/?next=/queue/")
    assert response.status_code == 302
    assert response.url == "/accounts/sign-in/?next=/queue/"
