"""The messages' wording a tester found: the bulk preview greets the first recipient by name,
"Queued for 1 recipient." is singular, and the messages log reads as the messages did."""

import re

import pytest

from conftest import sign_in
from messaging import actions
from messaging import bulk as bulk_actions
from messaging.models import Kind, Message
from tenants.models import AccessLog
from tests.factories import ManagerFactory, SchemeFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(db):
    return SchemeFactory(name="Ribble Court")


def draft(scheme):
    return bulk_actions.bulk_message_create(
        user=ManagerFactory(),
        title="Heatwave advice",
        body="Keep cool: drink water.",
        channel="sms",
        scheme=scheme,
        rate_per_minute=600,
    )


def text(response):
    """The page's words, each tag a space (so "Dear Ruth,<br>Keep" reads "Dear Ruth, Keep")."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_preview_greets_the_first_recipient_by_name(client, scheme):
    TenantFactory(scheme=scheme, first_name="Zoe", last_name="Young", mobile="+447700900002")
    nigel = TenantFactory(
        scheme=scheme, first_name="Nigel", last_name="Able", mobile="+447700900001"
    )
    manager = ManagerFactory()
    item = draft(scheme)
    sign_in(client, manager)
    page = text(client.get(f"/messages/bulk/{item.pk}/"))
    assert "Dear Nigel, Keep cool: drink water." in page
    assert "((first_name))" not in page
    assert AccessLog.objects.filter(user=manager, tenant_ids__contains=[nigel.pk]).exists()


def test_queued_for_one_recipient_is_singular(manager_client, scheme):
    TenantFactory(scheme=scheme, mobile="+447700900001")
    item = draft(scheme)
    response = manager_client.post(f"/messages/bulk/{item.pk}/send/", follow=True)
    assert "Queued for 1 recipient." in text(response)
    assert "1 recipients" not in text(response)


def test_the_messages_log_reads_as_the_messages_did(manager_client, scheme):
    tenant = TenantFactory(first_name="Nigel", mobile="")
    actions.message_send_to_tenant(
        tenant=tenant,
        kind=Kind.REQUEST_RECEIVED,
        personalisation={"first_name": "Nigel", "need": "befriending", "number": "0300 123"},
    )
    TenantFactory(scheme=scheme, first_name="Ruth", last_name="Able", mobile="+447700900001")
    item = draft(scheme)
    bulk_actions.bulk_message_send(bulk=item, user=item.created_by)
    assert Message.objects.filter(bulk=item).count() == 1
    page = text(manager_client.get("/messages/"))
    assert "First name: Nigel Need: befriending Our phone number: 0300 123" in page
    assert "first_name:" not in page
    assert "Text message: no mobile number to send to" in page
    assert "Text message: none" not in page
    assert "Dear Ruth, Keep cool: drink water." in page  # the bulk text as Ruth reads it
