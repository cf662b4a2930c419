"""Who sees what; The flags list.

Part of the arrears tests, split from test_arrears.py along its sections."""

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from conftest import sign_in
from tenants.models import AccessLog
from tests.arrears.helpers import (
    POUND_AMOUNT,
    arrears_urls,
    date_fields,
    text_of,
)
from tests.factories import (
    ArrearsFlagFactory,
    RentBalanceFactory,
    SupportOfferFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db


class TestVisibility:
    def test_officers_get_403_on_every_arrears_page(self, officer_client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer):
            assert officer_client.get(url).status_code == 403, url
            assert officer_client.post(url, {}).status_code == 403, url

    def test_income_officer_and_manager_open_every_page(self, income_client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer):
            response = income_client.get(url)
            assert response.status_code in (200, 302), url

    def test_manager_opens_every_teams_flags(self, manager_client, other_flag):
        offer = SupportOfferFactory(flag=other_flag)
        for url in arrears_urls(other_flag, offer):
            assert manager_client.get(url).status_code in (200, 302), url

    def test_another_teams_income_officer_gets_404(self, other_income_client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer)[1:]:
            assert other_income_client.get(url).status_code == 404, url
        response = other_income_client.post(
            f"/arrears/{flag.pk}/close/",
            {**date_fields("closed_on", timezone.localdate()), "reason": "x"},
        )
        assert response.status_code == 404
        flag.refresh_from_db()
        assert flag.status == "open"

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, flag):
        offer = SupportOfferFactory(flag=flag)
        for url in arrears_urls(flag, offer):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/sign-in/" in response.url, url

    def test_officer_sees_only_that_support_is_in_place(self, officer_client, tenant, flag):
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), weekly_rent=Decimal("98.50"))
        SupportOfferFactory(
            flag=flag, kind="payment_arrangement", weekly_amount=Decimal("12.50"), outcome="agreed"
        )

        page = text_of(officer_client.get(f"/tenants/{tenant.pk}/"))

        assert "Financial support in place" in page
        assert not POUND_AMOUNT.search(page), POUND_AMOUNT.search(page)
        for secret in ("1,204.37", "1204.37", "98.50", "12.50", "Furlough", "Arrears flag"):
            assert secret not in page
        assert "Raise an arrears flag" not in page

    def test_officer_sees_nothing_of_arrears_without_a_flag(self, officer_client, tenant):
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"))

        page = text_of(officer_client.get(f"/tenants/{tenant.pk}/"))

        assert "Financial support" not in page
        assert not POUND_AMOUNT.search(page)

    def test_officer_sees_nothing_once_the_flag_is_closed(self, officer_client, tenant, flag):
        flag.status, flag.closed_on = "closed", timezone.localdate()
        flag.save()

        assert "Financial support" not in text_of(officer_client.get(f"/tenants/{tenant.pk}/"))

    def test_officer_has_no_arrears_menu_item(self, officer_client):
        assert 'href="/arrears/"' not in text_of(officer_client.get("/"))

    def test_income_officer_sees_the_balance_and_can_raise_a_flag(self, income_client, tenant):
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=date(2026, 11, 16))

        page = text_of(income_client.get(f"/tenants/{tenant.pk}/"))

        assert "£1,204.37 in arrears, as at 16 November 2026" in page
        assert f'href="/arrears/raise/?tenant={tenant.pk}"' in page
        assert 'href="/arrears/"' in page  # the menu

    def test_income_officer_is_sent_to_the_open_flag_from_the_record(
        self, income_client, tenant, flag
    ):
        page = text_of(income_client.get(f"/tenants/{tenant.pk}/"))

        assert f'href="/arrears/{flag.pk}/"' in page
        assert "Raise an arrears flag" not in page

    def test_manager_sees_amounts_on_the_record(self, manager_client, outsider):
        RentBalanceFactory(tenant=outsider, balance=Decimal("-23.10"))

        assert "£23.10 in credit" in text_of(manager_client.get(f"/tenants/{outsider.pk}/"))


class TestFlagList:
    def listed(self, client, **params):
        response = client.get("/arrears/", params)
        assert response.status_code == 200
        return {flag.tenant.last_name for flag in response.context["page"]}

    def test_income_officer_sees_their_teams_flags_and_a_manager_all(
        self, client, income_officer, manager, flag, other_flag
    ):
        assert self.listed(sign_in(client, income_officer)) == {"Holt"}
        assert self.listed(sign_in(client, manager)) == {"Holt", "Nowak"}

    def test_filters(self, income_client, patch):
        today = timezone.localdate()

        def make(last_name, balance=None, **values):
            tenant = TenantFactory(last_name=last_name, patch=patch)
            if balance is not None:
                RentBalanceFactory(tenant=tenant, balance=Decimal(balance))
            return ArrearsFlagFactory(tenant=tenant, **values)

        make("Due", "1500.00", reason="illness", review_date=today)
        make("Week", "499.99", review_date=today + timedelta(days=7))
        make("Later", "500.00", review_date=today + timedelta(days=8))
        make("Unset", "-10.00", reason="illness")
        make("Nothing")
        make("Closed", "0.00", status="closed", closed_on=today)

        assert self.listed(income_client) == {"Due", "Week", "Later", "Unset", "Nothing"}
        assert self.listed(income_client, reason="illness") == {"Due", "Unset"}
        assert self.listed(income_client, status="review_due") == {"Due"}
        assert self.listed(income_client, status="open") == {"Week", "Later", "Unset", "Nothing"}
        assert self.listed(income_client, status="closed") == {"Closed"}
        assert len(self.listed(income_client, status="any")) == 6
        assert self.listed(income_client, review="due") == {"Due"}
        assert self.listed(income_client, review="week") == {"Week"}
        assert self.listed(income_client, review="none") == {"Unset", "Nothing"}
        assert self.listed(income_client, band="1000_plus") == {"Due"}
        assert self.listed(income_client, band="500_to_1000") == {"Later"}
        assert self.listed(income_client, band="under_500") == {"Week"}
        assert self.listed(income_client, band="clear") == {"Unset"}
        assert self.listed(income_client, band="none") == {"Nothing"}
        assert self.listed(income_client, band="clear", status="any") == {"Unset", "Closed"}
        # A hand-edited filter is refused: its error, and no flags (never the whole list).
        response = income_client.get("/arrears/", {"band": "lots", "reason": "<script>"})
        page = text_of(response)
        assert "There is a problem with the filter, so no flags are listed" in page
        assert "Balance: Select a valid choice. lots is not one of the available choices." in page
        assert "&lt;script&gt; is not one of the available choices" in response.content.decode()
        assert list(response.context["page"]) == []
        assert "No flags are listed" in page and "No flags match" not in page

    def test_the_team_filter_offers_only_teams_the_user_may_see(
        self, client, income_officer, manager, team, other_team
    ):
        # An income officer sees one team's flags: there is no team to choose, and no other
        # team's name is offered.
        page = text_of(sign_in(client, income_officer).get("/arrears/"))
        assert 'name="team"' not in page
        assert "South team" not in page
        assert "No team (no patch)" not in page
        # A manager sees every team's flags, and those with no team, and may choose any.
        form = sign_in(client, manager).get("/arrears/").context["form"]
        assert [label for _, label in form.fields["team"].choices] == [
            "All teams",
            "North team",
            "South team",
            "No team (no patch)",
        ]

    def test_another_team_in_the_address_is_refused_plainly(
        self, income_client, income_officer, other_team, flag, other_flag
    ):
        for asked, said in (
            (str(other_team.pk), "You cannot see South team's flags"),
            ("none", "You cannot see the flags of tenants with no patch"),
            ("9999", "There is no team 9999 whose flags you can see"),
        ):
            response = income_client.get("/arrears/", {"team": asked})
            page = unescape(text_of(response))
            assert "There is a problem with the filter, so no flags are listed" in page
            assert said in page
            assert "No flags match" not in page
            # No rows: not the flags they may see passing for another team's.
            assert list(response.context["page"]) == []
            assert "PHG-0900101" not in page and "PHG-0900103" not in page
        assert not AccessLog.objects.filter(user=income_officer).exists()

    def test_a_team_that_does_not_exist_is_refused_for_a_manager(
        self, client, manager, flag, other_flag
    ):
        response = sign_in(client, manager).get("/arrears/", {"team": "9999"})
        page = text_of(response)
        assert "Team: There is no team 9999 whose flags you can see" in page
        assert list(response.context["page"]) == []
        assert "PHG-0900101" not in page and "PHG-0900103" not in page

    def test_own_team_or_a_managers_team_in_the_address_is_no_refusal(
        self, client, income_officer, manager, team, other_team, flag, other_flag
    ):
        page = text_of(sign_in(client, income_officer).get("/arrears/", {"team": team.pk}))
        assert "There is a problem" not in page and "Holt" in page
        assert self.listed(sign_in(client, manager), team=other_team.pk) == {"Nowak"}
        assert "There is a problem" not in text_of(client.get("/arrears/", {"team": "none"}))

    def test_the_list_shows_the_latest_balance(self, income_client, tenant, flag):
        RentBalanceFactory(tenant=tenant, balance=Decimal("100.00"), as_at=date(2026, 11, 9))
        RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=date(2026, 11, 16))

        page = text_of(income_client.get("/arrears/"))

        assert "£1,204.37 in arrears" in page
        assert "£100.00" not in page

    def test_the_list_is_paginated(self, income_client, patch):
        for _ in range(30):
            ArrearsFlagFactory(tenant=TenantFactory(patch=patch))

        first = income_client.get("/arrears/")
        second = income_client.get("/arrears/", {"page": 2})

        assert first.context["page"].paginator.count == 30
        assert len(first.context["page"]) == 25
        assert len(second.context["page"]) == 5

    def test_queries_do_not_grow_with_rows(self, income_client, patch, django_assert_num_queries):
        def add(count):
            for _ in range(count):
                tenant = TenantFactory(patch=patch)
                RentBalanceFactory(tenant=tenant)
                ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())

        add(2)
        # session, user (with whether they have a two-factor device), the teams (the team filter),
        # count, one page of flags with tenant, patch and the latest balance (subqueries), the
        # access-log insert, the count of tenants in arrears with no open flag (the link to
        # them), session renewal (savepoint, update, release)
        with django_assert_num_queries(10):
            income_client.get("/arrears/", {"band": "under_500"})
        add(20)
        with django_assert_num_queries(10):
            income_client.get("/arrears/", {"band": "under_500"})
