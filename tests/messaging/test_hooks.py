"""The messages the work sends through messaging's public API (issue 17): after a no answer,
the family wellbeing update (consented contacts only), Here to Help received and resolved, and
the call page's warning about numbers Notify could not deliver to."""

import uuid

import pytest
from django.utils import timezone

from here_to_help import actions as help_actions
from here_to_help.models import HelpRequest, Need
from messaging.models import FailingContact, Message, MessageKind
from tests.factories import (
    CallTaskFactory,
    FamilyContactFactory,
    OrganisationFactory,
    TenantFactory,
    load_default_cohorts,
)
from welfare.call_actions import call_log
from welfare.call_models import Call

pytestmark = pytest.mark.django_db
MOBILE = "+447700900001"


@pytest.fixture(autouse=True)
def cohorts(db):
    load_default_cohorts()


@pytest.fixture
def tenant(patch):
    return TenantFactory(first_name="Margaret", patch=patch, mobile=MOBILE)


@pytest.fixture
def task(tenant, officer):
    return CallTaskFactory(tenant=tenant, claimed_by=officer, claimed_at=timezone.now())


def log(task, officer, outcome, **fields):
    return call_log(
        task=task, officer=officer, outcome=outcome, idempotency_key=uuid.uuid4(), **fields
    )


class TestAfterACall:
    @pytest.mark.parametrize("outcome", [Call.Outcome.NO_ANSWER, Call.Outcome.VOICEMAIL])
    def test_a_failed_attempt_queues_we_tried_to_call_you(self, task, officer, outcome):
        call = log(task, officer, outcome)
        message = Message.objects.get()
        assert (message.kind, message.channel, message.recipient) == ("no_answer", "sms", MOBILE)
        assert message.personalisation["first_name"] == "Margaret"
        assert message.reference == f"call-{call.pk}"

    def test_spoke_sends_no_no_answer_message(self, task, officer):
        log(task, officer, Call.Outcome.SPOKE, wellbeing="good")
        assert not Message.objects.filter(kind="no_answer").exists()

    def test_switched_off_is_recorded_as_not_sent(self, task, officer):
        kind = MessageKind.objects.setting("no_answer")
        kind.enabled = False
        kind.save()
        log(task, officer, Call.Outcome.NO_ANSWER)
        message = Message.objects.get()
        assert message.status == "not-sent" and "switched off" in message.status_reason

    def test_family_update_goes_only_to_a_consenting_contact(self, task, officer, tenant):
        daughter = FamilyContactFactory(
            tenant=tenant,
            name="Jo",
            phone="+447700900003",
            consent_to_updates=True,
            consent_given_on=timezone.localdate(),
        )
        log(task, officer, Call.Outcome.SPOKE, wellbeing="okay", family_contact=daughter)
        message = Message.objects.get(kind="family_update")
        assert message.recipient == "+447700900003"
        assert message.personalisation["wellbeing"] == "okay"

    def test_no_family_update_without_one_given(self, task, officer, tenant):
        FamilyContactFactory(tenant=tenant, phone="+447700900003", consent_to_updates=False)
        log(task, officer, Call.Outcome.SPOKE, wellbeing="okay")
        assert not Message.objects.filter(kind="family_update").exists()


class TestHereToHelp:
    def test_received_and_resolved_with_the_signposted_organisation(self, tenant, officer):
        request = help_actions.request_raise(
            tenant=tenant, need=Need.FOOD, source=HelpRequest.Source.PHONE_IN, raised_by=officer
        )
        received = Message.objects.get(kind="request_received")
        assert received.personalisation["need"] == "food and shopping"
        pantry = OrganisationFactory(name="Ribble Pantry", covers_all_areas=True)
        help_actions.request_signpost(
            help_request=request, organisation=pantry, given_by=officer, notes="Gave the number"
        )
        help_actions.request_change_status(
            help_request=request, status="resolved", by=officer, outcome="Parcel delivered"
        )
        resolved = Message.objects.get(kind="request_resolved")
        assert resolved.personalisation["organisation"] == "Ribble Pantry, 0161 496 0123"

    def test_two_needs_on_one_call_send_one_received_message_naming_both(
        self, task, officer, tenant, django_capture_on_commit_callbacks
    ):
        """Tester: two requests raised on one call sent two identical "Request received"
        texts at the same moment. One message, naming both needs; the same form sent again
        raises and sends nothing more; a later request, in another save, is its own message."""
        key = uuid.uuid4()
        with django_capture_on_commit_callbacks(execute=True):
            for _attempt in range(2):
                call_log(
                    task=task,
                    officer=officer,
                    outcome=Call.Outcome.SPOKE,
                    wellbeing="okay",
                    needs=[Need.FOOD, Need.MEDICATION],
                    idempotency_key=key,
                )
        assert HelpRequest.objects.filter(tenant=tenant).count() == 2
        received = Message.objects.get(kind="request_received")
        assert received.recipient == MOBILE
        assert received.personalisation["need"] == "food and shopping; medication"
        assert received.personalisation["first_name"] == "Margaret"
        with django_capture_on_commit_callbacks(execute=True):
            help_actions.request_raise(
                tenant=tenant,
                need=Need.BENEFITS,
                source=HelpRequest.Source.PHONE_IN,
                raised_by=officer,
            )
        later = Message.objects.filter(kind="request_received").exclude(pk=received.pk).get()
        assert later.personalisation["need"] == "benefits advice"
        received.refresh_from_db()
        assert received.personalisation["need"] == "food and shopping; medication"

    def test_closing_as_not_needed_sends_nothing(self, tenant, officer):
        request = help_actions.request_raise(
            tenant=tenant, need=Need.FOOD, source=HelpRequest.Source.PHONE_IN, raised_by=officer
        )
        help_actions.request_change_status(
            help_request=request, status="closed", by=officer, outcome="Family helping"
        )
        assert not Message.objects.filter(kind="request_resolved").exists()


def test_call_page_warns_of_a_failing_number(officer_client, task, tenant):
    FailingContact.objects.create(
        tenant=tenant, channel="sms", address=MOBILE, failed_at=timezone.now()
    )
    page = officer_client.get(f"/queue/task/{task.pk}/").content.decode()
    assert 'id="failing-numbers"' in page and MOBILE in page
