"""Tenants in arrears with no open flag: the income officer's worklist of flags to raise, from
each tenancy's current (latest) rent balance, on the flags list's team scope, every read logged,
highest balance first, filtered and downloaded as CSV."""

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.models import User
from arrears.models import ArrearsFlag
from conftest import sign_in
from tenants.models import AccessLog, Tenant
from tests import csv_support
from tests.arrears.helpers import date_fields, text_of
from tests.factories import (
    ArrearsFlagFactory,
    ManagerFactory,
    RentBalanceFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db

WEEK_1, WEEK_2 = date(2026, 11, 9), date(2026, 11, 16)


def owes(tenant, *amounts, weekly_rent=Decimal("100.00")):
    """Balances a week apart, the last the current one."""
    for week, amount in enumerate(amounts):
        RentBalanceFactory(
            tenant=tenant,
            balance=Decimal(amount),
            as_at=WEEK_1 + timedelta(weeks=week),
            weekly_rent=weekly_rent,
        )


def listed(response):
    """The tenants' names in the table, in order."""
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def names(response):
    return [tenant.full_name for tenant in listed(response)]


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="arrears-unflagged-')
    return csv_support.rows(response)


@pytest.fixture
def worklist(patch, other_patch, tenant, outsider):
    """Holt owes £1,204.37 now; Ahmed owed £900 but is clear now; Brown owes £300 with an open
    flag; Clarke owes £450 and had a flag, closed; Dunn owes £80 with no weekly rent known;
    Nowak (another team) owes £2,000."""
    owes(tenant, "100.00", "1204.37")
    owes(TenantFactory(patch=patch, first_name="Amir", last_name="Ahmed"), "900.00", "0.00")
    brown = TenantFactory(patch=patch, first_name="Beth", last_name="Brown")
    owes(brown, "300.00")
    ArrearsFlagFactory(tenant=brown)
    clarke = TenantFactory(patch=patch, first_name="Carl", last_name="Clarke")
    owes(clarke, "450.00")
    ArrearsFlagFactory(tenant=clarke, status="closed", closed_on=WEEK_2)
    owes(TenantFactory(patch=patch, first_name="Dee", last_name="Dunn"), "80.00", weekly_rent=None)
    owes(outsider, "2000.00")


def test_lists_tenants_owing_on_their_latest_balance_with_no_open_flag(income_client, worklist):
    response = income_client.get("/arrears/unflagged/")
    # Highest first; Ahmed (clear now), Brown (open flag) and Nowak (another team) left out.
    assert names(response) == ["Margaret Holt", "Carl Clarke", "Dee Dunn"]
    page = text_of(response)
    heading = "3 tenants in arrears with no open flag, in your team&#x27;s patches (North team)"
    assert heading in page
    holt = listed(response)[0]
    row = page.split(f'id="unflagged-{holt.pk}"')[1].split("</tr>")[0]
    assert "£1,204.37" in row and "at 16 Nov 2026" in row  # the current balance and its date
    assert "12.0" in row and "at £100.00 a week" in row  # weeks of rent owed
    assert "PR-RIB" in row and "PHG-0900101" in row
    back = "next=%2Farrears%2Funflagged%2F"  # comes back to this page once raised
    assert f'href="/arrears/raise/?tenant={holt.pk}&amp;{back}">Raise a flag' in row
    assert "Weekly rent not known" in page  # Dunn


def test_a_manager_sees_every_team(manager_client, worklist):
    response = manager_client.get("/arrears/unflagged/")
    assert names(response)[:2] == ["Agnieszka Nowak", "Margaret Holt"]
    assert "4 tenants in arrears with no open flag, across every team" in text_of(response)


def test_a_tenancy_ended_or_a_tenant_died_is_not_listed(income_client, patch):
    owes(TenantFactory(patch=patch, last_name="Ended", tenancy_end_date=WEEK_1), "500.00")
    owes(TenantFactory(patch=patch, last_name="Died", deceased_on=WEEK_1), "500.00")
    assert names(income_client.get("/arrears/unflagged/")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"min_balance": "450"}, ["Margaret Holt", "Carl Clarke"]),
        ({"min_balance": "£1,000.00"}, ["Margaret Holt"]),
        ({"min_weeks": "5"}, ["Margaret Holt"]),  # Clarke owes 4.5 weeks; Dunn's rent unknown
        ({"min_weeks": "4", "min_balance": "500"}, ["Margaret Holt"]),
    ],
)
def test_the_filter_is_kept_in_the_address(income_client, worklist, query, expected):
    response = income_client.get("/arrears/unflagged/", query)
    assert names(response) == expected
    page = text_of(response)
    for name, value in query.items():
        assert f'name="{name}" type="text" inputmode="decimal" value="{value}"' in page


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"min_balance": "lots"}, "Enter an amount in pounds and pence, like £12.50"),
        ({"min_balance": "0"}, "Enter an amount more than £0"),
        ({"min_weeks": "4.5"}, "Enter a whole number of weeks, like 4"),
        ({"min_weeks": "0"}, "Enter 1 week or more"),
    ],
)
def test_a_refused_filter_lists_no_one_and_downloads_nothing(income_client, worklist, query, error):
    before = AccessLog.objects.count()
    response = income_client.get("/arrears/unflagged/", query)
    page = text_of(response)
    assert "There is a problem with the filter, so no tenants are listed" in page
    assert error in page and 'id="unflagged-table"' not in page and "unflagged-csv" not in page
    assert "No tenants listed: the filter was refused" in page
    assert "0 tenants in arrears" not in page  # no count passing for a real one
    download = income_client.get("/arrears/unflagged.csv", query)
    assert download.status_code == 400
    assert "No CSV" in download.content.decode() and error in download.content.decode()
    assert AccessLog.objects.count() == before


def test_every_read_is_logged_as_a_list(income_client, income_officer, tenant, worklist):
    response = income_client.get("/arrears/unflagged/")
    entry = AccessLog.objects.get()
    assert entry.user == income_officer and entry.kind == AccessLog.Kind.LIST
    assert entry.page == "/arrears/unflagged/"
    assert entry.tenant_ids == [t.pk for t in listed(response)]


def test_it_is_paginated_highest_first(income_client, patch):
    for pence in range(30):
        owes(TenantFactory(patch=patch), str(Decimal(100 + pence)))
    first = listed(income_client.get("/arrears/unflagged/"))
    second = listed(income_client.get("/arrears/unflagged/", {"page": 2}))
    assert [t.balance for t in first] == [Decimal(129 - n) for n in range(25)]
    assert [t.balance for t in second] == [Decimal(104 - n) for n in range(5)]


def test_the_download_is_every_page_filtered_and_logged(income_client, income_officer, worklist):
    page = text_of(income_client.get("/arrears/unflagged/", {"min_balance": "100", "page": "1"}))
    assert 'href="/arrears/unflagged.csv?min_balance=100" download>Download these tenants' in page
    before = AccessLog.objects.count()
    rows = csv_rows(income_client.get("/arrears/unflagged.csv", {"min_balance": "100"}))
    holt = Tenant.objects.get(tenancy_ref="PHG-0900101")
    assert rows[0] == {
        "tenancy_ref": "PHG-0900101",
        "tenant": "Margaret Holt",
        "balance": "1204.37",
        "balance_as_at": "2026-11-16",
        "weekly_rent": "100.00",
        "weeks_owed": "12.0",
        "patch": "PR-RIB",
        "raise_flag": f"http://testserver/arrears/raise/?tenant={holt.pk}",
    }
    assert [row["tenant"] for row in rows] == ["Margaret Holt", "Carl Clarke"]
    logged = AccessLog.objects.order_by("id")[before:]
    assert [(entry.user_id, entry.page) for entry in logged] == [
        (income_officer.pk, "/arrears/unflagged.csv")
    ]
    clarke = Tenant.objects.get(last_name="Clarke")
    assert set(logged[0].tenant_ids) == {holt.pk, clarke.pk}


def test_officers_are_refused_and_another_teams_income_officer_sees_only_theirs(
    client, officer, other_income_client, worklist
):
    assert names(other_income_client.get("/arrears/unflagged/")) == ["Agnieszka Nowak"]
    assert sign_in(client, officer).get("/arrears/unflagged/").status_code == 403
    assert client.get("/arrears/unflagged.csv").status_code == 403
    client.logout()
    response = client.get("/arrears/unflagged/")
    assert response.status_code == 302 and "/accounts/sign-in/" in response.url


def test_the_flags_list_links_to_it_with_its_count(income_client, worklist):
    page = text_of(income_client.get("/arrears/"))
    assert (
        'id="unflagged-link" href="/arrears/unflagged/">3 tenants in arrears with no open flag'
        in page
    )


def test_the_flags_lists_count_stops_at_its_cap(income_client, worklist, monkeypatch):
    """Counted to the cap only, so the flags list never reads the whole register for it."""
    monkeypatch.setattr("arrears.selectors.UNFLAGGED_COUNT_CAP", 2)
    page = text_of(income_client.get("/arrears/"))
    assert ">2 or more tenants in arrears with no open flag</a>" in page
    monkeypatch.setattr("arrears.selectors.UNFLAGGED_COUNT_CAP", 3)
    page = text_of(income_client.get("/arrears/"))
    assert ">3 tenants in arrears with no open flag</a>" in page


def test_queries_do_not_grow_with_rows(client, patch, django_assert_num_queries):
    manager = ManagerFactory()
    sign_in(client, manager)
    assert manager.role == User.Role.MANAGER

    def add(count):
        for _ in range(count):
            owes(TenantFactory(patch=patch), "50.00", "250.00")

    add(2)
    # session, user, the manager's two-factor device, the count, the page of tenants with
    # patch and current balance (one statement), the access-log insert, session renewal
    # (savepoint, update, release)
    with django_assert_num_queries(9):
        assert len(listed(client.get("/arrears/unflagged/", {"min_weeks": "2"}))) == 2
    add(30)
    with django_assert_num_queries(9):
        assert len(listed(client.get("/arrears/unflagged/", {"min_weeks": "2"}))) == 25
    # session, user, device, session renewal (3); streamed: the planner setting, the tenants
    # (one server-side cursor), one access-log insert per batch of 1,000, the setting reset
    with django_assert_num_queries(10):
        assert len(csv_rows(client.get("/arrears/unflagged.csv"))) == 32


def test_its_count_stops_ahead_of_the_page_and_every_page_is_reachable(
    income_client, patch, monkeypatch
):
    """Counted no further than a set number of tenants past the page's start, so a page never
    reads the register for its count: "5 or more", and the next page always linked."""
    monkeypatch.setattr("arrears.views.PAGE_SIZE", 2)
    monkeypatch.setattr("arrears.views.UnflaggedPaginator.COUNT_AHEAD", 5)
    for pence in range(8):
        owes(TenantFactory(patch=patch), str(Decimal(100 + pence)))

    first = income_client.get("/arrears/unflagged/")
    page = text_of(first)
    assert ">5 or more tenants in arrears with no open flag, in your team&#x27;s patches" in page
    assert "Page 1 of 3 or more" in page and 'rel="next"' in page
    assert [t.balance for t in listed(first)] == [Decimal(107), Decimal(106)]

    third = income_client.get("/arrears/unflagged/", {"page": 3})
    page = text_of(third)
    assert ">8 tenants in arrears with no open flag" in page
    assert "Page 3 of 4<" in page
    last = income_client.get("/arrears/unflagged/", {"page": 4})
    assert [t.balance for t in listed(last)] == [Decimal(101), Decimal(100)]


def raise_from(client, link):
    """Post the raise form reached by `link` (as the page has it), as an officer fills it."""
    today = timezone.localdate()
    page = text_of(client.get(link))
    hidden = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page)
    return client.post(
        link,
        {
            **date_fields("reported_on", today),
            "reason": "reduced_hours",
            **date_fields("review_date", today + timedelta(days=28)),
            "next": unescape(hidden.group(1)) if hidden else "",
        },
    )


def test_raising_from_a_filtered_page_comes_back_to_it_with_a_banner(income_client, patch):
    for number in range(30):
        owes(TenantFactory(patch=patch), f"{600 + number}.00")
    owes(TenantFactory(patch=patch), "100.00")  # under the filter's £500
    here = "/arrears/unflagged/?min_balance=500&page=2"
    response = income_client.get(here)
    tenant = listed(response)[0]
    row = text_of(response).split(f'id="unflagged-{tenant.pk}"')[1].split("</tr>")[0]
    link = unescape(re.search(r'href="(/arrears/raise/[^"]*)">Raise a flag', row).group(1))

    response = raise_from(income_client, link)

    assert response.status_code == 302
    assert response.url == here
    assert ArrearsFlag.objects.get().tenant == tenant
    back = income_client.get(response.url)
    banner = text_of(back).split("govuk-notification-banner--success")[1].split("</p>")[0]
    flag = ArrearsFlag.objects.get()
    assert (
        f"Arrears flag raised for {tenant.full_name} ({tenant.tenancy_ref}). "
        f'<a class="govuk-notification-banner__link" href="/arrears/{flag.pk}/">View the flag</a>'
    ) in unescape(banner)
    assert back.context["page"].number == 2
    assert tenant not in listed(back)  # flagged: off the worklist


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/arrears/", "//evil.example/", "arrears:flags", " /x"]
)
def test_a_next_that_is_not_a_path_here_goes_to_the_new_flag(income_client, tenant, next_url):
    link = f"/arrears/raise/?tenant={tenant.pk}&next={quote(next_url, safe='')}"

    response = raise_from(income_client, link)

    flag = ArrearsFlag.objects.get()
    assert response.status_code == 302
    assert response.url == f"/arrears/{flag.pk}/"
