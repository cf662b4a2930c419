"""Directory pages; Panels.

Part of the help tests, split from test_help.py along its sections."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from conftest import sign_in
from here_to_help import actions
from here_to_help.models import (
    HelpRequest,
    Need,
    Organisation,
    RequestNote,
)
from tests.factories import (
    ArrearsFlagFactory,
    HelpRequestFactory,
    IncomeOfficerFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


class TestDirectoryPages:
    def form(self, **changes):
        return {
            "name": "Ribble Food Bank",
            "kind": "charity",
            "needs": [Need.FOOD, Need.OTHER],
            "areas": "pr1, PR2 fy8",
            "phone": "01614960123",
            "email": "help@example.org",
            "website": "https://example.org",
            "opening_notes": "Tuesdays",
            **changes,
        }

    def test_manager_adds_an_entry_validated_by_them(self, manager_client, manager):
        response = manager_client.post("/help/directory/add/", self.form())
        organisation = Organisation.objects.get()
        assert response.url == f"/help/directory/{organisation.pk}/"
        assert organisation.area_codes() == ["FY8", "PR1", "PR2"]
        assert set(organisation.needs.values_list("need", flat=True)) == {"food", "other"}
        assert organisation.validated_by == manager
        assert str(organisation.phone) == "+441614960123"

    def test_areas_must_be_postcode_districts_unless_all_areas(self, manager_client):
        response = manager_client.post("/help/directory/add/", self.form(areas="PR1, Preston"))
        assert "PRESTON is not a postcode district" in response.context["form"].errors["areas"][0]
        response = manager_client.post("/help/directory/add/", self.form(areas=""))
        assert response.context["form"].errors["areas"]
        response = manager_client.post(
            "/help/directory/add/", self.form(areas="", covers_all_areas="on")
        )
        assert response.status_code == 302
        assert Organisation.objects.get().covers_all_areas

    def test_a_bad_phone_number_is_marked_in_error(self, manager_client):
        response = manager_client.post("/help/directory/add/", self.form(phone="12"))
        assert "phone" in response.context["form"].errors
        assert "govuk-input--error" in response.content.decode().split('id="id_phone"')[0][-400:]

    def test_editing_changes_needs_and_areas_but_does_not_validate(self, manager_client, food_bank):
        old = timezone.now() - timedelta(days=100)
        Organisation.objects.filter(pk=food_bank.pk).update(validated_at=old)
        manager_client.post(
            f"/help/directory/{food_bank.pk}/edit/",
            self.form(name="Preston Food Bank", needs=[Need.MEDICATION], areas="PR3"),
        )
        food_bank.refresh_from_db()
        assert food_bank.area_codes() == ["PR3"]
        assert list(food_bank.needs.values_list("need", flat=True)) == ["medication"]
        assert food_bank.validated_at == old


class TestPanels:
    def test_income_officer_is_asked_to_consider_an_arrears_flag(
        self, income_client, income_officer, tenant, outsider
    ):
        money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        HelpRequestFactory(tenant=tenant, need=Need.FOOD)
        HelpRequestFactory(tenant=outsider, need=Need.FINANCIAL)
        HelpRequestFactory(
            tenant=tenant,
            need=Need.FINANCIAL,
            status=HelpRequest.Status.CLOSED,
            resolved_at=timezone.now(),
            outcome="Not needed",
        )
        response = income_client.get("/")
        panel = next(p for p in response.context["panels"] if "requests" in p and "count" in p)
        assert panel["requests"] == [money]
        page = response.content.decode()
        raise_url = f"/arrears/raise/?tenant={tenant.pk}&amp;request={money.pk}"
        assert f'href="{raise_url}">Raise a flag' in page
        assert f'href="/help/{money.pk}/arrears-considered/?next=/">No flag needed' in page
        assert escape(outsider.full_name) not in page  # as the page would write it

        response = income_client.post(
            f"/help/{money.pk}/arrears-considered/",
            {"next": "/", "reason": "Back at work full time; rent paid up"},
        )
        assert response.url == "/"
        money.refresh_from_db()
        assert money.arrears_considered_by == income_officer
        assert money.arrears_considered_at is not None
        assert RequestNote.objects.filter(request=money, text__contains="arrears").exists()
        assert 'id="panel-help-arrears"' not in income_client.get("/").content.decode()

    def test_a_flag_raised_from_the_request_takes_it_off_the_panel(
        self, income_client, officer, tenant
    ):
        officer_client = sign_in(Client(), officer)  # `income_client` is the default client
        money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        assert 'id="panel-help-arrears"' in income_client.get("/").content.decode()
        flag = ArrearsFlagFactory(tenant=tenant, help_request=money)
        assert 'id="panel-help-arrears"' not in income_client.get("/").content.decode()
        page = income_client.get(f"/help/{money.pk}/").content.decode()
        assert f'href="/arrears/{flag.pk}/">Arrears flag raised from this request' in page
        # An officer is told a flag was raised, without a link into the arrears pages.
        page = officer_client.get(f"/help/{money.pk}/").content.decode()
        assert "An income officer raised an arrears flag from this request" in page
        assert f'href="/arrears/{flag.pk}/"' not in page

    def test_the_request_page_offers_the_flag_to_income_officers_only(
        self, income_client, officer, tenant
    ):
        officer_client = sign_in(Client(), officer)
        money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        raise_url = f"/arrears/raise/?tenant={tenant.pk}&amp;request={money.pk}"
        assert raise_url in income_client.get(f"/help/{money.pk}/").content.decode()
        page = officer_client.get(f"/help/{money.pk}/").content.decode()
        assert raise_url not in page
        assert "An income officer has not yet considered an arrears flag" in page

    def test_considering_twice_keeps_the_first(self, income_officer, tenant):
        money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        actions.request_arrears_considered(help_request=money, by=income_officer, reason="Paid up")
        first = HelpRequest.objects.get().arrears_considered_at
        actions.request_arrears_considered(
            help_request=money, by=IncomeOfficerFactory(team=income_officer.team), reason="Later"
        )
        money.refresh_from_db()
        assert (
            money.arrears_considered_by,
            money.arrears_considered_at,
            money.arrears_no_flag_reason,
        ) == (income_officer, first, "Paid up")

    def test_only_financial_difficulty_asks_for_a_flag(self, income_officer, food):
        with pytest.raises(ValidationError):
            actions.request_arrears_considered(help_request=food, by=income_officer, reason="x")

    def test_officers_do_not_get_the_arrears_panel(self, officer_client, tenant):
        HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        assert 'id="panel-help-arrears"' not in officer_client.get("/").content.decode()

    def test_officer_panel_counts_own_and_unowned_past_target(
        self, officer_client, officer, tenant
    ):
        past = timezone.now() - timedelta(hours=2)
        HelpRequestFactory(tenant=tenant, owner=officer, due_at=past)
        HelpRequestFactory(tenant=tenant, owner=officer)
        HelpRequestFactory(tenant=tenant, due_at=past)
        panel = next(
            p
            for p in officer_client.get("/").context["panels"]
            if p["template"] == "help/panels/requests.html"
        )
        assert (panel["mine"], panel["mine_late"], panel["unowned"], panel["unowned_late"]) == (
            2,
            1,
            1,
            1,
        )

    def test_manager_panel_counts_entries_needing_validation(self, manager_client):
        OrganisationFactory()
        OrganisationFactory(validated_at=timezone.now() - timedelta(days=91))
        OrganisationFactory(validated_at=None)
        page = manager_client.get("/").content.decode()
        assert 'id="panel-help-directory"' in page
        assert "<strong>2</strong> entries need validating" in page


class TestDirectoryFilter:
    def test_a_value_not_among_the_choices_lists_no_organisations(self, officer_client, food_bank):
        response = officer_client.get("/help/directory/", {"show": "bogus"})
        page = response.content.decode()
        assert 'id="directory-refused"' in page
        assert "Show: Select a valid choice" in page
        assert list(response.context["page"].object_list) == []
        assert "Preston Food Bank" not in page

    def test_a_full_postcode_lists_its_districts_organisations(self, officer_client, food_bank):
        for typed in ("PR1 3ZJ", "pr13zj"):
            response = officer_client.get("/help/directory/", {"area": typed})
            assert "directory-refused" not in response.content.decode()
            assert list(response.context["page"].object_list) == [food_bank]

    def test_neither_a_district_nor_a_postcode_lists_no_organisations(
        self, officer_client, food_bank
    ):
        response = officer_client.get("/help/directory/", {"area": "Preston"})
        page = response.content.decode()
        assert 'id="directory-refused"' in page
        assert "Enter a postcode district, like PR1, or a full postcode, like PR1 3ZJ" in page
        assert 'value="Preston"' in page
        assert list(response.context["page"].object_list) == []

    def test_a_valid_filter_still_lists(self, officer_client, food_bank):
        response = officer_client.get("/help/directory/", {"area": "pr1", "need": "food"})
        assert "directory-refused" not in response.content.decode()
        assert list(response.context["page"].object_list) == [food_bank]
