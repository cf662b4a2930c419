"""Claims.

Part of the queue tests, split from test_queue.py along its sections."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import OfficerFactory
from welfare import actions, control_actions
from welfare.models import CallTask


@pytest.mark.django_db
class TestClaims:
    def test_take_next_claims_the_top_task_and_opens_its_call_page(
        self, officer_client, officer, queue_of
    ):
        tasks = queue_of(3)
        response = officer_client.post(reverse("welfare:take_next"))
        assert response.status_code == 302
        assert response.url == reverse("welfare:task", args=[tasks[0].pk])
        tasks[0].refresh_from_db()
        assert tasks[0].claimed_by == officer
        page = officer_client.get(response.url).content.decode()
        assert escape(tasks[0].tenant.full_name) in page
        assert f'href="tel:{tasks[0].tenant.phone}"' in page
        assert "Hand back to the queue" in page

    def test_take_next_skips_claimed_tasks_and_others_assignments(self, team, queue_of, manager):
        first, second, third = queue_of(3)
        olivia, sam, ravi = (OfficerFactory(team=team) for _ in range(3))
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=second.pk), officer=ravi, by=manager
        )
        assert actions.call_task_claim_next(user=olivia).pk == first.pk
        assert actions.call_task_claim_next(user=sam).pk == third.pk
        assert actions.call_task_claim_next(user=sam) is None
        assert actions.call_task_claim_next(user=ravi).pk == second.pk

    def test_tasks_assigned_to_me_come_first(self, team, queue_of, manager):
        first, second = queue_of(2)
        olivia = OfficerFactory(team=team)
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=second.pk), officer=olivia, by=manager
        )
        assert actions.call_task_claim_next(user=olivia).pk == second.pk

    def test_a_task_waiting_for_a_retry_is_not_offered_yet(self, officer, queue_of):
        (task,) = queue_of(1)
        CallTask.objects.filter(pk=task.pk).update(
            available_from=timezone.now() + timedelta(hours=2)
        )
        assert actions.call_task_claim_next(user=officer) is None

    def test_a_retry_whose_time_has_come_takes_its_place_by_rank(self, officer, queue_of):
        first, second = queue_of(2)
        CallTask.objects.filter(pk=first.pk).update(
            available_from=timezone.now() - timedelta(minutes=1)
        )
        assert actions.call_task_claim_next(user=officer).pk == first.pk
        assert actions.call_task_claim_next(user=officer).pk == second.pk

    def test_a_claim_left_for_30_minutes_goes_back_to_the_queue(self, team, queue_of):
        (task,) = queue_of(1)
        olivia, sam = OfficerFactory(team=team), OfficerFactory(team=team)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            assert actions.call_task_claim_next(user=olivia).pk == task.pk
            clock.shift(timedelta(minutes=29))
            assert actions.call_task_claim_next(user=sam) is None
            clock.shift(timedelta(minutes=2))
            assert actions.call_task_claim_next(user=sam).pk == task.pk
        task.refresh_from_db()
        assert task.claimed_by == sam

    def test_claim_minutes_is_a_setting(self, settings, team, queue_of):
        settings.CALL_CLAIM_MINUTES = 5
        (task,) = queue_of(1)
        olivia, sam = OfficerFactory(team=team), OfficerFactory(team=team)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            actions.call_task_claim_next(user=olivia)
            clock.shift(timedelta(minutes=6))
            assert actions.call_task_claim_next(user=sam).pk == task.pk

    def test_handing_back_puts_the_task_back(self, officer_client, officer, queue_of):
        (task,) = queue_of(1)
        officer_client.post(reverse("welfare:take_next"))
        response = officer_client.post(reverse("welfare:hand_back", args=[task.pk]))
        assert response.url == reverse("welfare:queue")
        task.refresh_from_db()
        assert task.claimed_by is None
        assert officer_client.post(reverse("welfare:take_next")).url.endswith(f"/{task.pk}/")

    def test_someone_elses_claim_cannot_be_handed_back_or_taken(
        self, officer_client, team, queue_of
    ):
        (task,) = queue_of(1)
        actions.call_task_claim_next(user=OfficerFactory(team=team))
        officer_client.post(reverse("welfare:hand_back", args=[task.pk]))
        officer_client.post(reverse("welfare:claim", args=[task.pk]))
        task.refresh_from_db()
        assert task.claimed_by.username != "olivia"

    def test_take_this_call_from_its_page(self, officer_client, officer, queue_of):
        _, second = queue_of(2)
        officer_client.post(reverse("welfare:claim", args=[second.pk]))
        second.refresh_from_db()
        assert second.claimed_by == officer

    def test_an_empty_queue_says_so(self, officer_client):
        response = officer_client.post(reverse("welfare:take_next"), follow=True)
        assert "There are no calls waiting" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL only")
class TestTakeNextInOne:
    """ "Take next call" as one prepared statement (`actions.take_next_in_one`), planned once for
    the connection: the same parts in the same order as `call_task_claim_next`."""

    def test_each_part_in_its_order(self, team, queue_of, manager):
        not_due, lapsed, due, waiting, assigned = queue_of(5)
        olivia, sam, ravi, ali = (OfficerFactory(team=team) for _ in range(4))
        now = timezone.now()
        CallTask.objects.filter(pk=not_due.pk).update(available_from=now + timedelta(hours=2))
        CallTask.objects.filter(pk=due.pk).update(available_from=now - timedelta(minutes=1))
        CallTask.objects.filter(pk=lapsed.pk).update(
            claimed_by=ali, claimed_at=now - timedelta(minutes=31)
        )
        control_actions.call_tasks_assign(
            tasks=CallTask.objects.filter(pk=assigned.pk), officer=olivia, by=manager
        )
        taken = [
            actions.take_next_in_one(user=officer, now=now)
            for officer in (olivia, sam, ravi, ali, sam)
        ]
        assert [task and task.pk for task in taken] == [
            assigned.pk,
            lapsed.pk,
            due.pk,
            waiting.pk,
            None,
        ]
        assert taken[0].claimed_by_id == olivia.pk and taken[0].claimed_at == now
        assert taken[0].tenant_id == assigned.tenant_id and taken[0].due_on == assigned.due_on

    def test_planned_once_for_the_connection(self, officer, queue_of):
        queue_of(3)

        def plans():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE name = 'welfare_take_next'"
                )
                return cursor.fetchone() or (0, 0)

        actions.take_next_in_one(user=officer, now=timezone.now())
        generic, custom = plans()
        for _ in range(3):
            actions.take_next_in_one(user=officer, now=timezone.now())
        assert plans() == (generic + 3, custom) and custom == 0
