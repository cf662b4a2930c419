"""Provider check-ins as tasks in the team's call queue (issue 18): the build opens them
set-based, "Take next call" hands them out before calls, two officers never get the same one,
and the check-in page records the check-in with the call page's two buttons. PostgreSQL."""

import threading
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    OfficerFactory,
    SchemeFactory,
    SupportProviderFactory,
    TenantFactory,
)
from welfare.call_actions import work_take_next
from welfare.models import CallTask
from welfare.provider_actions import (
    check_in_task_claim_next,
    provider_check_in_record,
    provider_oversight_set,
)
from welfare.provider_models import ProviderCheckIn, ProviderCheckInTask, ProviderOversight
from welfare.queue import build_call_queue

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ON = date(2026, 12, 1)


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(ON), tick=True):
        yield


def overseen(name, team, due_on=ON, tenants=0, patch=None):
    provider = SupportProviderFactory(name=name)
    provider_oversight_set(provider=provider, team=team, cadence_days=7)
    ProviderOversight.objects.filter(provider=provider).update(next_check_in_on=due_on)
    if tenants:
        scheme = SchemeFactory(type="supported_living", support_provider=provider)
        for _ in range(tenants):
            # Spoken to yesterday: no call due, so the queue holds only the check-ins.
            TenantFactory(patch=patch, scheme=scheme, last_contact_at=at(ON - timedelta(1)))
    return provider


def record(client, task, staffing="adequate", then="queue", key=None, **fields):
    return client.post(
        reverse("welfare:check_in_record", args=[task.pk]),
        {"staffing": staffing, "then": then, "form_key": str(key or uuid.uuid4()), **fields},
    )


class TestTheBuild:
    def test_a_due_check_in_opens_one_task_for_the_owning_team(self, team, patch):
        provider = overseen("Caring Hands", team, tenants=2, patch=patch)
        overseen("Later Ltd", team, due_on=ON + timedelta(days=3))
        result = build_call_queue(on=ON)
        task = ProviderCheckInTask.objects.get()
        assert result.check_ins_opened == 1
        assert (task.provider, task.team, task.due_on, task.tenant_count) == (
            provider,
            team,
            ON,
            2,
        )

    def test_a_second_build_opens_none(self, team):
        overseen("Caring Hands", team)
        build_call_queue(on=ON)
        assert build_call_queue(on=ON).check_ins_opened == 0
        assert ProviderCheckInTask.objects.open().count() == 1

    def test_tenants_counted_once_whether_direct_or_through_the_scheme(self, team, patch):
        provider = overseen("Caring Hands", team, tenants=1, patch=patch)
        scheme = provider.schemes.get()
        TenantFactory(patch=patch, scheme=scheme, support_provider=provider)  # both ways
        TenantFactory(patch=patch, support_provider=provider)  # direct only
        TenantFactory(patch=patch, scheme=scheme, tenancy_end_date=ON - timedelta(1))  # gone
        build_call_queue(on=ON)
        assert ProviderCheckInTask.objects.get().tenant_count == 3

    def test_one_open_task_per_provider_is_a_constraint(self, team):
        from django.db import IntegrityError, transaction

        provider = overseen("Caring Hands", team)
        build_call_queue(on=ON)
        with pytest.raises(IntegrityError), transaction.atomic():
            ProviderCheckInTask.objects.create(
                provider=provider, team=team, opened_on=ON, due_on=ON
            )

    def test_the_build_opens_check_ins_in_one_statement(self, team, django_assert_max_num_queries):
        overseen("P0", team)
        build_call_queue(on=ON)
        ProviderCheckInTask.objects.all().delete()
        with django_assert_max_num_queries(40) as few:
            build_call_queue(on=ON)
        ProviderCheckInTask.objects.all().delete()
        for n in range(1, 6):
            overseen(f"P{n}", team)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert build_call_queue(on=ON).check_ins_opened == 6

    def test_recording_from_the_providers_page_finishes_the_task(self, team, officer):
        provider = overseen("Caring Hands", team)
        build_call_queue(on=ON)
        check_in = provider_check_in_record(provider=provider, by=officer, staffing="stretched")
        task = ProviderCheckInTask.objects.get()
        assert not task.is_open and task.check_in == check_in

    def test_a_new_owning_team_takes_the_waiting_check_in(self, team, other_team):
        provider = overseen("Caring Hands", team)
        build_call_queue(on=ON)
        provider_oversight_set(provider=provider, team=other_team, cadence_days=7)
        assert ProviderCheckInTask.objects.get().team == other_team


class TestTakeNext:
    def test_check_ins_come_before_calls_most_overdue_then_most_tenants(self, team, patch, officer):
        TenantFactory(patch=patch)  # never called: a call due
        overseen("Small", team, tenants=1, patch=patch)
        overseen("Big", team, tenants=3, patch=patch)
        overseen("Late", team, due_on=ON - timedelta(days=4))
        build_call_queue(on=ON)
        names = []
        for _ in range(3):
            task = work_take_next(user=officer)
            names.append(task.provider.name)
            provider_check_in_record(provider=task.provider, by=officer, staffing="adequate")
        assert names == ["Late", "Big", "Small"]
        assert isinstance(work_take_next(user=officer), CallTask)

    def test_take_next_gives_back_the_check_in_held(self, team, officer):
        overseen("First", team, due_on=ON - timedelta(days=1))
        overseen("Second", team)
        build_call_queue(on=ON)
        first = work_take_next(user=officer)
        assert work_take_next(user=officer).provider.name == "Second"
        first.refresh_from_db()
        assert first.claimed_by is None

    def test_taking_a_check_in_gives_back_the_call_held(self, team, patch, officer):
        TenantFactory(patch=patch)
        build_call_queue(on=ON)
        call = work_take_next(user=officer)
        overseen("Caring Hands", team)
        build_call_queue(on=ON)
        assert isinstance(work_take_next(user=officer), ProviderCheckInTask)
        call.refresh_from_db()
        assert call.claimed_by is None

    def test_other_teams_check_ins_are_not_handed_out(self, other_team, officer):
        overseen("Elsewhere", other_team)
        build_call_queue(on=ON)
        assert work_take_next(user=officer) is None

    @pytest.mark.django_db(transaction=True)
    def test_two_officers_at_once_never_get_the_same_check_in(self, team):
        for n in range(2):
            overseen(f"P{n}", team)
        build_call_queue(on=ON)
        officers = [OfficerFactory(team=team) for _ in range(2)]
        got, barrier = [], threading.Barrier(2)

        def take(user):
            barrier.wait()
            try:
                task = check_in_task_claim_next(user=user)
                got.append(task and task.pk)
            finally:
                connection.close()

        threads = [threading.Thread(target=take, args=[user]) for user in officers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert None not in got and len(set(got)) == 2


class TestTheCheckInPage:
    @pytest.fixture
    def task(self, team, patch):
        provider = overseen("Caring Hands", team, tenants=2, patch=patch)
        provider.contacts.create(name="Sam Lee", role="Rota manager", phone="+441134960001")
        build_call_queue(on=ON)
        return ProviderCheckInTask.objects.get()

    def test_take_next_call_opens_the_check_in_page(self, officer_client, task):
        response = officer_client.post(reverse("welfare:take_next"))
        assert response.url == reverse("welfare:check_in", args=[task.pk])
        page = officer_client.get(response.url).content.decode()
        assert 'href="tel:+441134960001"' in page and "2 tenants" in page
        assert "Save and take next call" in page
        assert "Save the check-in and return to the queue" in page

    def test_the_queue_lists_the_check_in(self, officer_client, task):
        page = officer_client.get(reverse("welfare:queue")).content.decode()
        assert "Provider check-ins" in page and "Caring Hands" in page

    def test_save_and_take_next_records_and_opens_the_next_call(
        self, officer_client, officer, task, patch
    ):
        TenantFactory(patch=patch, first_name="Edna")
        build_call_queue(on=ON)
        officer_client.post(reverse("welfare:take_next"))
        response = record(officer_client, task, "critical", then="next", notes="Night staff off")
        following = CallTask.objects.get(claimed_by=officer)
        assert response.url == reverse("welfare:task", args=[following.pk])
        check_in = ProviderCheckIn.objects.get()
        assert (check_in.staffing, check_in.notes) == ("critical", "Night staff off")
        task.refresh_from_db()
        assert not task.is_open

    def test_save_and_return_goes_to_the_queue(self, officer_client, task):
        officer_client.post(reverse("welfare:take_next"))
        assert record(officer_client, task).url == reverse("welfare:queue")

    def test_a_double_submit_records_once(self, officer_client, task):
        officer_client.post(reverse("welfare:take_next"))
        key = uuid.uuid4()
        first = record(officer_client, task, key=key)
        second = record(officer_client, task, key=key)
        assert second.status_code == 302 and second.url == first.url
        assert ProviderCheckIn.objects.count() == 1

    def test_a_check_in_held_by_a_colleague_is_refused_keeping_the_notes(
        self, officer_client, task, team
    ):
        colleague = OfficerFactory(team=team, first_name="Olive", last_name="Grey")
        ProviderCheckInTask.objects.filter(pk=task.pk).update(
            claimed_by=colleague, claimed_at=timezone.now()
        )
        response = record(officer_client, task, notes="Spoke to the rota manager")
        assert response.status_code == 409 and not ProviderCheckIn.objects.exists()
        assert "Spoke to the rota manager" in response.content.decode()

    def test_missing_staffing_keeps_what_was_typed(self, officer_client, task):
        officer_client.post(reverse("welfare:take_next"))
        response = record(officer_client, task, "", notes="Call back at 3")
        assert response.status_code == 400 and "Call back at 3" in response.content.decode()

    def test_another_teams_officer_gets_404(self, client, other_officer, task):
        client.force_login(other_officer)
        assert client.get(reverse("welfare:check_in", args=[task.pk])).status_code == 404
        assert record(client, task).status_code == 404

    def test_income_officers_get_403(self, income_client, task):
        assert income_client.get(reverse("welfare:check_in", args=[task.pk])).status_code == 403

    def test_page_and_queue_queries_do_not_grow(
        self, officer_client, task, team, patch, django_assert_max_num_queries
    ):
        url = reverse("welfare:check_in", args=[task.pk])
        officer_client.get(url)
        officer_client.get(reverse("welfare:queue"))
        with django_assert_max_num_queries(40) as page_queries:
            officer_client.get(url)
        with django_assert_max_num_queries(60) as queue_queries:
            officer_client.get(reverse("welfare:queue"))
        for n in range(3):
            task.provider.contacts.create(name=f"C{n}", phone="+441134960002")
            SchemeFactory(support_provider=task.provider)
            overseen(f"P{n}", team, tenants=1, patch=patch)
        build_call_queue(on=ON)
        with django_assert_max_num_queries(len(page_queries.captured_queries)):
            officer_client.get(url)
        with django_assert_max_num_queries(len(queue_queries.captured_queries)):
            officer_client.get(reverse("welfare:queue"))
