"""What a logged call leaves behind, and the checks before it is saved: a wrong number marked on
the tenant's numbers, call-backs within reach, a decline confirmed (and undone at once), and
phone numbers typed with letters refused."""

import html
import re
import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import sign_in
from messaging.actions import contact_preference_save
from messaging.models import Kind, Message
from tenants.actions import phone_number_mark, tenant_update_flags
from tenants.models import PhoneNumber
from tests.factories import CallTaskFactory, TenantFactory, load_default_cohorts
from welfare import call_actions, call_config
from welfare.before_call import before_call_message_for
from welfare.call_models import Call, Escalation
from welfare.models import CallTask, Cohort
from welfare.queue import build_call_queue
from welfare.visit_forms import VisitOutcomeForm, VisitRaiseForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def tenant(patch):
    return TenantFactory(
        first_name="Duncan", last_name="Lyons", patch=patch, phone="+441134960961", mobile=""
    )


@pytest.fixture
def task(tenant, officer):
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def post_call(client, task, **data):
    payload = {"idempotency_key": str(uuid.uuid4()), "then": "queue", **data}
    return client.post(f"/queue/task/{task.pk}/log/", payload)


LANDLINE = "+441134960961"  # the tenant fixture's one number


def shown_number(page):
    """The number dialled as the call page posts it with one number to dial (a hidden field)."""
    found = re.search(r'<input type="hidden" name="number_dialled" value="([^"]*)"', page)
    return found and found.group(1)


def send_wrong_number_twice(client, task, number):
    """The same wrong-number form sent twice (a double click, or Back and send again)."""
    key = str(uuid.uuid4())
    for _ in range(2):
        response = post_call(
            client, task, outcome="wrong_number", number_dialled=number, idempotency_key=key
        )
        assert response.status_code == 302


def add_number(tenant, number, by):
    """A number an officer added in the app, beside the file's."""
    return PhoneNumber.objects.create(
        tenant=tenant, number=number, source="app", file_numbers=tenant.file_numbers_key(), by=by
    )


class TestWrongNumber:
    def test_the_number_dialled_is_marked_wrong_with_the_call(self, officer_client, task, tenant):
        response = post_call(officer_client, task, outcome="wrong_number", number_dialled=LANDLINE)
        assert response.status_code == 302
        row = PhoneNumber.objects.get(tenant=tenant)
        assert (str(row.number), row.status, row.source) == ("+441134960961", "wrong", "file")
        assert row.history.get().history_user == task.claimed_by
        assert tenant.numbers_to_dial() == []
        assert Escalation.objects.get(tenant=tenant).reason == Escalation.Reason.WRONG_NUMBER
        record = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert 'href="tel:+441134960961"' not in record
        assert "<del>0113 496 0961</del>" in record

    def test_the_banner_says_so_and_links_to_correct_the_number(self, officer_client, task, tenant):
        response = post_call(officer_client, task, outcome="wrong_number", number_dialled=LANDLINE)
        page = officer_client.get(response.url).content.decode()
        assert "0113 496 0961 is marked as a wrong number" in page
        assert "a manager will try to reach Duncan Lyons another way" in page
        assert f'href="/tenants/{tenant.pk}/numbers/">Correct the phone number</a>' in page

    @pytest.fixture
    def second_number(self, tenant, officer):
        """A mobile added in the app: the call page offers it first, the file's landline second."""
        return PhoneNumber.objects.create(
            tenant=tenant,
            number="+447700900123",
            source="app",
            file_numbers=tenant.file_numbers_key(),
            by=officer,
        )

    def test_with_two_numbers_the_form_asks_which_was_wrong(
        self, officer_client, task, second_number
    ):
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        assert "Which number was wrong?" in page
        assert re.search(
            r'value="\+447700900123"[^>]*>\s*<label[^>]*>\s*07700 900123 \(mobile\)', page
        )
        assert re.search(
            r'value="\+441134960961"[^>]*>\s*<label[^>]*>\s*0113 496 0961 \(landline\)', page
        )

    def test_only_the_number_chosen_is_marked(self, officer_client, task, tenant, second_number):
        response = post_call(
            officer_client, task, outcome="wrong_number", number_dialled="+441134960961"
        )
        assert response.status_code == 302
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+447700900123"]
        second_number.refresh_from_db()
        assert second_number.status == "good"
        marked = PhoneNumber.objects.get(number="+441134960961")
        assert (marked.status, marked.source) == ("wrong", "file")
        page = officer_client.get(response.url).content.decode()
        # The mobile is left to dial: the officer tries it now, on the same call.
        assert "0113 496 0961 is marked wrong. Try 07700 900123 now." in page
        assert "07700 900123 is marked" not in page

    def test_with_two_numbers_none_chosen_is_an_error_keeping_what_was_typed(
        self, officer_client, task, tenant, second_number
    ):
        response = post_call(
            officer_client, task, outcome="wrong_number", notes="A fax tone on the second"
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "govuk-error-summary" in page and "Select which number was wrong" in page
        assert "A fax tone on the second" in page
        assert re.search(r'value="wrong_number"\s+checked', page)
        assert not Call.objects.exists() and not Escalation.objects.exists()
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+447700900123", "+441134960961"]
        task.refresh_from_db()
        assert task.is_open

    def test_a_number_not_the_tenants_is_an_error(
        self, officer_client, task, tenant, second_number
    ):
        response = post_call(
            officer_client, task, outcome="wrong_number", number_dialled="+441134960999"
        )
        assert response.status_code == 400
        assert "Select which number was wrong" in response.content.decode()
        assert not Call.objects.exists()
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+447700900123", "+441134960961"]

    def test_with_one_number_the_page_posts_the_number_it_shows_and_that_is_marked(
        self, officer_client, task, tenant
    ):
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        assert "Which number was wrong?" not in page
        assert shown_number(page) == LANDLINE
        response = post_call(
            officer_client, task, outcome="wrong_number", number_dialled=shown_number(page)
        )
        assert response.status_code == 302
        assert PhoneNumber.objects.get(tenant=tenant).status == "wrong"
        assert tenant.numbers_to_dial() == []

    def test_the_blank_form_kept_carries_each_tenants_own_number(
        self, officer_client, task, patch, officer
    ):
        """The blank form is rendered once per process and kept (welfare.call_config): the
        number in its hidden field is each page's own, never the first tenant's."""
        other = TenantFactory(patch=patch, phone="+441134960000", mobile="")
        other_task = CallTaskFactory(tenant=other, claimed_by=officer, claimed_at=timezone.now())
        settled = timezone.now() + timedelta(seconds=call_config.GRACE_SECONDS + 1)
        with time_machine.travel(settled):
            first = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
            second = officer_client.get(f"/queue/task/{other_task.pk}/").content.decode()
        assert (shown_number(first), shown_number(second)) == (LANDLINE, "+441134960000")

    def test_a_number_posted_that_is_not_the_tenants_is_refused(self, officer_client, task, tenant):
        response = post_call(
            officer_client, task, outcome="wrong_number", number_dialled="+447700900999"
        )
        assert response.status_code == 400
        assert not Call.objects.exists() and not PhoneNumber.objects.exists()

    def test_the_numbers_changed_between_page_and_save_is_refused_marking_nothing(
        self, officer_client, task, tenant, officer, other_officer
    ):
        """The page showed the landline; a colleague marked it wrong and added a mobile while
        the officer was on the call. Saving "Wrong or dead number" must not mark the mobile,
        which nobody dialled: the call is refused, the page shows the numbers as they are now."""
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        assert shown_number(page) == LANDLINE
        phone_number_mark(
            tenant=tenant, number=LANDLINE, status="wrong", reason="Fax tone", by=other_officer
        )
        add_number(tenant, "+447700900123", by=other_officer)
        response = post_call(
            officer_client,
            task,
            outcome="wrong_number",
            number_dialled=LANDLINE,
            notes="Number unobtainable",
        )
        assert response.status_code == 409
        again = response.content.decode()
        assert "numbers changed while the call page was open" in again
        assert "Number unobtainable" in again  # what was typed is kept
        assert shown_number(again) == "+447700900123"  # the number to dial now, to save again
        assert not Call.objects.exists() and not Escalation.objects.exists()
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+447700900123"]
        assert PhoneNumber.history.filter(number="+447700900123").count() == 1  # added only
        task.refresh_from_db()
        assert task.is_open

    def test_a_number_added_to_a_page_that_showed_none_is_refused(
        self, officer_client, task, tenant
    ):
        """The page showed no number to dial (so posted none); one was added meanwhile."""
        response = post_call(officer_client, task, outcome="wrong_number")
        assert response.status_code == 400
        assert "numbers changed since this page was opened" in response.content.decode()
        assert not Call.objects.exists() and not PhoneNumber.objects.exists()

    def test_the_question_is_never_kept_for_another_tenants_form(
        self, officer_client, task, second_number, patch, officer
    ):
        """The blank call form is rendered once per process and kept (welfare.call_config): a
        form listing one tenant's numbers must not be the one kept."""
        other = TenantFactory(patch=patch, phone="+441134960000", mobile="")
        other_task = CallTaskFactory(tenant=other, claimed_by=officer, claimed_at=timezone.now())
        settled = timezone.now() + timedelta(seconds=call_config.GRACE_SECONDS + 1)
        with time_machine.travel(settled):
            officer_client.get(f"/queue/task/{task.pk}/")
            page = officer_client.get(f"/queue/task/{other_task.pk}/").content.decode()
        assert "Which number was wrong?" not in page and "+447700900123" not in page

    def test_a_number_marked_meanwhile_is_refused_not_marked_again(
        self, task, tenant, second_number, officer
    ):
        """`call_log` checks the number against the numbers to dial under the tenant's lock:
        one another officer marked dead since the form was checked is not overwritten."""
        second_number.status = "dead"
        second_number.save()
        with pytest.raises(call_actions.CallRefused, match="07700 900123 is no longer one to dial"):
            call_actions.call_log(
                task=task,
                officer=officer,
                outcome="wrong_number",
                idempotency_key=uuid.uuid4(),
                number_dialled="+447700900123",
            )
        second_number.refresh_from_db()
        assert second_number.status == "dead" and not Call.objects.exists()

    def test_a_replay_after_the_first_marked_one_of_three_marks_nothing_more(
        self, officer_client, task, tenant, second_number, officer
    ):
        add_number(tenant, "+447700900456", by=officer)
        send_wrong_number_twice(officer_client, task, "+447700900123")
        assert Call.objects.count() == 1
        assert PhoneNumber.history.filter(number="+447700900123").count() == 2  # added, marked
        assert [str(n) for n in tenant.numbers_to_dial()] == ["+447700900456", "+441134960961"]

    def test_a_replayed_form_marks_nothing_twice(self, officer_client, task, tenant):
        send_wrong_number_twice(officer_client, task, LANDLINE)
        assert Call.objects.count() == 1
        assert PhoneNumber.history.filter(tenant=tenant).count() == 1

    def test_a_tenant_with_no_number_to_dial_still_escalates(self, officer_client, task, tenant):
        tenant.phone = ""
        tenant.save()
        response = post_call(officer_client, task, outcome="wrong_number")
        assert response.status_code == 302
        assert not PhoneNumber.objects.exists()
        assert Escalation.objects.filter(tenant=tenant).exists()

    def test_the_call_page_says_what_to_do_with_no_number_to_dial(
        self, officer_client, task, tenant
    ):
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        assert 'id="nothing-to-dial"' not in page  # a good number to dial

        phone_number_mark(
            tenant=tenant, number=LANDLINE, status="wrong", reason="Not hers", by=task.claimed_by
        )
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()

        warning = page.split('id="nothing-to-dial"')[1].split("</div>")[0]
        assert 'Choose "Wrong or dead number" and save' in html.unescape(warning)
        assert "reach Duncan Lyons another way" in warning


class TestCallBack:
    def call_back(self, client, task, day):
        return post_call(
            client,
            task,
            outcome="call_back",
            call_back_date_0=day.day,
            call_back_date_1=day.month,
            call_back_date_2=day.year,
            call_back_time="14:30",
            notes="Ring after lunch",
        )

    def test_a_call_back_a_year_ahead_is_refused_keeping_what_was_typed(self, officer_client, task):
        with time_machine.travel(timezone.now(), tick=False):  # one day throughout, even at 23:59
            typo = timezone.localdate() + timedelta(days=366)
            response = self.call_back(officer_client, task, typo)
        assert response.status_code == 400
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert "The date to call back must be within 28 days" in page
        assert f'value="{typo.year}"' in page and 'value="14:30"' in page
        assert "Ring after lunch" in page
        assert not Call.objects.exists()
        task.refresh_from_db()
        assert task.available_from is None

    def test_a_call_back_up_to_28_days_ahead_is_booked(self, officer_client, task):
        with time_machine.travel(timezone.now(), tick=False):
            today = timezone.localdate()
            assert (
                self.call_back(officer_client, task, today + timedelta(days=29)).status_code == 400
            )
            assert (
                self.call_back(officer_client, task, today + timedelta(days=28)).status_code == 302
            )
        task.refresh_from_db()
        assert timezone.localtime(task.available_from).date() == today + timedelta(days=28)


class TestCallDateHints:
    """The date hints' examples are a week after today (a call back must be in the next 28
    days: a fixed "27 3 2026" had gone by), also in the blank form kept for a day."""

    @staticmethod
    def examples(client, task):
        page = client.get(f"/queue/task/{task.pk}/").content.decode()
        return re.findall(r"For example, (\d+ \d+ \d{4})", page)

    def test_the_examples_follow_the_day(self, officer_client, task):
        settled = timezone.now() + timedelta(seconds=call_config.GRACE_SECONDS + 1)
        with time_machine.travel(settled, tick=False):
            week_on = timezone.localdate() + timedelta(days=7)
            assert self.examples(officer_client, task) == [f"{week_on:%-d %-m %Y}"] * 2
        with time_machine.travel(settled + timedelta(days=1), tick=False):
            CallTask.objects.filter(pk=task.pk).update(claimed_at=timezone.now())  # held still
            sign_in(officer_client, task.claimed_by)  # the session of yesterday has lapsed
            week_on += timedelta(days=1)
            assert self.examples(officer_client, task) == [f"{week_on:%-d %-m %Y}"] * 2


class TestDeclined:
    def test_declining_needs_the_officer_to_confirm(self, officer_client, task, tenant):
        response = post_call(officer_client, task, outcome="declined", notes="Said not now")
        assert response.status_code == 400
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert "Confirm that the tenant asked us to stop welfare calls" in page
        assert "Said not now" in page and re.search(r'value="declined"\s+checked', page)
        tenant.refresh_from_db()
        task.refresh_from_db()
        assert tenant.declined_calls_on is None and task.is_open
        assert not Call.objects.exists()

    def test_a_confirmed_decline_stops_calls(self, officer_client, task, tenant):
        response = post_call(officer_client, task, outcome="declined", decline_confirmed="on")
        assert response.status_code == 302
        tenant.refresh_from_db()
        assert tenant.declined_calls_on == timezone.localdate()

    def clear_decline(self, client, tenant):
        return client.post(
            f"/tenants/{tenant.pk}/flags/",
            {"reason": "Asked to be called again", "lives_alone": "yes"},
        )

    def test_clearing_the_decline_puts_the_tenant_back_in_the_queue_at_once(
        self, officer_client, tenant, team
    ):
        tenant.declined_calls_on = timezone.localdate()
        tenant.lives_alone = True
        tenant.save()
        assert not CallTask.objects.filter(tenant=tenant).exists()
        assert self.clear_decline(officer_client, tenant).status_code == 302
        task = CallTask.objects.open().get(tenant=tenant)
        assert (task.team_id, task.opened_on, task.lives_alone) == (
            team.pk,
            timezone.localdate(),
            True,
        )
        build_call_queue()  # the next build finds it there: still one open task
        assert CallTask.objects.open().filter(tenant=tenant).count() == 1

    def test_clearing_the_decline_sends_the_builds_message_once(self, officer_client, tenant):
        """The call opened at once gets "We'll call you today", as one the build opens would
        (the build's message goes only to the calls it opened itself, so it never would)."""
        Cohort.objects.update(before_call_message=True)
        tenant.declined_calls_on = timezone.localdate()
        tenant.mobile = "+447911123456"
        tenant.save()
        assert self.clear_decline(officer_client, tenant).status_code == 302
        task = CallTask.objects.open().get(tenant=tenant)
        message = before_call_message_for(task)
        assert (message.kind, message.recipient) == (Kind.BEFORE_CALL, "+447911123456")
        build_call_queue()
        assert Message.objects.filter(tenant=tenant, kind=Kind.BEFORE_CALL).count() == 1

    def test_a_tenant_who_opted_out_gets_no_message(self, officer_client, tenant):
        Cohort.objects.update(before_call_message=True)
        tenant.declined_calls_on = timezone.localdate()
        tenant.mobile = "+447911123456"
        tenant.save()
        contact_preference_save(
            tenant=tenant, no_sms=True, no_email=True, preferred_channel="", source="tenant_phone"
        )
        self.clear_decline(officer_client, tenant)
        assert CallTask.objects.open().filter(tenant=tenant).exists()
        assert not Message.objects.filter(tenant=tenant, kind=Kind.BEFORE_CALL).exists()

    def test_changing_another_flag_opens_no_call(self, tenant, officer):
        """Communication needs cannot make a tenant callable: a due tenant without a call
        (added today, say) waits for the morning's build, with its message."""
        Cohort.objects.update(before_call_message=True)
        tenant_update_flags(
            tenant=tenant, user=officer, reason="Told us", communication_needs="Hard of hearing"
        )
        assert not CallTask.objects.filter(tenant=tenant).exists()
        assert not Message.objects.filter(tenant=tenant).exists()

    def test_clearing_the_decline_of_a_tenant_not_due_opens_no_call(self, officer_client, tenant):
        tenant.declined_calls_on = timezone.localdate()
        tenant.last_contact_at = timezone.now()
        tenant.save()
        self.clear_decline(officer_client, tenant)
        assert not CallTask.objects.filter(tenant=tenant).exists()

    def test_a_struggling_tenant_comes_back_ranked_as_struggling(self, officer_client, tenant):
        CallTaskFactory(
            tenant=tenant, status="done", last_wellbeing="struggling", closed_at=timezone.now()
        )
        tenant.declined_calls_on = timezone.localdate()
        tenant.save()
        self.clear_decline(officer_client, tenant)
        task = CallTask.objects.open().get(tenant=tenant)
        assert task.last_wellbeing == "struggling" and task.risk_score >= 4


class TestVisitDateHint:
    """The "Visit by" example is a date a week ahead, not a fixed date gone by."""

    @pytest.fixture
    def escalation(self, tenant, team):
        return Escalation.objects.create(
            tenant=tenant, team=team, reason=Escalation.Reason.WRONG_NUMBER
        )

    def test_the_page_shows_a_date_a_week_after_today(self, manager_client, escalation):
        with time_machine.travel(timezone.now(), tick=False):  # one day throughout
            week_on = timezone.localdate() + timedelta(days=7)
            page = manager_client.get(f"/queue/escalations/{escalation.pk}/visit/")
        assert page.status_code == 200
        example = f"For example, {week_on.day} {week_on.month} {week_on.year}"
        assert example in page.content.decode()

    @pytest.mark.parametrize(
        "today, example",
        [
            (date(2026, 11, 30), "For example, 7 12 2026"),
            (date(2026, 12, 28), "For example, 4 1 2027"),
        ],
    )
    def test_the_example_follows_the_day_the_view_gives(self, today, example):
        form = VisitRaiseForm(today=today)
        assert form.fields["target_on"].help_text == example
        assert VisitRaiseForm.base_fields["target_on"].help_text != example  # not kept


class TestNumbersTypedWithLetters:
    """libphonenumber turns letters into digits (0800 FISH 123 is 0800 347 4123): a number
    typed with letters is refused, never saved as digits the officer did not type."""

    MESSAGE = "Enter the phone number in digits, like 01772 123456, not letters"

    def test_the_numbers_page_refuses_letters_keeping_them(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/numbers/",
            {"action": "add", "add-number": "0800 FISH 123", "add-reason": "From her son"},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert self.MESSAGE in page and "govuk-error-summary" in page
        assert 'value="0800 FISH 123"' in page and "From her son" in page
        assert not PhoneNumber.objects.exists()

    def test_a_family_contact_number_with_letters_is_refused(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/family/add/",
            {
                "name": "Ann Lyons",
                "relationship": "Daughter",
                "phone": "07700 9OO123",  # capital O for zero
                "reason": "Phoned in",
            },
        )
        page = response.content.decode()
        assert self.MESSAGE in page and 'value="07700 9OO123"' in page
        assert not tenant.family_contacts.exists()

    def test_the_number_a_visit_brings_back_is_refused_with_letters(self):
        form = VisitOutcomeForm(data={"outcome": "card_left", "number_given": "0800 FISH 123"})
        assert not form.is_valid()
        assert form.errors["number_given"] == [self.MESSAGE]

    def test_the_visit_forms_example_number_is_one_it_accepts(self):
        form = VisitOutcomeForm(data={"outcome": "card_left", "number_given": "0800 123"})
        assert not form.is_valid()
        (error,) = form.errors["number_given"]
        example = error.rsplit("like ", 1)[1]
        assert VisitOutcomeForm(data={"outcome": "card_left", "number_given": example}).is_valid()

    def test_numbers_in_digits_are_still_taken_in_any_common_form(self, officer_client, tenant):
        officer_client.post(
            f"/tenants/{tenant.pk}/numbers/",
            {"action": "add", "add-number": "+44 113 496 0123", "add-reason": "From her son"},
        )
        assert str(PhoneNumber.objects.get().number) == "+441134960123"
