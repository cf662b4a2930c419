"""What an officer typed or sent on a request's pages: never dropped, never saved twice."""

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.submit_once import ALREADY_SAVED
from here_to_help import actions
from here_to_help.models import HelpRequest, RequestNote
from tests.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db


def _form_of(page, name):
    """The id of the form a named control on the page is sent with (its `form` attribute, or
    the <form> it sits in)."""
    control = re.search(rf"<(?:textarea|input)[^>]*name=\"{name}\"[^>]*>", page).group(0)
    attribute = re.search(r'\sform="([^"]+)"', control)
    if attribute:
        return attribute.group(1)
    before = page[: page.index(control)]
    opening = before.rindex("<form")
    assert before.rfind("</form>") < opening, f"{name} is in no form"
    return re.search(r'id="([^"]+)"', before[opening : before.index(">", opening)]).group(1)


class TestANoteTypedWithAStatus:
    def test_save_status_sends_the_note_box_with_it(self, officer_client, food):
        page = officer_client.get(f"/help/{food.pk}/").content.decode()
        assert _form_of(page, "text") == _form_of(page, "status")
        # The box sits under "Save status", beside its own button: it says what each does.
        assert (
            '"Add note" below saves it on its own; "Save status" above saves it with the new '
            "status." in html.unescape(page)
        )

    def test_save_status_saves_the_note_too(self, officer_client, officer, food):
        response = officer_client.post(
            f"/help/{food.pk}/status/",
            {"status": "resolved", "outcome": "Parcel delivered", "text": "Rang the food bank"},
        )
        assert response.status_code == 302
        food.refresh_from_db()
        assert (food.status, food.outcome) == (HelpRequest.Status.RESOLVED, "Parcel delivered")
        texts = list(food.notes.values_list("text", flat=True))
        assert texts[-2:] == [
            "Rang the food bank",
            "Status changed from new to resolved.\nOutcome: Parcel delivered",
        ]
        assert food.notes.get(text="Rang the food bank").author == officer
        page = officer_client.get(response.url).content.decode()
        assert "Note added. The request is now resolved." in page

    def test_a_refused_status_keeps_the_note_and_saves_nothing(self, officer_client, food):
        before = food.notes.count()
        response = officer_client.post(
            f"/help/{food.pk}/status/", {"status": "resolved", "text": "Rang the food bank"}
        )
        assert response.status_code == 200
        assert response.context["status_form"].errors["outcome"] == ["Enter the outcome"]
        assert "Rang the food bank</textarea>" in response.content.decode()
        assert food.notes.count() == before

    def test_add_note_with_a_status_chosen_saves_both(self, officer_client, food):
        officer_client.post(
            f"/help/{food.pk}/note/",
            {"status": "resolved", "outcome": "Parcel delivered", "text": "Rang the food bank"},
        )
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.RESOLVED
        assert food.notes.filter(text="Rang the food bank").exists()

    def test_a_status_with_no_note_adds_none(self, officer_client, food):
        officer_client.post(f"/help/{food.pk}/status/", {"status": "in_progress", "text": " "})
        assert list(food.notes.values_list("text", flat=True)) == [
            "Status changed from new to in progress."
        ]


def _raise(client, tenant, **fields):
    # Each send with a new form key, as the page Back fetches again has (staff pages are never
    # cached); the browser refills what was typed.
    data = {"need": "befriending", "source": "referral", "notes": "", **fields}
    return client.post(f"/help/raise/{tenant.pk}/", {**data, "form_key": str(uuid.uuid4())})


class TestTheRaiseFormSentAgain:
    def test_back_and_raise_again_saves_once_and_says_so(self, officer_client, tenant):
        first = _raise(officer_client, tenant, notes="Lonely since her sister died")
        again = _raise(officer_client, tenant, notes="Lonely since her sister died")
        help_request = HelpRequest.objects.get()
        assert first.url == again.url == f"/help/{help_request.pk}/"
        page = officer_client.get(again.url).content.decode()
        assert ALREADY_SAVED in page

    def test_other_details_raise_another(self, officer_client, tenant):
        _raise(officer_client, tenant)
        _raise(officer_client, tenant, notes="Asked again for a weekly call")
        _raise(officer_client, tenant, source="phone_in")
        _raise(officer_client, tenant, need="food")
        assert HelpRequest.objects.count() == 4

    def test_the_same_need_again_later_or_once_finished_raises_another(
        self, officer_client, officer, tenant
    ):
        earlier = HelpRequestFactory(
            tenant=tenant,
            need="befriending",
            source="referral",
            raised_by=officer,
            raised_at=timezone.now() - actions.RESENT_WITHIN - timedelta(minutes=1),
        )
        RequestNote.objects.create(
            request=earlier,
            author=officer,
            text="Raised from a referral.",
            created_at=earlier.raised_at,
        )
        _raise(officer_client, tenant)
        assert HelpRequest.objects.count() == 2
        latest = HelpRequest.objects.latest("raised_at")
        actions.request_change_status(
            help_request=latest, status="closed", by=officer, outcome="Raised by mistake"
        )
        _raise(officer_client, tenant)
        assert HelpRequest.objects.count() == 3


class TestTheStatusItHas:
    def test_is_not_offered(self, officer_client, food):
        food.status = HelpRequest.Status.IN_PROGRESS
        food.save()
        page = officer_client.get(f"/help/{food.pk}/").content.decode()
        statuses = re.findall(r'name="status"[^>]*value="([^"]+)"', page)
        assert statuses == ["referred", "resolved", "closed"]

    def test_sent_anyway_is_refused_keeping_the_note(self, officer_client, food):
        food.status = HelpRequest.Status.IN_PROGRESS
        food.save()
        response = officer_client.post(
            f"/help/{food.pk}/status/", {"status": "in_progress", "text": "Rang her back"}
        )
        page = response.content.decode()
        assert "The request already has this status" in page
        assert "Rang her back" in page
