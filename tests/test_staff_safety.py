"""The small findings of issue 16: caching of staff pages, password reset timing, backup codes."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD, TenantFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db


def post_sign_in(client, username):
    return client.post("/accounts/sign-in/", {"username": username, "password": PASSWORD})


class TestNoStore:
    @pytest.mark.parametrize("path", ["/", "/tenants/", "/queue/", "/accounts/security/"])
    def test_staff_pages_are_never_stored(self, officer_client, path):
        response = officer_client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]

    def test_a_tenant_record_is_never_stored(self, officer_client, patch):
        response = officer_client.get(f"/tenants/{TenantFactory(patch=patch).pk}/")
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_the_sign_in_page_is_never_stored(self, client):
        assert "no-store" in client.get("/accounts/sign-in/")["Cache-Control"]

    @pytest.mark.parametrize("path", ["/status/", "/status.json", "/api/v2/summary.json"])
    def test_public_status_pages_keep_their_own_caching(self, manager_client, path):
        for who in (Client(), manager_client):  # signed out, and a signed-in manager
            cache_control = who.get(path)["Cache-Control"]
            assert "public" in cache_control and "no-store" not in cache_control


class TestPasswordReset:
    def test_email_is_sent_by_a_task_after_the_commit(
        self, client, officer, tasks_run_here, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client.post("/accounts/password-reset/", {"email": "olivia@example.org"})
        assert response.status_code == 302
        assert mail.outbox == []  # nothing was sent while the person waited
        assert len(callbacks) == 1
        callbacks[0]()
        assert len(mail.outbox) == 1
        assert re.search(r"http://testserver/accounts/password-reset/\S+/", mail.outbox[0].body)

    def test_known_and_unknown_addresses_get_the_same_answer_with_the_same_work(
        self, client, officer, django_capture_on_commit_callbacks
    ):
        answers = []
        for email in ("olivia@example.org", "nobody@example.org"):
            with (
                CaptureQueriesContext(connection) as queries,
                django_capture_on_commit_callbacks(execute=False) as callbacks,
            ):
                response = client.post("/accounts/password-reset/", {"email": email})
            answers.append((response.status_code, response.url, len(queries), len(callbacks)))
        assert answers[0] == answers[1]
        assert mail.outbox == []

    def test_unknown_address_gets_no_email(
        self, client, officer, tasks_run_here, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
        assert mail.outbox == []


class TestBackupCodes:
    def test_a_backup_code_is_not_a_failed_app_code(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        static = manager.staticdevice_set.create(name="Backup codes")
        static.token_set.create(token="abcd1234")
        static.token_set.create(token="beef5678")
        post_sign_in(client, "maya")
        assert client.post("/accounts/two-factor/", {"token": "abcd1234"}).status_code == 302
        client.post("/accounts/logout/")
        post_sign_in(client, "maya")
        assert client.post("/accounts/two-factor/", {"token": "beef5678"}).status_code == 302
        device.refresh_from_db()
        assert device.throttling_failure_count == 0

    def test_a_wrong_backup_code_does_not_slow_the_app_either(self, client, manager):
        device = TOTPDeviceFactory(user=manager)
        manager.staticdevice_set.create(name="Backup codes").token_set.create(token="abcd1234")
        post_sign_in(client, "maya")
        response = client.post("/accounts/two-factor/", {"token": "ffff0000"})
        assert "The security code is wrong" in response.content.decode()
        device.refresh_from_db()
        assert device.throttling_failure_count == 0
