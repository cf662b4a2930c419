"""A bulk message's preview says how many it leaves out in all and downloads every one of them
(why, their numbers to dial and postal address) for a letter or a call instead."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import sign_in
from messaging import bulk as bulk_actions
from messaging.models import BulkMessage, ContactPreference
from tenants.models import AccessLog
from tests.csv_support import rows
from tests.factories import ManagerFactory, SchemeFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(db):
    return SchemeFactory(name="Ribble Court")


def draft(scheme, author=None):
    return bulk_actions.bulk_message_create(
        user=author or ManagerFactory(),
        title="Heatwave advice",
        body="Keep cool: drink water.",
        channel="sms",
        scheme=scheme,
        rate_per_minute=600,
    )


def no_mobiles(scheme, count):
    return [
        TenantFactory(scheme=scheme, last_name=f"Landline{n:02}", mobile="", phone="+441134960001")
        for n in range(count)
    ]


def text(response):
    """The page's words, each tag a space (so "Dear Ruth,<br>Keep" reads "Dear Ruth, Keep")."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_preview_says_how_many_in_all_and_downloads_every_one(manager_client, scheme):
    TenantFactory(scheme=scheme, first_name="Nigel", last_name="Able", mobile="+447700900001")
    left_out = no_mobiles(scheme, 24)
    opted_out = TenantFactory(
        scheme=scheme,
        first_name="Olive",
        last_name="Ellis",
        mobile="+447700900002",
        phone="",
        email="olive@example.org",
        address_line_1="4 Mill Lane",
        address_line_2="Walton",
        town="Preston",
        postcode="PR5 4AB",
    )
    ContactPreference.objects.create(tenant=opted_out, no_sms=True, source="tenant_phone")
    item = draft(scheme)
    page = manager_client.get(f"/messages/bulk/{item.pk}/")
    assert "Who is left out: 25 tenants (the first 20 named here)" in text(page)
    csv_url = f"/messages/bulk/{item.pk}/left-out.csv"
    assert f'id="left-out-csv" href="{csv_url}"' in page.content.decode()

    listed = rows(manager_client.get(csv_url))
    assert len(listed) == 25  # every one, not the 20 the page names
    assert {row["tenancy_ref"] for row in listed} == {t.tenancy_ref for t in [*left_out, opted_out]}
    olive = next(row for row in listed if row["tenant"] == "Olive Ellis")
    assert olive["why_left_out"] == "Opted out"
    assert olive["numbers_to_dial"] == "07700 900002"
    assert (olive["email"], olive["address_line_1"], olive["town"], olive["postcode"]) == (
        "olive@example.org",
        "4 Mill Lane",
        "Preston",
        "PR5 4AB",
    )
    landline = next(row for row in listed if row["tenant"].endswith("Landline00"))
    assert landline["why_left_out"] == "No mobile number"
    assert landline["numbers_to_dial"] == "0113 496 0001"


def test_the_download_logs_every_tenant_it_lists(client, scheme):
    left_out = no_mobiles(scheme, 3)
    TenantFactory(scheme=scheme, mobile="+447700900001")  # a recipient: not in the list
    manager = ManagerFactory()
    item = draft(scheme)
    sign_in(client, manager)
    before = AccessLog.objects.count()
    rows(client.get(f"/messages/bulk/{item.pk}/left-out.csv"))
    logged = AccessLog.objects.order_by("id")[before:]
    assert {entry.user_id for entry in logged} == {manager.pk}
    assert {pk for entry in logged for pk in entry.tenant_ids} == {t.pk for t in left_out}


def test_officers_and_income_officers_may_not_download(client, officer, income_officer, scheme):
    no_mobiles(scheme, 1)
    item = draft(scheme)
    for user in (officer, income_officer):
        response = sign_in(client, user).get(f"/messages/bulk/{item.pk}/left-out.csv")
        assert response.status_code == 403


def test_a_queued_message_has_no_left_out_download(manager_client, scheme):
    no_mobiles(scheme, 1)
    TenantFactory(scheme=scheme, mobile="+447700900001")
    item = draft(scheme)
    bulk_actions.bulk_message_send(bulk=item, user=item.created_by)
    item.refresh_from_db()
    assert item.state == BulkMessage.State.QUEUED
    assert manager_client.get(f"/messages/bulk/{item.pk}/left-out.csv").status_code == 404


def test_the_download_takes_the_same_queries_however_many(manager_client, scheme):
    item = draft(scheme)

    def queries(count):
        no_mobiles(scheme, count)
        with CaptureQueriesContext(connection) as context:
            rows(manager_client.get(f"/messages/bulk/{item.pk}/left-out.csv"))
        return len(context.captured_queries)

    assert queries(2) == queries(20)


def test_a_message_nobody_can_receive_offers_no_send_button(manager_client, scheme):
    no_mobiles(scheme, 3)
    page = manager_client.get(f"/messages/bulk/{draft(scheme).pk}/").content.decode()
    assert 'id="nobody-to-send-to"' in page
    assert "Send to 0 recipients" not in page
    assert "Cancel this message" in page


def test_a_message_someone_can_receive_offers_send(manager_client, scheme):
    TenantFactory(scheme=scheme, first_name="Nigel", mobile="+447700900001")
    page = manager_client.get(f"/messages/bulk/{draft(scheme).pk}/").content.decode()
    assert "Send to 1 recipient<" in page and 'id="nobody-to-send-to"' not in page
