"""The queue pages, managers' tools, access (every URL as the right role, the wrong role and
another team's officer) and query counts.

Part of the queue tests, split from test_queue.py along its sections."""

from datetime import timedelta

import pytest
import time_machine
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from here_to_help.models import HelpRequest
from tenants.models import AccessLog
from tests.factories import (
    CallTaskFactory,
    OfficerFactory,
)
from tests.queue.helpers import (
    make_tenant,
    manager_urls,
    task_urls,
)
from welfare import actions, call_config, control_actions
from welfare.models import CallTask, Cohort, Redeployment


@pytest.mark.django_db
class TestQueuePages:
    def test_officer_sees_their_team_queue_in_rank_order_with_counts(
        self, officer_client, queue_of, other_patch
    ):
        tasks = queue_of(3)
        CallTaskFactory(tenant=make_tenant(other_patch, first_name="Other", last_name="Team"))
        CallTask.objects.filter(pk=tasks[1].pk).update(aged_70=True)
        page = officer_client.get(reverse("welfare:queue")).content.decode()
        positions = [page.index(task.tenant.full_name) for task in tasks]
        assert positions == sorted(positions)
        assert "Other Team" not in page
        assert "<strong>3</strong> calls waiting" in page
        assert "Aged 70+: 1" in page

    def test_my_claimed_calls_are_listed_first(self, officer_client, queue_of):
        tasks = queue_of(3)
        officer_client.post(reverse("welfare:claim", args=[tasks[2].pk]))
        page = officer_client.get(reverse("welfare:queue")).content.decode()
        assert page.index("Your calls") < page.index(tasks[2].tenant.full_name)
        assert page.index(tasks[2].tenant.full_name) < page.index(tasks[0].tenant.full_name)

    def test_queue_is_paginated(self, officer_client, queue_of):
        queue_of(30)
        first = officer_client.get(reverse("welfare:queue")).content.decode()
        second = officer_client.get(reverse("welfare:queue") + "?page=2").content.decode()
        assert "Page 1 of 2" in first and "Tenant29 Number29" not in first
        assert "Tenant29 Number29" in second

    def test_the_call_page_is_logged_as_a_read_of_the_tenant(self, officer_client, queue_of):
        (task,) = queue_of(1)
        officer_client.get(reverse("welfare:task", args=[task.pk]))
        log = AccessLog.objects.get()
        assert (log.tenant_id, log.kind, log.page) == (
            task.tenant_id,
            "view",
            f"/queue/task/{task.pk}/",
        )

    def test_manager_overview_shows_size_and_oldest_per_team(
        self, manager_client, queue_of, other_team
    ):
        queue_of(4)
        page = manager_client.get(reverse("welfare:queue")).content.decode()
        assert "North team" in page and "South team" in page
        assert "Overdue 4 days" in page

    def test_home_page_panel_counts_the_calls_waiting(self, officer_client, queue_of):
        queue_of(2)
        page = officer_client.get(reverse("home")).content.decode()
        assert "<strong>2</strong> calls waiting now in North team" in page

    def test_home_page_takes_the_next_call_in_one_click(self, officer_client, queue_of):
        tasks = queue_of(2)
        page = officer_client.get(reverse("home")).content.decode()
        assert 'id="home-take-next"' in page
        assert f'action="{reverse("welfare:take_next")}"' in page
        taken = officer_client.post(reverse("welfare:take_next"))
        assert taken.url in {reverse("welfare:task", args=[task.pk]) for task in tasks}

    def test_a_managers_home_has_no_take_next_call(self, manager_client, queue_of):
        queue_of(2)  # a manager works no queue of their own
        assert 'id="home-take-next"' not in manager_client.get(reverse("home")).content.decode()

    def test_call_queue_is_in_the_navigation_for_officers_and_managers(
        self, officer_client, income_officer, client
    ):
        assert 'href="/queue/"' in officer_client.get(reverse("home")).content.decode()
        client.force_login(income_officer)
        assert 'href="/queue/"' not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
class TestManagerTools:
    def test_assign_selected_calls_to_a_named_officer(self, manager_client, team, queue_of):
        tasks = queue_of(3)
        ravi = OfficerFactory(team=team, first_name="Ravi", last_name="Patel")
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [tasks[0].pk, tasks[2].pk], "action": "assign", "officer": ravi.pk},
            follow=True,
        )
        assert "2 calls assigned to Ravi Patel" in response.content.decode()
        assert set(CallTask.objects.filter(assigned_to=ravi)) == {tasks[0], tasks[2]}

    def test_assign_without_an_officer_or_a_selection_shows_errors(
        self, manager_client, team, queue_of
    ):
        queue_of(1)
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]), {"action": "assign"}
        )
        page = response.content.decode()
        assert "Select at least one call" in page
        assert "Choose the officer to give the calls to" in page

    def test_an_officer_of_another_team_cannot_be_chosen(
        self, manager_client, team, other_officer, queue_of
    ):
        (task,) = queue_of(1)
        response = manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [task.pk], "action": "assign", "officer": other_officer.pk},
        )
        assert response.status_code == 200
        task.refresh_from_db()
        assert task.assigned_to is None

    def test_move_selected_calls_to_another_team(self, manager_client, team, other_team, queue_of):
        tasks = queue_of(2)
        manager_client.post(
            reverse("welfare:team", args=[team.pk]),
            {"tasks": [tasks[1].pk], "action": "move", "team": other_team.pk},
        )
        tasks[1].refresh_from_db()
        assert tasks[1].team == other_team and tasks[1].team_fixed

    def test_redeploy_a_patch_for_a_period(self, manager_client, patch, other_team, queue_of):
        tasks = queue_of(2)
        today, last = timezone.localdate(), timezone.localdate() + timedelta(days=13)
        response = manager_client.post(
            reverse("welfare:redeploy"),
            {
                "patch": patch.pk,
                "team": other_team.pk,
                "starts_on_0": today.day,
                "starts_on_1": today.month,
                "starts_on_2": today.year,
                "ends_on_0": last.day,
                "ends_on_1": last.month,
                "ends_on_2": last.year,
                "confirm": "yes",
            },
            follow=True,
        )
        assert "2 calls moved to South team now" in response.content.decode()
        assert Redeployment.objects.get().ends_on == last
        assert {task.team for task in CallTask.objects.filter(pk__in=[t.pk for t in tasks])} == {
            other_team
        }

    @time_machine.travel("2026-06-01 10:00", tick=False)  # dates must be within a year of today
    def test_redeploy_checks_the_dates_and_the_team(self, manager_client, patch):
        response = manager_client.post(
            reverse("welfare:redeploy"),
            {
                "patch": patch.pk,
                "team": patch.team_id,
                "starts_on_0": "10",
                "starts_on_1": "6",
                "starts_on_2": "2026",
                "ends_on_0": "1",
                "ends_on_1": "6",
                "ends_on_2": "2026",
            },
        )
        page = response.content.decode()
        assert "Choose a team other than the patch&#x27;s own team" in page
        assert "The last day must be on or after the first" in page
        assert not Redeployment.objects.exists()

    def test_rebalance_gives_each_call_to_the_officer_with_the_fewest(
        self, manager_client, manager, team, queue_of
    ):
        tasks = queue_of(7)
        amy, ben = (
            OfficerFactory(team=team, username="amy"),
            OfficerFactory(team=team, username="ben"),
        )
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=tasks[0].pk), officer=amy, by=manager
        )
        actions.call_task_claim_next(user=OfficerFactory(team=team))  # claimed: left alone
        response = manager_client.post(
            reverse("welfare:rebalance", args=[team.pk]),
            {"officers": [amy.pk, ben.pk], "cap": "10", "confirm": "yes"},
        )
        assert response.status_code == 302
        assigned = dict(
            CallTask.objects.filter(assigned_to__isnull=False)
            .values_list("assigned_to__username")
            .annotate(n=Count("id"))
        )
        assert assigned == {"amy": 3, "ben": 3}
        # Shared in rank order: ben (fewest) got the top unassigned, unclaimed call.
        tasks[2].refresh_from_db()
        assert tasks[2].assigned_to == ben

    def test_manager_changes_a_cadence_and_the_history_records_who(self, manager_client, manager):
        aged = Cohort.objects.get(code="aged_70")
        response = manager_client.post(
            reverse("welfare:cohort_edit", args=[aged.pk]), {"cadence_days": "10"}
        )
        assert response.status_code == 302
        aged.refresh_from_db()
        assert aged.cadence_days == 10 and aged.active
        change = aged.history.latest()
        assert (change.history_user, change.cadence_days) == (manager, 10)
        page = manager_client.get(reverse("welfare:cohorts")).content.decode()
        assert "Every 10 days" in page and escape(str(manager)) in page

    def test_only_everyone_else_offers_switching_off(self, manager_client):
        aged = Cohort.objects.get(code="aged_70")
        other = Cohort.objects.get(code="everyone_else")
        assert (
            'name="active"'
            not in manager_client.get(
                reverse("welfare:cohort_edit", args=[aged.pk])
            ).content.decode()
        )
        manager_client.post(reverse("welfare:cohort_edit", args=[other.pk]), {"cadence_days": 90})
        other.refresh_from_db()
        assert not other.active

    @pytest.mark.parametrize("days", ["0", "366", "x", ""])
    def test_cadence_must_be_1_to_365_days(self, manager_client, days):
        aged = Cohort.objects.get(code="aged_70")
        response = manager_client.post(
            reverse("welfare:cohort_edit", args=[aged.pk]), {"cadence_days": days}
        )
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
        aged.refresh_from_db()
        assert aged.cadence_days == 14


@pytest.mark.django_db
class TestAccess:
    def test_officer_works_their_own_teams_tasks(self, officer_client, task_in_team):
        assert officer_client.get(reverse("welfare:queue")).status_code == 200
        for method, url in task_urls(task_in_team):
            assert getattr(officer_client, method)(url).status_code in (200, 302), url

    def test_another_teams_officer_gets_404_for_every_task_url(
        self, client, other_officer, task_in_team
    ):
        client.force_login(other_officer)
        for method, url in task_urls(task_in_team):
            assert getattr(client, method)(url).status_code == 404, url
        assert (
            task_in_team.tenant.full_name
            not in client.get(reverse("welfare:queue")).content.decode()
        )

    def test_manager_opens_every_page(self, manager_client, task_in_team, team):
        cohort = Cohort.objects.first()
        for url in [reverse("welfare:queue"), *manager_urls(team, cohort)]:
            assert manager_client.get(url).status_code == 200, url
        for method, url in task_urls(task_in_team):
            assert getattr(manager_client, method)(url).status_code in (200, 302), url

    def test_officers_are_refused_the_managers_pages(self, officer_client, team):
        for url in manager_urls(team, Cohort.objects.first()):
            assert officer_client.get(url).status_code == 403, url
            assert officer_client.post(url).status_code == 403, url

    def test_income_officers_are_refused_the_queue(self, income_client, task_in_team):
        assert income_client.get(reverse("welfare:queue")).status_code == 403
        assert income_client.post(reverse("welfare:take_next")).status_code == 403
        for method, url in task_urls(task_in_team):
            assert getattr(income_client, method)(url).status_code == 403, url

    def test_take_next_is_for_officers_and_by_post(self, officer_client, manager_client):
        assert officer_client.get(reverse("welfare:take_next")).status_code == 405
        assert manager_client.post(reverse("welfare:take_next")).status_code == 403

    def test_visitors_are_sent_to_sign_in(self, client, task_in_team, team):
        for url in [
            reverse("welfare:queue"),
            *(url for _, url in task_urls(task_in_team)),
            *manager_urls(team, Cohort.objects.first()),
        ]:
            response = client.get(url)
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response.url.startswith("/accounts/sign-in/"), url

    def test_an_officer_cannot_act_on_another_teams_tasks_by_id(
        self, officer_client, other_patch, team
    ):
        theirs = CallTaskFactory(tenant=make_tenant(other_patch))
        response = officer_client.post(reverse("welfare:claim", args=[theirs.pk]))
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.claimed_by is None


# Every request: the session, the user (an officer's with whether they have a two-factor
# device, in the same query; a manager's session names its device, so one query more), and
# the session saved again (savepoint, update, release: SESSION_SAVE_EVERY_REQUEST).
@pytest.mark.django_db
class TestQueryCounts:
    @pytest.mark.parametrize("size", [3, 40])
    def test_officer_queue_page(
        self, officer_client, officer, queue_of, size, django_assert_num_queries
    ):
        tasks = queue_of(size)
        actions.call_task_claim(task=tasks[-1], user=officer)
        # 2 (session, user with devices) + your calls + paginator count + the page of tasks
        # (tenant and officers joined) + the cohorts and cadence of the page's tenants by the
        # due rule, the cohorts' cadences and the cohorts' names (the "why"; the last two are
        # each process's copies, welfare.call_config, read here on its first page) + the
        # running campaigns with their teams, patches and questions (4: the process's copy, as
        # above; none other than the programme runs here, so none asked who is due in one) +
        # call-backs due (the banner) + counts by reason (one aggregate) + the team's provider
        # check-ins (provider joined) + the access-log insert + 3 (session save)
        with django_assert_num_queries(19):
            assert officer_client.get(reverse("welfare:queue")).status_code == 200

    @pytest.mark.parametrize("size", [3, 40])
    def test_manager_team_page(
        self, manager_client, team, queue_of, size, django_assert_num_queries
    ):
        queue_of(size)
        # 3 (session, user, device) + the team + paginator count + the page of tasks + the
        # cohorts and cadence of its tenants, the cohorts' cadences and names, the running
        # campaigns (4, as above) + counts by reason + the officers and the other teams for the
        # two selects + the officers for the filter and the history links + the changes that
        # can be undone + the access-log insert + 3 (session save)
        with django_assert_num_queries(22):
            assert manager_client.get(reverse("welfare:team", args=[team.pk])).status_code == 200

    @pytest.mark.parametrize("then, count", [("queue", 26), ("next", 40)])
    def test_logging_a_call_with_a_need(
        self, officer_client, officer, queue_of, then, count, django_assert_num_queries
    ):
        first, second, _ = queue_of(3)
        # The cohorts were saved as the test began: settled once GRACE_SECONDS have passed.
        later = timezone.now() + timedelta(seconds=call_config.GRACE_SECONDS + 1)
        with time_machine.travel(later):
            self._log_two_calls(
                officer_client, first, second, then, count, django_assert_num_queries
            )

    def _log_two_calls(self, officer_client, first, second, then, count, django_assert_num_queries):
        assert officer_client.post(reverse("welfare:take_next")).url.endswith(f"/{first.pk}/")
        data = {"outcome": "spoke", "wellbeing": "good", "answer_0": "Fine", "needs": ["food"]}
        # The process has read the campaigns and cohorts before (welfare.call_config): the
        # first call page of a process reads them, 5 queries more.
        officer_client.get(reverse("welfare:task", args=[first.pk]))
        officer_client.post(
            reverse("welfare:log_call", args=[first.pk]),
            {**data, "idempotency_key": "4a8e1c8e-3f4b-4b8a-9d62-0c1f7b2a9e11", "then": "next"},
        )
        # 2 (session, user with devices) + the task + the access log + the campaigns due + the
        # consenting family contacts + the tenant's numbers (which was wrong?); in the call's
        # transaction (2 for it): the task with its tenant locked, the key checked, the call,
        # its campaign call and reach, the tenant's last contact, the request and its note, the
        # task, the officer's draft of the call dropped (welfare.call_drafts), the text to the
        # tenant (preferences, failing numbers, numbers, the message) + 3 (session save).
        # Save and take next call adds: the officer's take-next lock (so two presses at once
        # cannot both claim: welfare.queue_take), the call held, "Take next call" in one
        # statement (the claim, the check-ins waiting, what was held given back), then the next
        # page: the task, the access log, the campaigns due, the family contacts, the numbers,
        # the officer's draft of that call (none), the calls panel, the last spoken call, the
        # requests, the last calls, the failing numbers.
        with django_assert_num_queries(count):
            response = officer_client.post(
                reverse("welfare:log_call", args=[second.pk]),
                {**data, "idempotency_key": "0d7f3c55-2b1e-4c6a-8f0e-5a9d1e2b3c44", "then": then},
            )
        assert response.status_code == (200 if then == "next" else 302)
        assert second.calls.get().outcome == "spoke"
        assert HelpRequest.objects.get(source_task=second).need == "food"

    @pytest.mark.parametrize("size", [3, 40])
    def test_manager_overview(self, manager_client, queue_of, size, django_assert_num_queries):
        queue_of(size)
        # 3 (session, user, device) + figures per team (one GROUP BY) + the teams + 3 (save)
        with django_assert_num_queries(8):
            assert manager_client.get(reverse("welfare:queue")).status_code == 200
