"""Here to Help: targets in working days, the directory's offer rules, the request workflow, object
access for every URL, the lists' query counts and the income officers' panel."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from config.dates import add_working_days
from conftest import sign_in
from here_to_help import actions
from here_to_help.models import (
    HelpRequest,
    Need,
    Organisation,
    RequestNote,
    Signpost,
    target_due_at,
)
from tenants.models import AccessLog
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    HelpRequestFactory,
    IncomeOfficerFactory,
    OfficerFactory,
    OrganisationFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def london(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def due_day(need, raised_at):
    """The London date a request raised at `raised_at` is due by (its end)."""
    due_at = target_due_at(need, raised_at)
    assert due_at.astimezone(LONDON).time() == time(23, 59, 59)
    return due_at.astimezone(LONDON).date()


@pytest.fixture
def tenant(patch):
    return TenantFactory(first_name="Margaret", last_name="Holt", postcode="PR1 2AB", patch=patch)


@pytest.fixture
def outsider(other_patch):
    return TenantFactory(
        first_name="Agnieszka", last_name="Nowak", postcode="FY8 1AA", patch=other_patch
    )


@pytest.fixture
def food(tenant, officer):
    return HelpRequestFactory(tenant=tenant, need=Need.FOOD, raised_by=officer)


@pytest.fixture
def outsider_request(outsider, other_officer):
    return HelpRequestFactory(tenant=outsider, need=Need.FOOD, raised_by=other_officer)


@pytest.fixture
def food_bank(db):
    return OrganisationFactory(name="Preston Food Bank", needs=[Need.FOOD], areas=["PR1", "PR2"])


class TestTargetTimes:
    def test_food_on_christmas_eve_2027_waits_for_both_substitute_bank_holidays(self):
        # Friday 24 Dec 2027 is a working day. Sat 25 and Sun 26 are Christmas and Boxing Day;
        # falling at a weekend, their substitute bank holidays are Mon 27 and Tue 28 Dec.
        # 1 working day after Friday: Wednesday 29 December 2027.
        raised = london(2027, 12, 24, 15, 0)
        assert due_day(Need.FOOD, raised) == date(2027, 12, 29)
        assert due_day(Need.MEDICATION, raised) == date(2027, 12, 29)

    def test_five_days_from_christmas_eve_2027_skip_new_year_substitute_too(self):
        # Working days after Fri 24 Dec 2027: Wed 29 (1), Thu 30 (2), Fri 31 (3); Sat 1 Jan 2028
        # is New Year's Day, its substitute Mon 3 Jan; then Tue 4 (4), Wed 5 January 2028 (5).
        raised = london(2027, 12, 24, 15, 0)
        assert due_day(Need.BENEFITS, raised) == date(2028, 1, 5)
        assert due_day(Need.FINANCIAL, raised) == date(2028, 1, 5)

    def test_easter_2026_good_friday_and_easter_monday_do_not_count(self):
        # Thu 2 Apr 2026; Good Friday 3 Apr, Sat 4, Sun 5, Easter Monday 6 Apr.
        # Food: Tue 7 April. Benefits: Tue 7 (1), Wed 8, Thu 9, Fri 10, Mon 13 April (5).
        raised = london(2026, 4, 2, 10, 0)
        assert due_day(Need.FOOD, raised) == date(2026, 4, 7)
        assert due_day(Need.BENEFITS, raised) == date(2026, 4, 13)

    def test_a_weekend_does_not_count(self):
        # Fri 6 Feb 2026 (no bank holiday near): food next working day Mon 9 Feb.
        assert due_day(Need.FOOD, london(2026, 2, 6, 10, 0)) == date(2026, 2, 9)
        # Raised on Saturday 7 Feb: the next working day is still Monday 9 Feb.
        assert due_day(Need.MEDICATION, london(2026, 2, 7, 11, 0)) == date(2026, 2, 9)
        # Mon 9 Feb, 5 working days: Tue 10, Wed 11, Thu 12, Fri 13, Mon 16 Feb.
        assert due_day(Need.BEFRIENDING, london(2026, 2, 9, 9, 0)) == date(2026, 2, 16)

    def test_the_day_raised_is_the_london_day_not_the_utc_day(self):
        # 23:30 on Thu 25 Jun 2026 in London (BST) is 22:30 UTC the same day; 00:30 on Fri 26
        # Jun in London is still Thursday 23:30 in UTC. The London day decides.
        assert due_day(Need.FOOD, london(2026, 6, 25, 23, 30)) == date(2026, 6, 26)
        assert due_day(Need.FOOD, london(2026, 6, 26, 0, 30)) == date(2026, 6, 29)

    def test_may_bank_holiday_2026(self):
        # Fri 1 May 2026; Mon 4 May is the early May bank holiday: food due Tue 5 May.
        assert add_working_days(date(2026, 5, 1), 1) == date(2026, 5, 5)

    def test_a_setting_changes_the_target_for_one_need(self, settings):
        settings.HELP_TARGET_WORKING_DAYS = {"benefits": 2}
        # Mon 9 Feb 2026 + 2 working days: Wed 11 Feb. Food keeps its default of 1.
        assert due_day(Need.BENEFITS, london(2026, 2, 9, 9)) == date(2026, 2, 11)
        assert due_day(Need.FOOD, london(2026, 2, 9, 9)) == date(2026, 2, 10)

    def test_raising_sets_team_target_and_first_note(self, tenant, officer, team):
        help_request = actions.request_raise(
            tenant=tenant,
            need=Need.MEDICATION,
            source=HelpRequest.Source.PHONE_IN,
            raised_by=officer,
            notes="  Needs a prescription collected  ",
        )
        assert help_request.team == team
        assert help_request.owner is None
        assert help_request.status == HelpRequest.Status.NEW
        assert help_request.due_at == target_due_at(Need.MEDICATION, help_request.raised_at)
        note = help_request.notes.get()
        assert note.author == officer
        assert note.text == "Raised from a phone-in.\nNeeds a prescription collected"

    def test_raising_from_a_call_task_links_the_task(self, tenant, officer):
        task = CallTaskFactory(tenant=tenant)
        help_request = actions.request_raise(
            tenant=tenant,
            need=Need.BEFRIENDING,
            source=HelpRequest.Source.WELFARE_CALL,
            raised_by=officer,
            source_task=task,
        )
        assert help_request.source_task == task
        assert list(task.help_requests.all()) == [help_request]

    def test_a_call_task_of_another_tenant_is_refused(self, tenant, outsider, officer):
        with pytest.raises(ValidationError):
            actions.request_raise(
                tenant=tenant,
                need=Need.FOOD,
                source=HelpRequest.Source.WELFARE_CALL,
                raised_by=officer,
                source_task=CallTaskFactory(tenant=outsider),
            )
        assert not HelpRequest.objects.exists()


class TestDirectoryOffers:
    def offered(self, help_request, now=None):
        return list(Organisation.objects.offered_for(help_request, now).order_by("name"))

    def test_matches_need_and_postcode_district(self, food):
        food_pr1 = OrganisationFactory(name="A Food PR1", needs=[Need.FOOD], areas=["PR1"])
        OrganisationFactory(name="B Food FY8", needs=[Need.FOOD], areas=["FY8"])
        OrganisationFactory(name="C Food PR10", needs=[Need.FOOD], areas=["PR10"])
        OrganisationFactory(name="D Meds PR1", needs=[Need.MEDICATION], areas=["PR1"])
        everywhere = OrganisationFactory(
            name="E Food anywhere", needs=[Need.FOOD, Need.BENEFITS], covers_all_areas=True
        )
        several = OrganisationFactory(
            name="F Several", needs=[Need.MEDICATION, Need.FOOD], areas=["FY8", "PR1"]
        )
        assert self.offered(food) == [food_pr1, everywhere, several]

    def test_entry_not_validated_for_90_days_is_not_offered(self, food):
        now = timezone.now()
        fresh = OrganisationFactory(name="Fresh", validated_at=now - timedelta(days=89))
        stale = OrganisationFactory(name="Stale", validated_at=now - timedelta(days=91))
        never = OrganisationFactory(name="Never", validated_at=None)
        assert self.offered(food) == [fresh]
        assert set(Organisation.objects.needs_validation()) == {stale, never}

    def test_validating_again_offers_it_again(self, food, manager):
        stale = OrganisationFactory(validated_at=timezone.now() - timedelta(days=120))
        assert self.offered(food) == []
        actions.organisation_validate(organisation=stale, by=manager)
        assert self.offered(food) == [stale]
        stale.refresh_from_db()
        assert stale.validated_by == manager

    def test_the_validity_period_is_a_setting(self, food, settings):
        entry = OrganisationFactory(validated_at=timezone.now() - timedelta(days=40))
        assert self.offered(food) == [entry]
        settings.HELP_DIRECTORY_VALID_DAYS = 30
        assert self.offered(food) == []

    def test_temporarily_closed_entry_is_not_offered(self, food):
        OrganisationFactory(name="Closed", temporarily_closed=True)
        assert self.offered(food) == []

    def test_signpost_page_offers_only_matching_valid_entries(
        self, officer_client, food, food_bank
    ):
        OrganisationFactory(name="Lytham Larder", areas=["FY8"])
        OrganisationFactory(name="Old Pantry", validated_at=timezone.now() - timedelta(days=91))
        OrganisationFactory(name="Shut Pantry", temporarily_closed=True)
        response = officer_client.get(f"/help/{food.pk}/signpost/")
        assert response.status_code == 200
        assert response.context["organisations"] == [food_bank]
        page = response.content.decode()
        for name in ["Lytham Larder", "Old Pantry", "Shut Pantry"]:
            assert name not in page

    def test_entry_gone_stale_since_the_page_loaded_is_refused(
        self, officer_client, officer, food, food_bank
    ):
        Organisation.objects.filter(pk=food_bank.pk).update(
            validated_at=timezone.now() - timedelta(days=91)
        )
        with pytest.raises(ValidationError):
            actions.request_signpost(
                help_request=food, organisation=food_bank, given_by=officer, notes="Number given"
            )
        response = officer_client.post(
            f"/help/{food.pk}/signpost/", {"organisation": food_bank.pk, "notes": "Number"}
        )
        assert response.status_code == 200
        assert "organisation" in response.context["form"].errors
        assert not Signpost.objects.exists()

    def test_no_entry_offered_says_so(self, officer_client, food):
        OrganisationFactory(areas=["FY8"])
        response = officer_client.get(f"/help/{food.pk}/signpost/")
        assert "No organisation in the directory can be offered" in response.content.decode()


class TestWorkflow:
    def test_raise_from_the_tenant_record(self, officer_client, officer, tenant):
        record = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert f'href="/help/raise/{tenant.pk}/"' in record
        response = officer_client.post(
            f"/help/raise/{tenant.pk}/",
            {"need": Need.FOOD, "source": HelpRequest.Source.SOCIAL_MEDIA, "notes": "No food"},
        )
        help_request = HelpRequest.objects.get()
        assert response.status_code == 302
        assert response.url == f"/help/{help_request.pk}/"
        assert (help_request.tenant, help_request.raised_by, help_request.source) == (
            tenant,
            officer,
            HelpRequest.Source.SOCIAL_MEDIA,
        )
        record = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert f'href="/help/{help_request.pk}/"' in record

    def test_raise_form_needs_a_need_and_offers_no_welfare_call_source(
        self, officer_client, tenant
    ):
        response = officer_client.post(f"/help/raise/{tenant.pk}/", {"source": "welfare_call"})
        errors = response.context["form"].errors
        assert errors["need"] == ["Select what the tenant needs help with"]
        assert "source" in errors
        assert not HelpRequest.objects.exists()

    def test_taking_ownership_moves_new_to_in_progress(self, officer_client, officer, food):
        response = officer_client.post(f"/help/{food.pk}/take/")
        assert response.status_code == 302
        food.refresh_from_db()
        assert (food.owner, food.status) == (officer, HelpRequest.Status.IN_PROGRESS)
        assert food.notes.last().text == "Took ownership."

    def test_give_back_to_the_team(self, officer_client, officer, food):
        officer_client.post(f"/help/{food.pk}/take/")
        officer_client.post(f"/help/{food.pk}/release/")
        food.refresh_from_db()
        assert food.owner is None

    def test_notes_keep_who_and_when(self, officer_client, officer, food):
        officer_client.post(f"/help/{food.pk}/note/", {"text": "Left a voicemail"})
        note = food.notes.last()
        assert (note.author, note.text) == (officer, "Left a voicemail")
        response = officer_client.post(f"/help/{food.pk}/note/", {"text": "  "})
        assert response.status_code == 200
        assert response.context["note_form"].errors["text"] == ["Enter a note"]

    def test_resolving_needs_an_outcome(self, officer_client, food):
        response = officer_client.post(f"/help/{food.pk}/status/", {"status": "resolved"})
        assert response.context["status_form"].errors["outcome"] == ["Enter the outcome"]
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.NEW
        officer_client.post(
            f"/help/{food.pk}/status/", {"status": "resolved", "outcome": "Parcel delivered"}
        )
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.RESOLVED
        assert food.outcome == "Parcel delivered"
        assert food.resolved_at is not None

    def test_closing_as_no_longer_needed_needs_a_reason(self, officer_client, food):
        response = officer_client.post(f"/help/{food.pk}/status/", {"status": "closed"})
        assert response.context["status_form"].errors["reason"] == [
            "Enter why the request is no longer needed"
        ]
        officer_client.post(
            f"/help/{food.pk}/status/", {"status": "closed", "reason": "Daughter now shops"}
        )
        food.refresh_from_db()
        assert (food.status, food.outcome) == (HelpRequest.Status.CLOSED, "Daughter now shops")

    def test_a_finished_request_cannot_change(self, officer_client, officer, food, food_bank):
        actions.request_change_status(
            help_request=food, status="resolved", by=officer, outcome="Done"
        )
        with pytest.raises(ValidationError):
            actions.request_change_status(help_request=food, status="in_progress", by=officer)
        with pytest.raises(ValidationError):
            actions.request_signpost(
                help_request=food, organisation=food_bank, given_by=officer, notes="x"
            )
        response = officer_client.post(f"/help/{food.pk}/take/")
        food.refresh_from_db()
        assert food.owner is None
        assert officer_client.get(response.url).status_code == 200

    def test_signposting_records_what_was_given_and_refers(
        self, officer_client, officer, food, food_bank
    ):
        response = officer_client.post(
            f"/help/{food.pk}/signpost/",
            {"organisation": food_bank.pk, "notes": "Gave the number and opening times"},
        )
        assert response.status_code == 302
        signpost = Signpost.objects.get()
        assert (signpost.request, signpost.organisation, signpost.given_by, signpost.notes) == (
            food,
            food_bank,
            officer,
            "Gave the number and opening times",
        )
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.REFERRED
        page = officer_client.get(f"/help/{food.pk}/").content.decode()
        assert "Preston Food Bank" in page

    def test_tenant_record_lists_open_requests_first(self, officer_client, tenant):
        now = timezone.now()
        done = HelpRequestFactory(
            tenant=tenant,
            need=Need.BENEFITS,
            status=HelpRequest.Status.RESOLVED,
            resolved_at=now,
            outcome="Claim made",
        )
        late = HelpRequestFactory(tenant=tenant, need=Need.FOOD, due_at=now - timedelta(hours=1))
        soon = HelpRequestFactory(tenant=tenant, need=Need.MEDICATION)
        response = officer_client.get(f"/tenants/{tenant.pk}/")
        assert response.context["help_requests"] == [late, soon, done]
        assert response.context["help_open_count"] == 2
        assert response.content.decode().count("Past target") == 1

    def test_viewing_a_request_is_in_the_access_log(self, officer_client, officer, food):
        officer_client.get(f"/help/{food.pk}/")
        entry = AccessLog.objects.get()
        assert (entry.user, entry.tenant, entry.page) == (officer, food.tenant, f"/help/{food.pk}/")


def request_urls(help_request):
    return {
        "get": [f"/help/{help_request.pk}/", f"/help/{help_request.pk}/signpost/"],
        "post": [
            (f"/help/{help_request.pk}/note/", {"text": "A note"}),
            (f"/help/{help_request.pk}/take/", {}),
            (f"/help/{help_request.pk}/release/", {}),
            (f"/help/{help_request.pk}/status/", {"status": "in_progress"}),
            (f"/help/{help_request.pk}/signpost/", {"organisation": "1", "notes": "x"}),
        ],
    }


LIST_URLS = ["/help/", "/help/team/", "/help/directory/"]


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
        assert rows(need="nonsense") == {food, meds, money}  # an unknown filter is ignored

    def test_manager_filters_by_team(self, manager_client, food, outsider_request, team):
        rows = manager_client.get("/help/team/", {"team": team.pk}).context["page"].object_list
        assert list(rows) == [food]

    def test_list_queries_do_not_grow_with_rows(
        self, officer_client, officer, tenant, django_assert_num_queries
    ):
        HelpRequestFactory.create_batch(2, tenant=tenant, owner=officer)
        # session, user, two-factor devices (TOTP, backup codes), count, one page of requests
        # with tenant, owner and team, session renewal (savepoint, update, release); the team
        # list also reads the team's staff for the owner filter.
        with django_assert_num_queries(9):
            officer_client.get("/help/")
        with django_assert_num_queries(10):
            officer_client.get("/help/team/")
        HelpRequestFactory.create_batch(10, tenant=TenantFactory(patch=tenant.patch), owner=officer)
        HelpRequestFactory.create_batch(10, tenant=tenant)
        with django_assert_num_queries(9):
            officer_client.get("/help/")
        with django_assert_num_queries(10):
            officer_client.get("/help/team/")

    def test_directory_queries_do_not_grow_with_rows(
        self, officer_client, django_assert_num_queries
    ):
        OrganisationFactory.create_batch(2, needs=[Need.FOOD, Need.BENEFITS])
        # session, user, two-factor devices (2), count, a page of organisations with who
        # validated them, their needs, their areas, session renewal (3)
        with django_assert_num_queries(11):
            officer_client.get("/help/directory/")
        OrganisationFactory.create_batch(8, needs=[Need.FOOD, Need.MEDICATION], areas=["PR2"])
        with django_assert_num_queries(11):
            officer_client.get("/help/directory/")

    def test_directory_flags_entries_needing_validation_for_managers(self, manager_client):
        OrganisationFactory(name="Fresh Pantry")
        OrganisationFactory(name="Old Pantry", validated_at=timezone.now() - timedelta(days=91))
        response = manager_client.get("/help/directory/", {"show": "needs_validation"})
        assert [o.name for o in response.context["page"].object_list] == ["Old Pantry"]
        assert response.context["needing_validation"] == 1
        assert "Needs validating" in response.content.decode()


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
        assert f'href="{raise_url}">Consider an arrears flag' in page
        assert outsider.full_name not in page

        response = income_client.post(f"/help/{money.pk}/arrears-considered/", {"next": "/"})
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
        actions.request_arrears_considered(help_request=money, by=income_officer)
        first = HelpRequest.objects.get().arrears_considered_at
        actions.request_arrears_considered(
            help_request=money, by=IncomeOfficerFactory(team=income_officer.team)
        )
        money.refresh_from_db()
        assert (money.arrears_considered_by, money.arrears_considered_at) == (
            income_officer,
            first,
        )

    def test_only_financial_difficulty_asks_for_a_flag(self, income_officer, food):
        with pytest.raises(ValidationError):
            actions.request_arrears_considered(help_request=food, by=income_officer)

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
