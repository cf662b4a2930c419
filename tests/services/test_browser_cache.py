"""What browsers and proxies keep of the public outputs: a copy they check on every visit, so a
tenant who reopens a page never sees the status it had before a change."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from services import actions
from services.models import Status
from tests.services.conftest import REPAIRS, local

pytestmark = pytest.mark.django_db

PUBLIC = [
    "/status/",
    f"/status/{REPAIRS}/",
    "/status.json",
    "/status/feed.atom",
    f"/status/{REPAIRS}/feed.atom",
    "/api/v2/summary.json",
]


@pytest.fixture
def tenant():
    """A tenant's browser, with its HTTP cache: a kept copy is shown as it is while younger than
    its max-age, and checked with its ETag once older (a 304 shows the kept copy)."""

    class Browser(Client):
        def __init__(self):
            super().__init__()
            self.kept = {}  # path -> (response, when it was kept)

        def open(self, path):
            response, kept_at = self.kept.get(path, (None, 0))
            if response is not None:
                max_age = re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)
                if time.time() - kept_at < int(max_age):
                    return response
            headers = {}
            if response is not None and response.has_header("ETag"):
                headers["If-None-Match"] = response["ETag"]
            fresh = self.get(path, headers=headers)
            if fresh.status_code == 304:
                self.kept[path] = (response, time.time())
                return response
            self.kept[path] = (fresh, time.time())
            return fresh

        def check(self, path):
            """What the server answers when this browser checks its copy (no copy shown)."""
            response = self.kept[path][0]
            return self.get(path, headers={"If-None-Match": response["ETag"]})

    return Browser()


def status_on(response):
    return re.search(r'govuk-tag[^"]*">([^<]+)<', response.content.decode()).group(1).strip()


@pytest.mark.parametrize("path", PUBLIC)
def test_browsers_keep_a_copy_but_check_it_on_every_visit(client, path):
    response = client.get(path)
    assert response.status_code == 200
    controls = {part.strip() for part in response["Cache-Control"].split(",")}
    assert controls == {"public", "max-age=0", "must-revalidate"}
    assert response["ETag"]


@pytest.mark.parametrize("path", PUBLIC)
def test_an_unchanged_copy_is_a_304_without_a_query(tenant, path, django_assert_num_queries):
    first = tenant.open(path)
    with django_assert_num_queries(0):
        again = tenant.check(path)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "must-revalidate" in again["Cache-Control"]


def test_a_304_keeps_the_policy_the_kept_page_was_sent_with(tenant):
    # A new nonce on the 304 would replace the kept policy and block the kept page's scripts.
    tenant.open("/status/")
    assert "Content-Security-Policy" not in tenant.check("/status/")


def test_a_tenant_reopening_a_page_after_a_change_sees_the_new_status(
    tenant, repairs, manager, django_capture_on_commit_callbacks
):
    page = f"/status/{REPAIRS}/"
    assert status_on(tenant.open(page)) == "Currently unavailable"
    with django_capture_on_commit_callbacks(execute=True):
        actions.status_change_create(
            service=repairs, status=Status.OPERATING, message="Repairs are back.", user=manager
        )
    assert status_on(tenant.open(page)) == "Operating"


def test_a_scheduled_change_shows_on_the_first_visit_after_its_time(tenant, repairs, manager):
    at = local(days=1, hour=9)
    page = f"/status/{REPAIRS}/"
    with time_machine.travel(at - timedelta(seconds=30), tick=False):
        actions.status_change_create(
            service=repairs,
            status=Status.OPERATING,
            message="Repairs are back.",
            user=manager,
            effective_at=at,
        )
        assert status_on(tenant.open(page)) == "Currently unavailable"
    with time_machine.travel(at + timedelta(seconds=1), tick=False):
        assert status_on(tenant.open(page)) == "Operating"
