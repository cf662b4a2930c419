"""Campaigns (issue 18): the COVID calls as the first campaign, campaigns of a cohort filter,
one task per tenant across campaigns, both scripts on the call page, progress, pause, extend
and close. PostgreSQL."""

import itertools
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tenants.models import AccessLog, Tenant
from tests import csv_support
from tests.factories import PatchFactory, SchemeFactory, TenantFactory
from welfare.call_actions import queue_check
from welfare.call_models import SCRIPT, Call, Escalation
from welfare.campaign_actions import CampaignRefused, campaign_close, campaign_create
from welfare.campaign_models import Campaign, CampaignCall, CampaignQuestion, CampaignReach
from welfare.campaign_rules import campaigns_due_for
from welfare.models import CallTask, QueueRebuild
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 12, 1)  # a Tuesday in winter
DEADLINE = date(2026, 12, 18)
SERIAL = itertools.count()


def at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def born_aged(years, on=ON):
    return on.replace(year=on.year - years)


def make_tenant(patch, **fields):
    """On the register for a year, spoken to yesterday (so not due in the COVID programme)."""
    fields.setdefault("last_contact_at", at(ON - timedelta(days=1)))
    fields.setdefault("date_of_birth", born_aged(40))
    fields.setdefault("last_name", f"Surname{next(SERIAL)}")
    tenant = TenantFactory(patch=patch, **fields)
    Tenant.objects.filter(pk=tenant.pk).update(created_at=at(ON - timedelta(days=365)))
    return tenant


def cold_weather(manager, **fields):
    defaults = {
        "name": "Cold weather check",
        "kind": Campaign.Kind.COHORT,
        "starts_on": ON,
        "ends_on": DEADLINE,
        "schedule": Campaign.Schedule.ONCE,
        "min_age": 70,
        "lives_alone_only": True,
        "questions": [
            {"text": "Is your home warm enough?", "kind": "yes_no", "need_on_no": "utility_credit"},
            {"text": "How do you heat your home?", "kind": "choice", "choices": "Gas\nElectric"},
        ],
    }
    return campaign_create(by=manager, **{**defaults, **fields})


@pytest.fixture(autouse=True)
def clock():
    """10:00 on ON, before anyone signs in (sessions end after 30 idle minutes)."""
    with time_machine.travel(at(ON), tick=True):
        yield


def programme():
    return Campaign.objects.get(code=Campaign.PROGRAMME_CODE)


@pytest.fixture
def alone(patch):
    """75, lives alone, spoken to yesterday: in the cold weather check, not due for COVID."""
    return make_tenant(patch, date_of_birth=born_aged(75), lives_alone=True, first_name="Ada")


@pytest.fixture
def both(patch):
    """75, lives alone, never spoken to: due in the cold weather check and COVID calls."""
    return make_tenant(
        patch, date_of_birth=born_aged(75), lives_alone=True, last_contact_at=None, first_name="Bo"
    )


class TestTheProgrammeCampaign:
    def test_the_covid_calls_are_seeded_with_todays_six_questions(self):
        covid = programme()
        assert covid.is_programme and covid.status == Campaign.Status.ACTIVE
        assert [q.text for q in covid.questions.all()] == SCRIPT
        assert {q.kind for q in covid.questions.all()} == {CampaignQuestion.Kind.TEXT}

    def test_a_covid_only_call_page_is_as_before(self, officer_client, officer, patch):
        tenant = make_tenant(patch, last_contact_at=None)
        build_call_queue(on=ON)
        task = CallTask.objects.get(tenant=tenant)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=at(ON))
        page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
        assert "The script" in page and escape(SCRIPT[1]) in page
        assert 'id="call-campaigns"' not in page

    def test_only_one_programme(self, manager):
        with pytest.raises(CampaignRefused):
            cold_weather(manager, kind=Campaign.Kind.PROGRAMME)


class TestQueueAcrossCampaigns:
    def test_the_next_build_queues_a_campaigns_tenants_ranked_by_its_deadline(
        self, manager, alone, patch
    ):
        younger = make_tenant(patch, date_of_birth=born_aged(60), lives_alone=True)
        with_others = make_tenant(patch, date_of_birth=born_aged(80), lives_alone=False)
        cold_weather(manager)
        result = build_call_queue(on=ON)
        assert result.opened == 1
        task = CallTask.objects.open().get()
        assert task.tenant == alone and task.due_on == DEADLINE
        assert not CallTask.objects.filter(tenant__in=[younger, with_others]).exists()

    def test_a_tenant_due_in_two_campaigns_gets_one_task(self, manager, both):
        cold_weather(manager)
        assert build_call_queue(on=ON).opened == 1
        task = CallTask.objects.open().get(tenant=both)
        assert task.due_on < DEADLINE  # the COVID calls are overdue: the earlier date ranks
        assert [c.name for c in campaigns_due_for(both, ON)] == [
            "COVID welfare calls",
            "Cold weather check",
        ]
        second = build_call_queue(on=ON)
        assert second.opened == second.reranked == second.closed_not_due == 0

    def test_equally_due_in_two_campaigns_the_shorter_cadence_is_kept_build_after_build(
        self, manager, patch
    ):
        started = ON - timedelta(days=5)
        # Aged 70+ (every 14 days), last spoken to 19 days ago: due in COVID calls since ON-5,
        # as in a 7-day campaign that began that day.
        tenant = make_tenant(
            patch, date_of_birth=born_aged(75), last_contact_at=at(started - timedelta(14))
        )
        cold_weather(
            manager,
            starts_on=started,
            schedule=Campaign.Schedule.CADENCE,
            cadence_days=7,
            lives_alone_only=False,
        )
        build_call_queue(on=ON)
        task = CallTask.objects.open().get(tenant=tenant)
        assert (task.due_on, task.cadence_days) == (started, 7)
        assert build_call_queue(on=ON).reranked == 0

    def test_the_never_dropped_check_covers_every_campaign(self, manager, alone):
        cold_weather(manager)
        assert queue_check(on=ON, now=at(ON, 6)) == 1  # due in the check, no task yet
        build_call_queue(on=ON)
        assert queue_check(on=ON, now=at(ON, 7)) == 0

    def test_the_unique_constraint_still_holds_across_campaigns(self, manager, both):
        cold_weather(manager)
        build_call_queue(on=ON)
        task = CallTask.objects.get(tenant=both)
        with pytest.raises(IntegrityError):
            CallTask.objects.create(
                tenant=both, team=task.team, opened_on=ON, due_on=ON, cadence_days=0
            )

    def test_not_yet_started_paused_and_closed_campaigns_queue_nobody(self, manager, alone):
        campaign = cold_weather(manager, starts_on=ON + timedelta(days=1))
        assert build_call_queue(on=ON).opened == 0
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)
        assert build_call_queue(on=ON + timedelta(days=1)).opened == 0

    def test_pausing_closes_tasks_due_only_for_that_campaign(self, manager, alone, both):
        campaign = cold_weather(manager)
        build_call_queue(on=ON)
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)
        result = build_call_queue(on=ON)
        assert result.closed_not_due == 1
        assert CallTask.objects.get(tenant=alone).closed_reason == CallTask.ClosedReason.NOT_DUE
        assert CallTask.objects.get(tenant=both).is_open  # still due for the COVID calls

    def test_past_its_deadline_an_unreached_tenant_stays_queued_until_closed(self, manager, alone):
        cold_weather(manager)
        later = DEADLINE + timedelta(days=3)
        Tenant.objects.filter(pk=alone.pk).update(last_contact_at=at(later - timedelta(days=1)))
        build_call_queue(on=later)
        assert CallTask.objects.open().get(tenant=alone).days_overdue(later) == 3

    def test_a_cadence_campaign_calls_again_after_its_cadence(self, manager, alone, officer):
        campaign = cold_weather(manager, schedule=Campaign.Schedule.CADENCE, cadence_days=7)
        build_call_queue(on=ON)
        task = CallTask.objects.open().get(tenant=alone)
        assert task.due_on == ON and task.cadence_days == 7
        CampaignReach.objects.create(
            campaign=campaign, tenant=alone, reached_at=at(ON), next_due_on=ON + timedelta(7)
        )
        Tenant.objects.filter(pk=alone.pk).update(last_contact_at=at(ON))
        assert build_call_queue(on=ON + timedelta(days=1)).closed_not_due == 1
        assert build_call_queue(on=ON + timedelta(days=6)).opened == 0
        assert build_call_queue(on=ON + timedelta(days=7)).opened == 1

    def test_filters_by_home_team_and_lifeline(self, manager, patch, other_patch):
        scheme = SchemeFactory(type="supported_living")
        in_scheme = make_tenant(patch, scheme=scheme, lifeline=True)
        elsewhere = make_tenant(other_patch, scheme=scheme, lifeline=True)
        no_lifeline = make_tenant(patch, scheme=scheme)
        cold_weather(
            manager,
            min_age=None,
            lives_alone_only=False,
            home_type="supported_living",
            lifeline_only=True,
            teams=[patch.team],
        )
        build_call_queue(on=ON)
        queued = set(CallTask.objects.open().values_list("tenant_id", flat=True))
        assert in_scheme.pk in queued and not {elsewhere.pk, no_lifeline.pk} & queued

    def test_a_patch_ticked_adds_its_tenants_to_the_teams_ticked(self, manager, patch, other_patch):
        ours, theirs = make_tenant(patch), make_tenant(other_patch)
        make_tenant(PatchFactory(team=other_patch.team))
        cold_weather(
            manager, min_age=None, lives_alone_only=False, teams=[patch.team], patches=[other_patch]
        )
        build_call_queue(on=ON)
        queued = set(CallTask.objects.open().values_list("tenant_id", flat=True))
        assert queued == {ours.pk, theirs.pk}

    def test_tenants_who_declined_or_died_are_never_queued(self, manager, patch):
        make_tenant(patch, date_of_birth=born_aged(75), lives_alone=True, declined_calls_on=ON)
        make_tenant(patch, date_of_birth=born_aged(75), lives_alone=True, deceased_on=ON)
        cold_weather(manager)
        assert build_call_queue(on=ON).opened == 0


def take(task, officer):
    CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=timezone.now())


class TestTheCallPage:
    @pytest.fixture
    def task(self, manager, both, officer):
        self.campaign = cold_weather(manager)
        build_call_queue(on=ON)
        task = CallTask.objects.get(tenant=both)
        take(task, officer)
        return task

    def test_both_scripts_are_shown(self, officer_client, task):
        page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
        assert "COVID welfare calls: the script" in page and escape(SCRIPT[0]) in page
        assert "Cold weather check: the script" in page
        assert "1. Is your home warm enough?" in page
        assert "suggests a need for utility meter credit" in page
        assert "Cold weather check: each tenant once by 18 December 2026" in page

    def test_one_outcome_serves_both_campaigns(self, officer_client, task, both):
        covid = programme()
        key = str(uuid.uuid4())
        data = {
            "idempotency_key": key,
            "outcome": "spoke",
            "wellbeing": "okay",
            "answer_0": "Fine thanks",
            f"campaign_{self.campaign.pk}_1": "no",
            f"campaign_{self.campaign.pk}_2": "Electric",
        }
        response = officer_client.post(reverse("welfare:log_call", args=[task.pk]), data)
        assert response.status_code == 302
        call = Call.objects.get()
        assert call.answers[0] == "Fine thanks"
        answers = dict(CampaignCall.objects.filter(call=call).values_list("campaign", "answers"))
        assert answers == {covid.pk: [], self.campaign.pk: ["no", "Electric"]}
        reached = set(CampaignReach.objects.filter(tenant=both).values_list("campaign", flat=True))
        assert reached == {covid.pk, self.campaign.pk}
        assert build_call_queue(on=ON + timedelta(days=1)).opened == 0

    def test_a_refused_choice_keeps_what_was_typed(self, officer_client, task):
        data = {
            "idempotency_key": str(uuid.uuid4()),
            "outcome": "spoke",
            "answer_0": "Chilly but fine",
            f"campaign_{self.campaign.pk}_2": "Coal",
        }
        response = officer_client.post(reverse("welfare:log_call", args=[task.pk]), data)
        page = response.content.decode()
        assert response.status_code == 400 and not Call.objects.exists()
        assert "Chilly but fine" in page and "Select how the tenant is" in page

    def test_a_failed_attempt_is_counted_in_each_campaign_but_reaches_none(
        self, officer_client, task
    ):
        data = {"idempotency_key": str(uuid.uuid4()), "outcome": "no_answer"}
        officer_client.post(reverse("welfare:log_call", args=[task.pk]), data)
        assert CampaignCall.objects.count() == 2 and not CampaignReach.objects.exists()


def new_campaign_form(**fields):
    return {
        "name": "Cold weather check",
        "kind": "cohort",
        "starts_on_0": "1",
        "starts_on_1": "12",
        "starts_on_2": "2026",
        "schedule": "once",
        "ends_on_0": "18",
        "ends_on_1": "12",
        "ends_on_2": "2026",
        "min_age": "70",
        "lives_alone_only": "on",
        "q1_text": "Is your home warm enough?",
        "q1_kind": "yes_no",
        "q1_need": "utility_credit",
        "q2_text": "Anything else?",
        "q2_kind": "text",
        **fields,
    }


class TestManagersPages:
    def test_a_manager_creates_a_campaign(self, manager_client, manager):
        response = manager_client.post(reverse("campaigns:new"), new_campaign_form())
        campaign = Campaign.objects.get(name="Cold weather check")
        # It starts today: today's queue is worked out again (tests/test_campaign_today.py).
        rebuild = QueueRebuild.objects.get()
        detail = reverse("campaigns:detail", args=[campaign.pk])
        assert response.url == f"{detail}?rebuild={rebuild.pk}#today"
        assert (campaign.min_age, campaign.lives_alone_only, campaign.ends_on) == (
            70,
            True,
            DEADLINE,
        )
        assert campaign.created_by == manager
        assert list(campaign.questions.values_list("text", "kind", "need_on_no")) == [
            ("Is your home warm enough?", "yes_no", "utility_credit"),
            ("Anything else?", "text", ""),
        ]

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            (
                {"schedule": "once", "ends_on_0": "", "ends_on_1": "", "ends_on_2": ""},
                "Enter the day each tenant must be called by",
            ),
            ({"schedule": "cadence"}, "Enter how many days between calls"),
            ({"q1_text": "", "q2_text": ""}, "Enter at least one question"),
            ({"q2_kind": "choice", "q2_choices": "Only one"}, "Enter at least two options"),
            ({"q2_need": "food"}, "Only a yes or no question can suggest a need"),
        ],
    )
    def test_a_refused_campaign_shows_why_and_keeps_what_was_typed(
        self, manager_client, fields, message
    ):
        response = manager_client.post(reverse("campaigns:new"), new_campaign_form(**fields))
        page = response.content.decode()
        assert response.status_code == 400 and not Campaign.objects.filter(code="")
        assert message in page and 'value="Cold weather check"' in page

    def test_officers_get_403_and_anonymous_users_sign_in(self, officer_client, client, manager):
        campaign = cold_weather(manager)
        urls = [
            reverse("campaigns:list"),
            reverse("campaigns:new"),
            reverse("campaigns:detail", args=[campaign.pk]),
            reverse("campaigns:csv", args=[campaign.pk]),
            reverse("campaigns:close", args=[campaign.pk]),
        ]
        for url in urls:
            assert officer_client.get(url).status_code == 403
        client.logout()
        for url in urls:
            assert reverse("accounts:login") in client.get(url).url

    def test_progress_by_team_with_a_csv(self, manager_client, manager, alone, both, officer):
        campaign = cold_weather(manager)
        build_call_queue(on=ON)
        task = CallTask.objects.get(tenant=both)
        take(task, officer)
        from welfare.call_actions import call_log

        call_log(
            task=task,
            officer=officer,
            outcome="spoke",
            wellbeing="good",
            idempotency_key=uuid.uuid4(),
            campaigns=[campaign],
            now=at(ON),
        )
        Escalation.objects.create(tenant=alone, reason="wrong_number", team=alone.patch.team)
        page = manager_client.get(reverse("campaigns:detail", args=[campaign.pk]))
        download = manager_client.get(reverse("campaigns:csv", args=[campaign.pk]))
        rows = csv_support.lines(download)
        team = alone.patch.team.name
        # team, tenants, reached, attempted, not yet tried, not called, escalated
        assert rows[1] == [team, "2", "1", "0", "1", "0", "1"]
        assert rows[2] == ["All teams", "2", "1", "0", "1", "0", "1"]
        days = csv_support.lines(
            manager_client.get(reverse("campaigns:days_csv", args=[campaign.pk]))
        )
        assert days == [["day", "calls", "reached"], ["2026-12-01", "1", "1"]]
        assert escape(team) in page.content.decode()

    def test_progress_page_queries_do_not_grow_with_teams_or_calls(
        self, manager_client, manager, django_assert_max_num_queries, patch, other_patch
    ):
        campaign = cold_weather(manager, min_age=None, lives_alone_only=False)
        url = reverse("campaigns:detail", args=[campaign.pk])
        manager_client.get(url)  # sessions and the like settle
        with django_assert_max_num_queries(15) as few:
            manager_client.get(url)
        for n in range(5):
            make_tenant(patch if n % 2 else other_patch)
        with django_assert_max_num_queries(len(few.captured_queries)):
            manager_client.get(url)

    def test_list_queries_do_not_grow_with_campaigns(
        self, manager_client, manager, django_assert_max_num_queries
    ):
        manager_client.get(reverse("campaigns:list"))
        with django_assert_max_num_queries(8) as few:
            manager_client.get(reverse("campaigns:list"))
        for n in range(3):
            cold_weather(manager, name=f"Check {n}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = manager_client.get(reverse("campaigns:list")).content.decode()
        assert "Check 2" in page

    def test_pause_restart_and_extend(self, manager_client, manager):
        campaign = cold_weather(manager)
        manager_client.post(reverse("campaigns:pause", args=[campaign.pk]))
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.PAUSED
        manager_client.post(reverse("campaigns:resume", args=[campaign.pk]))
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.ACTIVE
        url = reverse("campaigns:extend", args=[campaign.pk])
        early = manager_client.post(
            url, {"ends_on_0": "10", "ends_on_1": "12", "ends_on_2": "2026"}
        )
        assert early.status_code == 400
        assert "The new end date must be after 18 December 2026" in early.content.decode()
        manager_client.post(url, {"ends_on_0": "8", "ends_on_1": "1", "ends_on_2": "2027"})
        campaign.refresh_from_db()
        assert campaign.ends_on == date(2027, 1, 8)
        assert [h.history_change_reason for h in campaign.history.order_by("history_id")][1:] == [
            "paused",
            "restarted",
            "extended",
        ]

    def test_closing_with_tenants_not_reached_lists_them_and_needs_a_reason(
        self, manager_client, manager, alone
    ):
        campaign = cold_weather(manager)
        url = reverse("campaigns:close", args=[campaign.pk])
        page = manager_client.get(url).content.decode()
        refused = manager_client.post(url, {"reason": ""})
        assert "1 tenant has not been reached" in page and escape(alone.full_name) in page
        assert AccessLog.objects.filter(kind="search", query__contains="campaign").exists()
        assert refused.status_code == 400 and "enter a reason" in refused.content.decode()
        manager_client.post(url, {"reason": "The cold snap ended"})
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.CLOSED
        assert campaign.closed_reason == "The cold snap ended"
        assert build_call_queue(on=ON).opened == 0

    def test_the_programme_cannot_be_paused_or_closed(self, manager_client, manager):
        with pytest.raises(CampaignRefused):
            campaign_close(campaign=programme(), by=manager, not_reached=0)
        response = manager_client.post(reverse("campaigns:pause", args=[programme().pk]))
        assert programme().status == Campaign.Status.ACTIVE
        assert "cannot be paused" in manager_client.get(response.url).content.decode()
