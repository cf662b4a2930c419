"""A wrong or dead number when the tenant has another number to dial: the officer tries it now,
on the same call; only with nothing left to try does the call become an escalation (DOMAIN.md,
"Retries and escalation")."""

import html
import re
import uuid

import pytest
from django.utils import timezone

from tests.factories import CallTaskFactory, OfficerFactory, TenantFactory, load_default_cohorts
from welfare import actions
from welfare.call_models import Call, Escalation
from welfare.models import CallTask

pytestmark = pytest.mark.django_db

LANDLINE, MOBILE = "+441134960961", "+447700900002"


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def tenant(patch):
    """A landline and a mobile, both good: the landline is dialled first (the file's order)."""
    return TenantFactory(
        first_name="Howard", last_name="Atkinson", patch=patch, phone=LANDLINE, mobile=MOBILE
    )


@pytest.fixture
def task(tenant, officer):
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def post_call(client, task, page=None, **data):
    """The call form as the page sends it (`page`: the hold it was shown under)."""
    held = re.search(r'name="held_since" value="([^"]*)"', page or "")
    payload = {
        "idempotency_key": str(uuid.uuid4()),
        "then": "next",
        "held_since": held.group(1) if held else "",
        **data,
    }
    return client.post(f"/queue/task/{task.pk}/log/", payload)


def text(page):
    return html.unescape(re.sub(r"\s+", " ", page))


def shown_number(page):
    found = re.search(r'<input type="hidden" name="number_dialled" value="([^"]*)"', page)
    return found and found.group(1)


class TestAnotherNumberLeft:
    def test_the_officer_stays_on_the_call_to_dial_the_other_number(
        self, officer_client, officer, task, tenant, team
    ):
        response = post_call(officer_client, task, outcome="wrong_number", number_dialled=LANDLINE)
        # "Save and take next call" pressed: the same call page, not the next call.
        assert response.status_code == 302
        assert response.url == f"/queue/task/{task.pk}/"
        task.refresh_from_db()
        assert task.is_open and task.claimed_by == officer and task.claim_active()
        assert task.attempts == 0  # a wrong number is not a failed attempt
        assert not Escalation.objects.exists()
        assert Call.objects.get().outcome == Call.Outcome.WRONG_NUMBER
        assert [str(n) for n in tenant.numbers_to_dial()] == [MOBILE]
        # Nobody else can take it meanwhile.
        assert actions.call_task_claim_next(user=OfficerFactory(team=team)) is None

        page = officer_client.get(response.url).content.decode()
        assert "0113 496 0961 is marked wrong. Try 07700 900002 now." in text(page)
        assert "An escalation is open" not in page
        # The number left comes first, the one marked wrong is struck through after it.
        assert page.index(f'href="tel:{MOBILE}"') < page.index("<del>0113 496 0961</del>")
        assert shown_number(page) == MOBILE  # the form's number dialled is the mobile now
        assert "You have this call until" in page
        # Correcting the numbers from here leads back to this call.
        correct = re.search(r'href="([^"]*)">Correct the phone number<', page).group(1)
        assert correct == f"/tenants/{tenant.pk}/numbers/?task={task.pk}"
        assert f'href="/queue/task/{task.pk}/"' in officer_client.get(correct).content.decode()

    def test_the_other_number_answering_finishes_the_call(self, officer_client, task):
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        response = post_call(
            officer_client, task, page, outcome="wrong_number", number_dialled=LANDLINE
        )
        page = officer_client.get(response.url).content.decode()
        response = post_call(officer_client, task, page, outcome="spoke", wellbeing="good")
        assert response.status_code in (200, 302)  # the next call, or the queue
        task.refresh_from_db()
        assert task.status == CallTask.Status.DONE
        assert list(task.calls.values_list("outcome", flat=True)) == ["spoke", "wrong_number"]

    def test_no_answer_on_the_other_number_is_the_first_failed_attempt(self, officer_client, task):
        post_call(officer_client, task, outcome="wrong_number", number_dialled=LANDLINE)
        post_call(officer_client, task, outcome="no_answer")
        task.refresh_from_db()
        assert task.is_open and task.attempts == 1 and task.claimed_by is None
        assert not Escalation.objects.exists()

    def test_the_last_number_wrong_too_escalates(self, officer_client, task, tenant):
        post_call(officer_client, task, outcome="wrong_number", number_dialled=LANDLINE)
        response = post_call(officer_client, task, outcome="wrong_number", number_dialled=MOBILE)
        assert response.url != f"/queue/task/{task.pk}/"
        task.refresh_from_db()
        assert task.closed_reason == CallTask.ClosedReason.ESCALATED and task.claimed_by is None
        assert Escalation.objects.get(tenant=tenant).reason == Escalation.Reason.WRONG_NUMBER
        assert tenant.numbers_to_dial() == []

    def test_a_replayed_form_lands_on_the_call_again(self, officer_client, task, tenant):
        key = str(uuid.uuid4())
        for _ in range(2):
            response = post_call(
                officer_client,
                task,
                outcome="wrong_number",
                number_dialled=LANDLINE,
                idempotency_key=key,
            )
            assert response.url == f"/queue/task/{task.pk}/"
        assert Call.objects.count() == 1 and not Escalation.objects.exists()


class TestNumberAddedDuringTheCall:
    """The numbers page, opened from the call page (`?task=`): a corrected number added before
    saving "Wrong or dead number" for the old one is dialled in the same call."""

    @pytest.fixture
    def tenant(self, patch):
        return TenantFactory(
            first_name="Duncan", last_name="Lyons", patch=patch, phone=LANDLINE, mobile=""
        )

    def test_the_new_number_is_dialled_in_the_same_call(
        self, officer_client, officer, task, tenant
    ):
        page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
        # "Correct a phone number" keeps what was typed on the call, then opens the numbers page.
        assert (
            f'formaction="/queue/task/{task.pk}/keep/" formnovalidate name="go" value="numbers"'
            in page
        )
        response = officer_client.post(f"/queue/task/{task.pk}/keep/", {"go": "numbers"})
        assert response.url == f"/tenants/{tenant.pk}/numbers/?task={task.pk}&kept=1"
        response = officer_client.post(
            f"/tenants/{tenant.pk}/numbers/?task={task.pk}",
            {"action": "add", "add-number": "07911 123456", "add-reason": "Told on the call"},
        )
        assert response.url == f"/queue/task/{task.pk}/"
        page = officer_client.get(response.url).content.decode()
        assert "Which number was wrong?" in page

        response = post_call(
            officer_client, task, page, outcome="wrong_number", number_dialled=LANDLINE
        )
        assert response.url == f"/queue/task/{task.pk}/"
        page = officer_client.get(response.url).content.decode()
        assert "0113 496 0961 is marked wrong. Try 07911 123456 now." in text(page)
        assert shown_number(page) == "+447911123456"
        task.refresh_from_db()
        assert task.is_open and task.claimed_by == officer
        assert not Escalation.objects.exists()

        post_call(officer_client, task, page, outcome="spoke", wellbeing="okay", then="queue")
        task.refresh_from_db()
        assert task.status == CallTask.Status.DONE
