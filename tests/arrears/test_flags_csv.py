"""The arrears list says whose flags it holds, and downloads as CSV: every flag the filtered list
holds (every page), each tenant in it logged as listed, amounts only for those who may see them;
a refused filter downloads nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from conftest import sign_in
from tenants.models import AccessLog
from tests import csv_support
from tests.arrears.helpers import text_of
from tests.factories import (
    ArrearsFlagFactory,
    RentBalanceFactory,
    SupportOfferFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="arrears-flags-')
    return csv_support.rows(response)


def test_the_download_is_the_list_as_the_page_shows_it(income_client, tenant, flag, other_flag):
    today = timezone.localdate()
    flag.review_date = today
    flag.save()
    RentBalanceFactory(tenant=tenant, balance=Decimal("100.00"), as_at=date(2026, 11, 9))
    RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=date(2026, 11, 16))

    page = text_of(income_client.get("/arrears/"))
    assert 'id="flags-csv" href="/arrears/flags.csv" download>Download every flag listed' in page
    listed = rows(income_client.get("/arrears/flags.csv"))

    assert listed == [
        {
            "flag": str(flag.pk),
            "tenancy_ref": "PHG-0900101",
            "tenant": "Margaret Holt",
            "reported_on": flag.reported_on.isoformat(),
            "reason": "Furlough",
            "details": "",
            "status": "Review due",
            "review_date": today.isoformat(),
            "support_offered": "",
            "balance": "1204.37",
            "balance_as_at": "2026-11-16",
            "patch": "PR-RIB",
        }
    ]  # another team's flag (Nowak) is not in it, as it is not on the page


def test_the_download_has_the_date_reported_the_details_and_the_support_offered(
    income_client, tenant, flag
):
    flag.reported_on = date(2026, 11, 2)
    flag.reason, flag.details = "reduced_hours", "Hours cut at the care home, from 30 to 12"
    flag.save()
    SupportOfferFactory(
        flag=flag,
        kind="payment_arrangement",
        weekly_amount=Decimal("12.50"),
        outcome="agreed",
        outcome_on=date(2026, 11, 6),
        offered_on=date(2026, 11, 5),
    )
    SupportOfferFactory(
        flag=flag, kind="external_agency", agency="StepChange", offered_on=date(2026, 11, 4)
    )
    (listed,) = rows(income_client.get("/arrears/flags.csv"))
    assert listed["reported_on"] == "2026-11-02"
    assert listed["reason"] == "Reduced hours"
    assert listed["details"] == "Hours cut at the care home, from 30 to 12"
    assert listed["support_offered"] == (
        "External agency: StepChange (waiting for an outcome); "
        "Payment arrangement (agreed or in place)"
    )
    assert "12.50" not in ",".join(listed.values())  # the weekly amount is not a column


def test_a_credit_is_a_negative_number_and_no_balance_is_blank(income_client, patch, tenant, flag):
    RentBalanceFactory(tenant=tenant, balance=Decimal("-23.1"), as_at=date(2026, 11, 16))
    ArrearsFlagFactory(tenant=TenantFactory(patch=patch, last_name="Unheld"))
    listed = {row["tenant"]: row for row in rows(income_client.get("/arrears/flags.csv"))}
    # A number as the rent file writes it, not text quoted against formulas ('-23.10).
    assert listed["Margaret Holt"]["balance"] == "-23.10"
    unheld = next(row for name, row in listed.items() if name.endswith("Unheld"))
    assert (unheld["balance"], unheld["balance_as_at"]) == ("", "")


def test_the_download_keeps_the_pages_filters_but_not_its_page_number(
    income_client, patch, tenant, flag
):
    illness = ArrearsFlagFactory(tenant=TenantFactory(patch=patch), reason="illness")
    page = text_of(income_client.get("/arrears/", {"reason": "illness", "page": "1"}))
    assert 'href="/arrears/flags.csv?reason=illness" download>Download these flags' in page
    listed = rows(income_client.get("/arrears/flags.csv", {"reason": "illness"}))
    assert [row["flag"] for row in listed] == [str(illness.pk)]


def test_a_manager_downloads_every_team_or_the_team_chosen(
    manager_client, other_team, flag, other_flag
):
    everyone = rows(manager_client.get("/arrears/flags.csv"))
    assert {row["tenant"] for row in everyone} == {"Margaret Holt", "Agnieszka Nowak"}
    south = rows(manager_client.get("/arrears/flags.csv", {"team": other_team.pk}))
    assert [row["tenant"] for row in south] == ["Agnieszka Nowak"]


def test_the_download_is_every_page_and_logs_every_tenant_listed(
    income_client, income_officer, patch
):
    tenants = TenantFactory.create_batch(30, patch=patch)
    for tenant in tenants:
        ArrearsFlagFactory(tenant=tenant)
    before = AccessLog.objects.count()
    listed = rows(income_client.get("/arrears/flags.csv"))
    assert len(listed) == 30  # the page shows 25
    logged = AccessLog.objects.order_by("id")[before:]
    assert {entry.user_id for entry in logged} == {income_officer.pk}
    assert {entry.page for entry in logged} == {"/arrears/flags.csv"}
    assert {pk for entry in logged for pk in entry.tenant_ids} == {t.pk for t in tenants}


def test_the_download_reads_a_fixed_number_of_queries(
    income_client, patch, django_assert_num_queries
):
    def add(count):
        for _ in range(count):
            tenant = TenantFactory(patch=patch)
            RentBalanceFactory(tenant=tenant)
            ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())

    # session, user (with whether they have a two-factor device), the teams (the team filter),
    # session renewal (savepoint, update, release); then, streamed: the planner setting, the
    # flags with tenant, patch and latest balance (one server-side cursor), per batch of 1,000
    # their support offered and one access-log insert, the planner setting reset
    add(2)
    with django_assert_num_queries(11):
        assert len(rows(income_client.get("/arrears/flags.csv", {"band": "under_500"}))) == 2
    add(20)
    with django_assert_num_queries(11):
        assert len(rows(income_client.get("/arrears/flags.csv", {"band": "under_500"}))) == 22


def test_no_amount_leaves_for_a_user_who_may_not_see_amounts(
    income_client, tenant, flag, monkeypatch
):
    """Income officers and managers may (the only roles the list opens to): were that to
    change, the CSV would still carry no balance."""
    RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=date(2026, 11, 16))
    monkeypatch.setattr(User, "sees_arrears_amounts", property(lambda user: False))
    response = income_client.get("/arrears/flags.csv")
    body = csv_support.text(response)
    assert body.splitlines()[0] == (
        "flag,tenancy_ref,tenant,reported_on,reason,details,status,review_date,support_offered,"
        "patch"
    )
    assert "1204.37" not in body and "2026-11-16" not in body
    assert "Margaret Holt" in body


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"band": "lots"}, "Balance: Select a valid choice. lots is not one of"),
        ({"team": "9999"}, "There is no team 9999 whose flags you can see"),
    ],
)
def test_a_refused_filter_downloads_nothing(income_client, flag, query, reason):
    page = text_of(income_client.get("/arrears/", query))
    assert "flags-csv" not in page
    before = AccessLog.objects.count()
    response = income_client.get("/arrears/flags.csv", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "No CSV" in response.content.decode() and reason in response.content.decode()
    assert "Holt" not in response.content.decode()
    assert AccessLog.objects.count() == before


def test_officers_are_refused_and_visitors_sent_to_sign_in(client, officer, flag):
    response = client.get("/arrears/flags.csv")
    assert response.status_code == 302 and "/accounts/sign-in/" in response.url
    assert sign_in(client, officer).get("/arrears/flags.csv").status_code == 403
    assert not AccessLog.objects.exists()


def test_the_list_says_whose_flags_it_holds(client, income_officer, manager, other_team, flag):
    flag.review_date = timezone.localdate() - timedelta(days=1)
    flag.save()
    own = text_of(sign_in(client, income_officer).get("/arrears/"))
    assert "1 flag of tenants in your team&#x27;s patches (North team)</h2>" in own
    home = text_of(client.get("/"))
    assert "1 arrears review due in your team&#x27;s patches (North team)</h2>" in home

    sign_in(client, manager)
    assert "1 flag of every team&#x27;s tenants</h2>" in text_of(client.get("/arrears/"))
    south = text_of(client.get("/arrears/", {"team": other_team.pk}))
    assert "0 flags of tenants in South team&#x27;s patches</h2>" in south
    no_patch = text_of(client.get("/arrears/", {"team": "none"}))
    assert "0 flags of tenants with no patch</h2>" in no_patch
    assert "1 arrears review due across every team</h2>" in text_of(client.get("/"))
