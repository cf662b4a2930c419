"""Workflow.

Part of the help tests, split from test_help.py along its sections."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from here_to_help import actions
from here_to_help.models import (
    HelpRequest,
    Need,
    Signpost,
)
from tenants.models import AccessLog
from tests.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db


class TestWorkflow:
    def test_raise_from_the_tenant_record(self, officer_client, officer, tenant):
        record = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert f'href="/help/raise/{tenant.pk}/"' in record
        response = officer_client.post(
            f"/help/raise/{tenant.pk}/",
            {"need": Need.FOOD, "source": HelpRequest.Source.SOCIAL_MEDIA, "notes": "No food"},
        )
        help_request = HelpRequest.objects.get()
        assert response.status_code == 302
        assert response.url == f"/help/{help_request.pk}/"
        assert (help_request.tenant, help_request.raised_by, help_request.source) == (
            tenant,
            officer,
            HelpRequest.Source.SOCIAL_MEDIA,
        )
        record = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert f'href="/help/{help_request.pk}/"' in record

    def test_raise_form_needs_a_need_and_how_it_came_in(self, officer_client, tenant):
        response = officer_client.post(f"/help/raise/{tenant.pk}/", {"notes": "Kept"})
        errors = response.context["form"].errors
        assert errors["need"] == ["Select what the tenant needs help with"]
        assert errors["source"] == ["Select how the request came in"]
        assert not HelpRequest.objects.exists()

    def test_a_request_raised_by_hand_can_say_it_came_from_a_welfare_call(
        self, officer_client, tenant
    ):
        """A need that came up on a call but was not ticked when the call was logged."""
        page = officer_client.get(f"/help/raise/{tenant.pk}/").content.decode()
        assert "How did the request come in?" in page
        assert 'value="welfare_call"' in page
        response = officer_client.post(
            f"/help/raise/{tenant.pk}/",
            {"need": Need.BEFRIENDING, "source": HelpRequest.Source.WELFARE_CALL},
        )
        help_request = HelpRequest.objects.get()
        assert response.url == f"/help/{help_request.pk}/"
        assert (help_request.source, help_request.source_task) == (
            HelpRequest.Source.WELFARE_CALL,
            None,
        )
        page = officer_client.get(response.url).content.decode()
        came_from = page.split('id="request-source">', 1)[1].split("</dd>", 1)[0]
        assert came_from.strip() == "Welfare call"

    def test_taking_ownership_moves_new_to_in_progress(self, officer_client, officer, food):
        response = officer_client.post(f"/help/{food.pk}/take/")
        assert response.status_code == 302
        food.refresh_from_db()
        assert (food.owner, food.status) == (officer, HelpRequest.Status.IN_PROGRESS)
        assert food.notes.last().text == "Took ownership."

    def test_give_back_to_the_team(self, officer_client, officer, food):
        officer_client.post(f"/help/{food.pk}/take/")
        officer_client.post(f"/help/{food.pk}/release/")
        food.refresh_from_db()
        assert food.owner is None

    def test_notes_keep_who_and_when(self, officer_client, officer, food):
        officer_client.post(f"/help/{food.pk}/note/", {"text": "Left a voicemail"})
        note = food.notes.last()
        assert (note.author, note.text) == (officer, "Left a voicemail")
        response = officer_client.post(f"/help/{food.pk}/note/", {"text": "  "})
        assert response.status_code == 200
        assert response.context["note_form"].errors["text"] == ["Enter a note"]

    def test_resolving_needs_an_outcome(self, officer_client, food):
        response = officer_client.post(f"/help/{food.pk}/status/", {"status": "resolved"})
        assert response.context["status_form"].errors["outcome"] == ["Enter the outcome"]
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.NEW
        officer_client.post(
            f"/help/{food.pk}/status/", {"status": "resolved", "outcome": "Parcel delivered"}
        )
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.RESOLVED
        assert food.outcome == "Parcel delivered"
        assert food.resolved_at is not None

    def test_closing_as_no_longer_needed_needs_a_reason(self, officer_client, food):
        response = officer_client.post(f"/help/{food.pk}/status/", {"status": "closed"})
        assert response.context["status_form"].errors["reason"] == [
            "Enter why the request is no longer needed"
        ]
        officer_client.post(
            f"/help/{food.pk}/status/", {"status": "closed", "reason": "Daughter now shops"}
        )
        food.refresh_from_db()
        assert (food.status, food.outcome) == (HelpRequest.Status.CLOSED, "Daughter now shops")

    def test_a_finished_request_cannot_change(self, officer_client, officer, food, food_bank):
        actions.request_change_status(
            help_request=food, status="resolved", by=officer, outcome="Done"
        )
        with pytest.raises(ValidationError):
            actions.request_change_status(help_request=food, status="in_progress", by=officer)
        with pytest.raises(ValidationError):
            actions.request_signpost(
                help_request=food, organisation=food_bank, given_by=officer, notes="x"
            )
        response = officer_client.post(f"/help/{food.pk}/take/")
        food.refresh_from_db()
        assert food.owner is None
        assert officer_client.get(response.url).status_code == 200

    def test_signposting_records_what_was_given_and_refers(
        self, officer_client, officer, food, food_bank
    ):
        response = officer_client.post(
            f"/help/{food.pk}/signpost/",
            {"organisation": food_bank.pk, "notes": "Gave the number and opening times"},
        )
        assert response.status_code == 302
        signpost = Signpost.objects.get()
        assert (signpost.request, signpost.organisation, signpost.given_by, signpost.notes) == (
            food,
            food_bank,
            officer,
            "Gave the number and opening times",
        )
        food.refresh_from_db()
        assert food.status == HelpRequest.Status.REFERRED
        page = officer_client.get(f"/help/{food.pk}/").content.decode()
        assert "Preston Food Bank" in page

    def test_tenant_record_lists_open_requests_first(self, officer_client, tenant):
        now = timezone.now()
        done = HelpRequestFactory(
            tenant=tenant,
            need=Need.BENEFITS,
            status=HelpRequest.Status.RESOLVED,
            resolved_at=now,
            outcome="Claim made",
        )
        late = HelpRequestFactory(tenant=tenant, need=Need.FOOD, due_at=now - timedelta(hours=1))
        soon = HelpRequestFactory(tenant=tenant, need=Need.MEDICATION)
        response = officer_client.get(f"/tenants/{tenant.pk}/")
        assert response.context["help_requests"] == [late, soon, done]
        assert response.context["help_open_count"] == 2
        assert response.content.decode().count("Past target") == 1

    def test_viewing_a_request_is_in_the_access_log(self, officer_client, officer, food):
        officer_client.get(f"/help/{food.pk}/")
        entry = AccessLog.objects.get()
        assert (entry.user, entry.tenant_id, entry.page) == (
            officer,
            food.tenant_id,
            f"/help/{food.pk}/",
        )
