"""`TenantQuerySet.with_number_to_dial` (SQL, for the queue build) and
`Tenant.numbers_to_dial()` (Python, for the call page) are one rule: they agree, case by case."""

import pytest

from tenants.actions import phone_number_add, phone_number_mark
from tenants.models import Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

LANDLINE, MOBILE, GIVEN, NEW = "+442079460001", "+447700900002", "+447700900003", "+442079460004"


CASES = {
    "a landline": ([], True),
    "a mobile only": ([("file", {"phone": "", "mobile": MOBILE})], True),
    "no number at all": ([("file", {"phone": ""})], False),
    "the only number wrong": ([("mark", LANDLINE)], False),
    "the only number dead": ([("dead", LANDLINE)], False),
    "the landline wrong, the mobile good": (
        [("file", {"mobile": MOBILE}), ("mark", LANDLINE)],
        True,
    ),
    "both wrong": ([("file", {"mobile": MOBILE}), ("mark", LANDLINE), ("mark", MOBILE)], False),
    "wrong, then a number added": ([("mark", LANDLINE), ("add", GIVEN)], True),
    "wrong, and the added number wrong too": (
        [("mark", LANDLINE), ("add", GIVEN), ("mark", GIVEN)],
        False,
    ),
    "wrong, then marked good again": ([("mark", LANDLINE), ("good", LANDLINE)], True),
    "wrong, then the file sends a new number": (
        [("mark", LANDLINE), ("file", {"phone": NEW})],
        True,
    ),
    "the file's number wrong, then the file sends it again with a new one": (
        [("mark", LANDLINE), ("file", {"mobile": NEW})],
        True,
    ),
    "a number added, then the file sends none": (
        [("mark", LANDLINE), ("add", GIVEN), ("file", {"phone": ""})],
        False,
    ),
    "the same number as phone and mobile, marked wrong": (
        [("file", {"mobile": LANDLINE}), ("mark", LANDLINE)],
        False,
    ),
    "a number added in the app marked wrong while the file sent other numbers": (
        [("add", GIVEN), ("file", {"phone": NEW}), ("mark", NEW)],
        False,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_sql_rule_is_numbers_to_dial(case, patch, officer):
    """`with_number_to_dial` (SQL, for the build) says what `numbers_to_dial()` (Python, for
    the call page) says, case by case."""
    steps, expected = CASES[case]
    tenant = TenantFactory(patch=patch, phone=LANDLINE, mobile="")
    for kind, value in steps:
        tenant.refresh_from_db()
        if kind == "file":  # the housing management file sends other numbers
            Tenant.objects.filter(pk=tenant.pk).update(**value)
        elif kind == "add":
            phone_number_add(tenant=tenant, number=value, reason="Given by her son", by=officer)
        else:
            status = {"dead": "dead", "good": "good"}.get(kind, "wrong")
            phone_number_mark(
                tenant=tenant, number=value, status=status, reason="On a call", by=officer
            )
    tenant = Tenant.objects.with_number_to_dial().get(pk=tenant.pk)
    assert bool(tenant.numbers_to_dial()) is expected
    assert tenant.has_number_to_dial is expected
    assert Tenant.objects.without_number_to_dial().filter(pk=tenant.pk).exists() is not expected


def test_a_number_sent_as_both_phone_and_mobile_is_shown_once(patch, officer):
    tenant = TenantFactory(patch=patch, phone=LANDLINE, mobile=LANDLINE)
    assert [str(n.number) for n in tenant.contact_numbers()] == [LANDLINE]
    phone_number_mark(
        tenant=tenant, number=LANDLINE, status="wrong", reason="On a call", by=officer
    )
    tenant = Tenant.objects.get(pk=tenant.pk)
    assert [(str(n.number), n.status) for n in tenant.contact_numbers()] == [(LANDLINE, "wrong")]
    assert tenant.numbers_to_dial() == []
