"""Target times; Directory offers.

Part of the help tests, split from test_help.py along its sections."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.dates import add_working_days
from here_to_help import actions
from here_to_help.models import (
    HelpRequest,
    Need,
    Organisation,
    Signpost,
    target_due_at,
)
from tests.factories import (
    CallTaskFactory,
    OrganisationFactory,
)
from tests.help.helpers import (
    due_day,
    london,
)

pytestmark = pytest.mark.django_db


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
