"""The call workspace (issue 14): idempotency that cannot lie, phone numbers officers correct,
call-backs that come back to their officer, and "Take next call" giving back a held call."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tenants.models import PhoneNumber
from tests.factories import CallTaskFactory, OfficerFactory, TenantFactory, load_default_cohorts
from welfare import actions
from welfare.call_actions import CallConflict, call_add_note, call_log, call_take_next
from welfare.call_models import Call
from welfare.models import CallTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def task(patch, officer):
    tenant = TenantFactory(patch=patch, phone="+442079460123", mobile="")
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def log(task, officer, key, outcome="no_answer", **fields):
    return call_log(task=task, officer=officer, outcome=outcome, idempotency_key=key, **fields)


class TestIdempotency:
    def test_the_same_key_and_content_replays_the_recorded_call(self, task, officer):
        key = uuid.uuid4()
        first = log(task, officer, key, notes="Rang twice")
        again = log(task, officer, key, notes="Rang twice")
        assert again.pk == first.pk and again.replayed
        assert Call.objects.count() == 1

    def test_the_same_key_with_other_content_answers_with_the_call_as_recorded(self, task, officer):
        key = uuid.uuid4()
        first = log(task, officer, key)
        with pytest.raises(CallConflict) as conflict:
            log(task, officer, key, outcome="spoke", wellbeing="struggling", needs=["food"])
        assert conflict.value.call == first
        assert list(Call.objects.values_list("outcome", flat=True)) == ["no_answer"]

    def test_a_finished_task_answers_with_its_call(self, task, officer):
        done = log(task, officer, uuid.uuid4(), outcome="spoke", wellbeing="good")
        with pytest.raises(CallConflict) as conflict:
            log(task, officer, uuid.uuid4())
        assert conflict.value.call == done

    def test_a_new_attempt_takes_the_task_again_and_records(self, task, officer):
        key = uuid.uuid4()
        log(task, officer, key)
        task.refresh_from_db()
        assert task.claimed_by is None  # the no-answer gave it back
        call = log(task, officer, uuid.uuid4(), outcome="spoke", wellbeing="okay", new_attempt=True)
        task.refresh_from_db()
        assert call.outcome == "spoke" and task.status == CallTask.Status.DONE

    def test_a_new_attempt_does_not_take_a_call_a_colleague_holds(self, task, officer, team):
        log(task, officer, uuid.uuid4())
        colleague = OfficerFactory(team=team)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=colleague, claimed_at=timezone.now())
        with pytest.raises(Exception, match="has taken this call"):
            log(task, officer, uuid.uuid4(), new_attempt=True)

    def test_a_note_sent_twice_is_added_once(self, task, officer):
        call = log(task, officer, uuid.uuid4())
        key = uuid.uuid4()
        for _ in range(2):
            call_add_note(
                call=call, text="Amended: spoke to her after all", by=officer, idempotency_key=key
            )
        assert list(call.later_notes.values_list("text", flat=True)) == [
            "Amended: spoke to her after all"
        ]


class TestNumbers:
    def test_a_dead_file_number_is_not_dialled_while_the_file_sends_it(self, task, officer):
        tenant = task.tenant
        PhoneNumber.objects.create(
            tenant=tenant, number="+442079460123", source="file", status="dead", by=officer
        )
        assert tenant.numbers_to_dial() == []
        assert [n.status for n in tenant.contact_numbers()] == ["dead"]
        tenant.phone = "+442079460999"  # the file sends a new number
        tenant.save()
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+442079460999"]

    def test_a_number_added_in_the_app_stands_until_the_file_sends_another(self, task, officer):
        tenant = task.tenant
        PhoneNumber.objects.create(
            tenant=tenant,
            number="+441134960000",
            source="app",
            file_numbers=tenant.file_numbers_key(),
            by=officer,
        )
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+441134960000", "+442079460123"]
        tenant.save()  # a re-import of the same file changes nothing
        assert str(tenant.numbers_to_dial()[0]) == "+441134960000"
        tenant.phone = "+442079460999"
        tenant.save()
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+442079460999"]

    def test_the_numbers_page_marks_and_adds(self, officer_client, task):
        url = f"/tenants/{task.tenant.pk}/numbers/"
        officer_client.post(
            url,
            {
                "action": "mark",
                "mark-number": "+442079460123",
                "mark-status": "wrong",
                "mark-reason": "A business answered",
            },
        )
        response = officer_client.post(
            url, {"action": "add", "add-number": "0113 496 0001", "add-reason": ""}
        )
        assert response.status_code == 400
        assert 'value="0113 496 0001"' in response.content.decode()
        officer_client.post(
            url, {"action": "add", "add-number": "0113 496 0001", "add-reason": "From her son"}
        )
        assert [str(n) for n in task.tenant.numbers_to_dial()] == ["+441134960001"]

    def test_a_number_marked_wrong_is_not_added_again_as_new(self, officer_client, task):
        url = f"/tenants/{task.tenant.pk}/numbers/"
        mark = {"action": "mark", "mark-number": "+442079460123", "mark-status": "wrong"}
        officer_client.post(url, {**mark, "mark-reason": "A business answered"})
        response = officer_client.post(
            url, {"action": "add", "add-number": "020 7946 0123", "add-reason": "She says so"}
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "020 7946 0123 was marked wrong number on" in page
        assert "(A business answered)" in page and "as Good, with the reason" in page
        assert 'value="020 7946 0123"' in page and "She says so" in page  # kept
        assert task.tenant.numbers_to_dial() == []
        officer_client.post(url, {**mark, "mark-status": "good", "mark-reason": "She says so"})
        assert [str(n) for n in task.tenant.numbers_to_dial()] == ["+442079460123"]

    def test_a_number_already_to_dial_is_not_added_twice(self, officer_client, task):
        response = officer_client.post(
            f"/tenants/{task.tenant.pk}/numbers/",
            {"action": "add", "add-number": "020 7946 0123", "add-reason": "Again"},
        )
        assert response.status_code == 400
        assert "020 7946 0123 is already a number to dial" in response.content.decode()

    def test_the_number_added_last_is_dialled_first(self, officer_client, task):
        url = f"/tenants/{task.tenant.pk}/numbers/"
        for number in ("0113 496 0001", "0113 496 0002"):
            with time_machine.travel(timezone.now() + timedelta(minutes=int(number[-1]))):
                response = officer_client.post(
                    url,
                    {"action": "add", "add-number": number, "add-reason": "From her son"},
                    follow=True,
                )
        assert "0113 496 0002 added: it is dialled first." in response.content.decode()
        assert [str(n) for n in task.tenant.numbers_to_dial()] == [
            "+441134960002",
            "+441134960001",
            "+442079460123",
        ]

    def test_a_file_number_once_added_in_the_app_does_not_go_before_a_newer_one(
        self, task, officer
    ):
        """Before re-adding a marked number was refused, the file's own number could become an
        app-added one: the number added after it still comes first, as the page says."""
        tenant = task.tenant
        key = tenant.file_numbers_key()
        earlier = timezone.now() - timedelta(days=1)
        for number, at in (("+442079460123", earlier), ("+441134960002", timezone.now())):
            PhoneNumber.objects.create(
                tenant=tenant, number=number, source="app", file_numbers=key, by=officer, at=at
            )
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+441134960002", "+442079460123"]

    def test_another_teams_officer_gets_404(self, client, task, other_officer):
        from conftest import sign_in

        sign_in(client, other_officer)
        assert client.get(f"/tenants/{task.tenant.pk}/numbers/").status_code == 404


class TestTakeNext:
    def test_a_late_call_back_goes_to_the_team_after_15_minutes(self, task, officer, team):
        at = timezone.now() + timedelta(hours=1)
        log(task, officer, uuid.uuid4(), outcome="call_back", call_back_at=at)
        colleague = OfficerFactory(team=team)
        assert actions.call_task_claim_next(user=colleague, now=at + timedelta(minutes=14)) is None
        claimed = actions.call_task_claim_next(user=colleague, now=at + timedelta(minutes=16))
        assert claimed.pk == task.pk

    def test_the_booking_officer_gets_the_call_back_at_its_time(self, task, officer):
        at = timezone.now() + timedelta(hours=1)
        log(task, officer, uuid.uuid4(), outcome="call_back", call_back_at=at)
        assert actions.call_task_claim_next(user=officer, now=at - timedelta(minutes=1)) is None
        assert actions.call_task_claim_next(user=officer, now=at).pk == task.pk

    def test_take_next_gives_back_the_call_held(self, task, officer, patch):
        other = CallTaskFactory(tenant=TenantFactory(patch=patch))
        with time_machine.travel(timezone.now(), tick=False):
            taken = call_take_next(user=officer)
        assert taken.pk == other.pk
        task.refresh_from_db()
        assert task.claimed_by is None

    def test_save_and_take_next_call_answers_with_the_next_call_page(
        self, officer_client, task, patch
    ):
        other = CallTaskFactory(tenant=TenantFactory(patch=patch, first_name="Peter"))
        response = officer_client.post(
            f"/queue/task/{task.pk}/log/",
            {"idempotency_key": str(uuid.uuid4()), "outcome": "no_answer", "then": "next"},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert f'data-page-url="/queue/task/{other.pk}/"' in page
        assert "recorded: No answer." in page


class TestRecord:
    def test_the_timeline_costs_the_same_queries_for_one_call_or_five(
        self, officer_client, task, officer
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = f"/tenants/{task.tenant.pk}/"

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert officer_client.get(url).status_code == 200
            return len(captured)

        log(task, officer, uuid.uuid4(), notes="First try")
        queries()  # the process's first read of the cohorts and campaigns (welfare.call_config)
        one = queries()
        for number in range(4):
            CallTask.objects.filter(pk=task.pk).update(
                claimed_by=officer, claimed_at=timezone.now()
            )
            task.refresh_from_db()
            log(task, officer, uuid.uuid4(), notes=f"Try {number + 2}")
        assert queries() == one
        page = officer_client.get(url).content.decode()
        assert "Notes: Try 5" in page and "Notes: First try" in page

    def test_a_request_links_to_the_call_that_raised_it(self, officer_client, task, officer):
        call = log(
            task,
            officer,
            uuid.uuid4(),
            outcome="spoke",
            wellbeing="okay",
            needs=["food"],
            notes="Fridge empty",
        )
        request = call.raised_requests[0]
        page = officer_client.get(f"/help/{request.pk}/").content.decode()
        assert f'href="/queue/call/{call.pk}/"' in page
        assert "Call notes: Fridge empty" in page
        assert 'href="tel:+442079460123"' in page
        assert "due in" in page
        assert "call task" not in page

    def test_a_request_shows_what_the_tenant_said_on_the_call(self, officer_client, task, officer):
        answers = ["", "", "Runs out of tablets, pharmacy will not deliver", "", "", ""]
        call = log(
            task, officer, uuid.uuid4(), outcome="spoke", wellbeing="okay",
            needs=["medication"], answers=answers,
        )  # fmt: skip
        page = officer_client.get(f"/help/{call.raised_requests[0].pk}/").content.decode()
        shown = page.split('id="call-answers"')[1].split("</ul>")[0]
        assert (
            "Are you able to get any medication if you need it? "
            "<strong>Runs out of tablets, pharmacy will not deliver</strong>"
        ) in shown
        assert shown.count("<li>") == 1  # the questions not answered are left out

    def test_a_call_page_is_404_for_another_team(self, client, task, officer, other_officer):
        from conftest import sign_in

        call = log(task, officer, uuid.uuid4())
        sign_in(client, other_officer)
        assert client.get(f"/queue/call/{call.pk}/").status_code == 404


class TestDoubleSubmit:
    """Raising a request, adding a family contact and adding a note: sent twice, saved once."""

    def twice(self, client, url, data):
        data = {**data, "form_key": str(uuid.uuid4())}
        first = client.post(url, data)
        second = client.post(url, data, follow=True)
        assert first.status_code == 302
        assert "That form was already sent: it was saved once." in second.content.decode()
        return first

    def test_raising_a_request(self, officer_client, task):
        from here_to_help.models import HelpRequest

        url = f"/help/raise/{task.tenant.pk}/"
        self.twice(officer_client, url, {"need": "food", "source": "phone_in", "notes": "x"})
        assert HelpRequest.objects.filter(tenant=task.tenant).count() == 1

    def test_adding_a_family_contact(self, officer_client, task):
        url = f"/tenants/{task.tenant.pk}/family/add/"
        data = {"name": "Ann Holt", "relationship": "Daughter", "reason": "Phoned in"}
        self.twice(officer_client, url, data)
        assert task.tenant.family_contacts.count() == 1

    def test_adding_a_note(self, officer_client, task, officer):
        from tests.factories import HelpRequestFactory

        request = HelpRequestFactory(tenant=task.tenant, raised_by=officer)
        self.twice(officer_client, f"/help/{request.pk}/note/", {"text": "Rang the food bank"})
        assert request.notes.filter(text="Rang the food bank").count() == 1

    def test_a_refused_form_can_be_sent_again_with_its_key(self, officer_client, task):
        url = f"/tenants/{task.tenant.pk}/family/add/"
        key = str(uuid.uuid4())
        refused = officer_client.post(url, {"name": "Ann Holt", "form_key": key})
        assert refused.status_code == 200 and "Ann Holt" in refused.content.decode()
        data = {"name": "Ann Holt", "relationship": "Daughter", "reason": "Phoned in"}
        assert officer_client.post(url, {**data, "form_key": key}).status_code == 302
        assert task.tenant.family_contacts.count() == 1


class TestWords:
    @time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Europe/London")), tick=False)
    def test_times_and_targets_in_words(self):
        from welfare.call_text import target_text, when_text

        london = ZoneInfo("Europe/London")
        assert when_text(datetime(2026, 6, 1, 14, 30, tzinfo=london)) == "today at 14:30"
        assert when_text(datetime(2026, 6, 2, 23, 59, tzinfo=london)) == "by the end of tomorrow"
        assert when_text(datetime(2026, 6, 4, 9, tzinfo=london)) == "on Thursday at 09:00"
        assert target_text(datetime(2026, 6, 1, 15, tzinfo=london)) == "due in 5 hours"
        assert target_text(datetime(2026, 5, 30, 9, tzinfo=london)) == "2 days past target"


class TestOtherRevealedForms:
    """The service status change and the request status forms reveal their follow-ups too, and
    refuse answers under a choice not chosen rather than drop them."""

    def test_a_date_under_later_while_now_is_chosen_is_refused(self, manager_client):
        from services.models import Service
        from tests.factories import load_seeded_services

        load_seeded_services()
        slug = Service.objects.first().slug
        response = manager_client.post(
            f"/services/{slug}/change/",
            {"status": "operating", "message": "Back to normal.", "when": "now", "time": "09:00"},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "You filled in questions under &quot;At a later date and time&quot;" in page
        assert 'value="09:00"' in page

    def test_an_outcome_under_resolved_while_closing_is_refused(
        self, officer_client, task, officer
    ):
        from tests.factories import HelpRequestFactory

        request = HelpRequestFactory(tenant=task.tenant, raised_by=officer)
        response = officer_client.post(
            f"/help/{request.pk}/status/",
            {"status": "closed", "reason": "Daughter shops now", "outcome": "Parcel delivered"},
        )
        page = response.content.decode()
        assert "You filled in questions under &quot;Resolved&quot;" in page
        request.refresh_from_db()
        assert request.is_open
