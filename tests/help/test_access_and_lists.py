"""Object access; Lists.

Part of the help tests, split from test_help.py along its sections."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import sign_in
from here_to_help.models import (
    HelpRequest,
    Need,
)
from tenants.models import AccessLog
from tests.factories import (
    HelpRequestFactory,
    IncomeOfficerFactory,
    OfficerFactory,
    OrganisationFactory,
    TenantFactory,
)
from tests.help.helpers import (
    LIST_URLS,
    request_urls,
)

pytestmark = pytest.mark.django_db


class TestObjectAccess:
    def test_own_team_officer_opens_every_request_page(self, officer_client, food, tenant):
        for url in [*request_urls(food)["get"], f"/help/raise/{tenant.pk}/", *LIST_URLS]:
            assert officer_client.get(url).status_code == 200, url
        for url, data in request_urls(food)["post"]:
            assert officer_client.post(url, data).status_code in (200, 302), url

    def test_other_team_officer_gets_404_for_every_request_url(
        self, officer_client, outsider_request, outsider
    ):
        urls = request_urls(outsider_request)
        for url in [*urls["get"], f"/help/raise/{outsider.pk}/"]:
            assert officer_client.get(url).status_code == 404, url
        for url, data in urls["post"]:
            assert officer_client.post(url, data).status_code == 404, url
        outsider_request.refresh_from_db()
        assert outsider_request.owner is None
        assert outsider_request.status == HelpRequest.Status.NEW
        assert outsider_request.notes.count() == 0

    def test_income_officer_is_scoped_to_their_team(self, income_client, food, outsider_request):
        assert income_client.get(f"/help/{food.pk}/").status_code == 200
        assert income_client.get(f"/help/{outsider_request.pk}/").status_code == 404

    def test_manager_opens_every_team_request(self, manager_client, food, outsider_request):
        for help_request in (food, outsider_request):
            for url in request_urls(help_request)["get"]:
                assert manager_client.get(url).status_code == 200, url

    def test_lists_never_show_another_teams_requests(
        self, officer_client, food, outsider_request, other_officer
    ):
        outsider_request.owner = other_officer
        outsider_request.save()
        team = officer_client.get("/help/team/", {"status": "all"}).context["page"]
        assert list(team.object_list) == [food]

    def test_tenant_moved_to_another_team_takes_its_requests(
        self, officer_client, food, tenant, other_patch
    ):
        tenant.patch = other_patch
        tenant.save()
        assert officer_client.get(f"/help/{food.pk}/").status_code == 404

    def test_officers_cannot_record_an_arrears_decision(self, officer_client, tenant):
        money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        assert officer_client.post(f"/help/{money.pk}/arrears-considered/").status_code == 403
        money.refresh_from_db()
        assert money.arrears_considered_at is None

    def test_other_team_income_officer_gets_404_when_considering(
        self, other_team, outsider, tenant
    ):
        money = HelpRequestFactory(tenant=tenant, need=Need.FINANCIAL)
        client = sign_in(Client(), IncomeOfficerFactory(username="ivy", team=other_team))
        assert client.post(f"/help/{money.pk}/arrears-considered/").status_code == 404
        money.refresh_from_db()
        assert money.arrears_considered_at is None

    def test_directory_changes_are_for_managers(self, officer, income_officer, food_bank):
        for client in (sign_in(Client(), officer), sign_in(Client(), income_officer)):
            assert client.get(f"/help/directory/{food_bank.pk}/").status_code == 200
            for url in [
                "/help/directory/add/",
                f"/help/directory/{food_bank.pk}/edit/",
            ]:
                assert client.get(url).status_code == 403, url
            assert client.post(f"/help/directory/{food_bank.pk}/validate/").status_code == 403

    def test_manager_manages_the_directory(self, manager_client, food_bank):
        for url in [
            "/help/directory/add/",
            f"/help/directory/{food_bank.pk}/",
            f"/help/directory/{food_bank.pk}/edit/",
        ]:
            assert manager_client.get(url).status_code == 200, url
        assert manager_client.post(f"/help/directory/{food_bank.pk}/validate/").status_code == 302

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, food, tenant, food_bank):
        urls = request_urls(food)
        gets = [
            *urls["get"],
            *LIST_URLS,
            f"/help/raise/{tenant.pk}/",
            "/help/directory/add/",
            f"/help/directory/{food_bank.pk}/",
            f"/help/directory/{food_bank.pk}/edit/",
        ]
        posts = [
            *(url for url, _ in urls["post"]),
            f"/help/{food.pk}/arrears-considered/",
            f"/help/directory/{food_bank.pk}/validate/",
        ]
        for url in gets:
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/sign-in/" in response.url, url
        for url in posts:
            response = client.post(url)
            assert response.status_code == 302 and "/accounts/sign-in/" in response.url, url


class TestLists:
    def test_past_target_first_and_tagged(self, officer_client, officer, tenant):
        now = timezone.now()
        soon = HelpRequestFactory(tenant=tenant, owner=officer, due_at=now + timedelta(days=1))
        later = HelpRequestFactory(tenant=tenant, owner=officer, due_at=now + timedelta(days=3))
        late = HelpRequestFactory(tenant=tenant, owner=officer, due_at=now - timedelta(hours=1))
        done_late = HelpRequestFactory(
            tenant=tenant,
            owner=officer,
            due_at=now - timedelta(days=5),
            status=HelpRequest.Status.RESOLVED,
            resolved_at=now,
            outcome="Done",
        )
        response = officer_client.get("/help/", {"status": "all"})
        rows = list(response.context["page"].object_list)
        assert rows == [late, done_late, soon, later]
        assert [row.is_late for row in rows] == [True, False, False, False]
        page = response.content.decode()
        assert page.count("Past target") == 1
        assert page.index(f'id="request-{late.pk}"') < page.index("Past target")
        assert page.index("Past target") < page.index(f'id="request-{done_late.pk}"')

    def test_my_requests_are_mine_and_open_by_default(self, officer_client, officer, tenant):
        mine = HelpRequestFactory(tenant=tenant, owner=officer)
        HelpRequestFactory(tenant=tenant, owner=OfficerFactory(team=officer.team))
        HelpRequestFactory(tenant=tenant)
        HelpRequestFactory(
            tenant=tenant,
            owner=officer,
            status=HelpRequest.Status.CLOSED,
            resolved_at=timezone.now(),
            outcome="Not needed",
        )
        assert list(officer_client.get("/help/").context["page"].object_list) == [mine]

    def test_team_list_filters_by_need_status_owner_and_past_target(
        self, officer_client, officer, tenant
    ):
        now = timezone.now()
        food = HelpRequestFactory(tenant=tenant, need=Need.FOOD)
        meds = HelpRequestFactory(tenant=tenant, need=Need.MEDICATION, owner=officer)
        money = HelpRequestFactory(
            tenant=tenant,
            need=Need.FINANCIAL,
            status=HelpRequest.Status.REFERRED,
            due_at=now - timedelta(days=1),
        )

        def rows(**query):
            response = officer_client.get("/help/team/", query)
            return set(response.context["page"].object_list)

        assert rows() == {food, meds, money}
        assert rows(need=Need.MEDICATION) == {meds}
        assert rows(status="referred") == {money}
        assert rows(owner="unowned") == {food, money}
        assert rows(owner=str(officer.pk)) == {meds}
        assert rows(past_target="on") == {money}

    @pytest.mark.parametrize(
        ("url", "query", "error"),
        [
            ("/help/team/", {"status": "bogus"}, "Status: Select a valid choice. bogus is"),
            ("/help/", {"need": "nonsense"}, "Need: Select a valid choice. nonsense is"),
            ("/help/team/", {"owner": "999999"}, "Owner: Select a valid choice. 999999 is"),
            ("/help/team/", {"team": "999999"}, "There is no team 999999 whose requests you"),
            ("/help/", {"team": "none"}, "You cannot see the requests of tenants with no patch"),
        ],
    )
    def test_an_invalid_filter_shows_its_error_and_no_requests(
        self, officer_client, officer, food, url, query, error
    ):
        """Never the whole list passing for the filter asked for, and nobody logged as seen."""
        food.owner = officer
        food.save()
        response = officer_client.get(url, query)
        page = response.content.decode()
        assert response.status_code == 400  # as every refused list (FilterForm.status_code)
        assert 'id="requests-refused"' in page and error in page
        assert "<title>Error: " in page and "No requests are listed" in page
        assert list(response.context["page"].object_list) == []
        assert 'id="requests"' not in page and "Margaret Holt" not in page
        assert not AccessLog.objects.filter(user=officer).exists()

    def test_another_team_in_the_address_is_refused_for_an_officer(
        self, officer_client, officer, food, other_team, team
    ):
        page = officer_client.get("/help/team/", {"team": other_team.pk}).content.decode()
        assert 'id="requests-refused"' in page
        assert f'<a href="#filters">You cannot see {other_team.name}&#x27;s requests</a>' in page
        assert "Margaret Holt" not in page
        # Their own team is no filter to refuse: it is the list they have.
        own = officer_client.get("/help/team/", {"team": team.pk})
        assert list(own.context["page"].object_list) == [food]

    def test_a_managers_unknown_team_is_refused(self, manager_client, food, outsider_request):
        response = manager_client.get("/help/team/", {"team": "999999"})
        page = response.content.decode()
        assert 'id="requests-refused"' in page
        assert '<a href="#id_team">Team: Select a valid choice. 999999 is not one' in page
        assert list(response.context["page"].object_list) == []

    def test_a_refused_filter_costs_no_list_queries(
        self, officer_client, officer, tenant, django_assert_num_queries
    ):
        HelpRequestFactory.create_batch(3, tenant=tenant, owner=officer)
        # session, user (and their two-factor devices), the team's staff for the owner
        # filter, session renewal (savepoint, update, release): no count, no page, no log.
        with django_assert_num_queries(6):
            officer_client.get("/help/team/", {"status": "bogus"})

    def test_manager_filters_by_team(self, manager_client, food, outsider_request, team):
        rows = manager_client.get("/help/team/", {"team": team.pk}).context["page"].object_list
        assert list(rows) == [food]

    def test_list_queries_do_not_grow_with_rows(
        self, officer_client, officer, tenant, django_assert_num_queries
    ):
        HelpRequestFactory.create_batch(2, tenant=tenant, owner=officer)
        # session, user (and their two-factor devices), count, one page of requests
        # with tenant, owner and team, the access-log insert, session renewal (savepoint,
        # update, release); the team list also reads the team's staff for the owner filter.
        with django_assert_num_queries(8):
            officer_client.get("/help/")
        with django_assert_num_queries(9):
            officer_client.get("/help/team/")
        HelpRequestFactory.create_batch(10, tenant=TenantFactory(patch=tenant.patch), owner=officer)
        HelpRequestFactory.create_batch(10, tenant=tenant)
        with django_assert_num_queries(8):
            officer_client.get("/help/")
        with django_assert_num_queries(9):
            officer_client.get("/help/team/")

    def test_directory_queries_do_not_grow_with_rows(
        self, officer_client, django_assert_num_queries
    ):
        OrganisationFactory.create_batch(2, needs=[Need.FOOD, Need.BENEFITS])
        # session, user (and their two-factor devices), count, a page of organisations with who
        # validated them, their needs, their areas, session renewal (3)
        with django_assert_num_queries(9):
            officer_client.get("/help/directory/")
        OrganisationFactory.create_batch(8, needs=[Need.FOOD, Need.MEDICATION], areas=["PR2"])
        with django_assert_num_queries(9):
            officer_client.get("/help/directory/")

    def test_directory_flags_entries_needing_validation_for_managers(self, manager_client):
        OrganisationFactory(name="Fresh Pantry")
        OrganisationFactory(name="Old Pantry", validated_at=timezone.now() - timedelta(days=91))
        response = manager_client.get("/help/directory/", {"show": "needs_validation"})
        assert [o.name for o in response.context["page"].object_list] == ["Old Pantry"]
        assert response.context["needing_validation"] == 1
        assert "Needs validating" in response.content.decode()
