"""Flags: raising, reviewing, support.

Part of the arrears tests, split from test_arrears.py along its sections."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from arrears.actions import flag_raise
from arrears.models import ArrearsFlag, ReviewChange, SupportOffer
from here_to_help import actions as help_actions
from tests.arrears.helpers import (
    date_fields,
    text_of,
)
from tests.factories import (
    HelpRequestFactory,
    SupportOfferFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db


class TestRaising:
    def test_income_officer_raises_a_flag_from_the_record(self, income_client, tenant):
        review = timezone.localdate() + timedelta(days=28)
        response = income_client.post(
            f"/arrears/raise/?tenant={tenant.pk}",
            {
                **date_fields("reported_on", timezone.localdate()),
                "reason": "furlough",
                "details": "Furloughed from the bakery",
                **date_fields("review_date", review),
            },
        )

        flag = ArrearsFlag.objects.get()
        assert response.status_code == 302
        assert response.url == f"/arrears/{flag.pk}/"
        assert (flag.tenant, flag.reason, flag.review_date, flag.status) == (
            tenant,
            "furlough",
            review,
            "open",
        )
        change = ReviewChange.objects.get()
        assert (change.old_date, change.new_date) == (None, review)
        assert flag.history.get().history_user.username == "ian"

    def test_raised_from_a_help_request_the_flag_keeps_it(self, income_client, tenant):
        help_request = HelpRequestFactory(tenant=tenant, need="financial_difficulty")
        url = f"/arrears/raise/?tenant={tenant.pk}&request={help_request.pk}"

        page = text_of(income_client.get(url))
        assert f'From <a class="govuk-link" href="/help/{help_request.pk}/">Here to Help' in page
        income_client.post(
            url,
            {
                **date_fields("reported_on", timezone.localdate()),
                "reason": "redundancy",
                **date_fields("review_date", timezone.localdate() + timedelta(days=28)),
            },
        )

        assert ArrearsFlag.objects.get().help_request == help_request

    def test_raised_from_a_help_request_the_form_shows_its_notes(
        self, income_client, tenant, officer
    ):
        help_request = help_actions.request_raise(
            tenant=tenant,
            need="financial_difficulty",
            source="welfare_call",
            raised_by=officer,
            notes="Hours cut at the care home, from 30 to 12 a week.\nRent is due Monday.",
        )
        url = f"/arrears/raise/?tenant={tenant.pk}&request={help_request.pk}"
        page = text_of(income_client.get(url))
        notes = page.split('id="request-notes"')[1].split("</div>")[0]
        assert "Hours cut at the care home, from 30 to 12 a week.<br>Rent is due Monday." in notes
        assert str(officer) in notes
        # Shown, not posted: the details box is the officer's own, and a refused post keeps the
        # notes beside the form.
        assert 'name="details"' not in notes
        refused = text_of(income_client.post(url, {"reason": "reduced_hours"}))
        assert "Hours cut at the care home" in refused.split('id="request-notes"')[1]

    def test_a_help_request_about_another_tenant_is_not_found(self, income_client, tenant):
        other = HelpRequestFactory(
            tenant=TenantFactory(patch=tenant.patch), need="financial_difficulty"
        )

        for request in (other.pk, "x", 0):
            url = f"/arrears/raise/?tenant={tenant.pk}&request={request}"
            assert income_client.get(url).status_code == 404, url

    def test_a_tenant_with_an_open_flag_is_sent_to_it(self, income_client, flag):
        response = income_client.get(f"/arrears/raise/?tenant={flag.tenant_id}")

        assert response.status_code == 302
        assert response.url == f"/arrears/{flag.pk}/"

    def test_a_second_open_flag_is_refused_by_the_action_too(self, flag, income_officer):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="already has an open arrears flag"):
            flag_raise(
                tenant=flag.tenant,
                user=income_officer,
                reason="illness",
                reported_on=timezone.localdate(),
                review_date=timezone.localdate() + timedelta(days=28),
            )

    def test_a_flag_is_not_raised_without_a_review_date(self, income_client, tenant):
        typed = timezone.localdate() - timedelta(days=2)
        response = income_client.post(
            f"/arrears/raise/?tenant={tenant.pk}",
            {
                **date_fields("reported_on", typed),
                "reason": "furlough",
                "details": "Furloughed from the bakery",
            },
        )

        assert response.status_code == 200
        page = text_of(response)
        assert "Enter the review date: usual arrears escalation is held until then" in page
        assert 'href="#id_review_date_0"' in page  # the error summary links to the box
        assert "Review date (optional)" not in page
        # What was typed is kept for the second try.
        assert "Furloughed from the bakery" in page
        assert f'value="{typed.day}"' in page
        assert not ArrearsFlag.objects.exists()

    def test_the_action_refuses_a_flag_with_no_review_date(self, tenant, income_officer):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="Enter the review date"):
            flag_raise(
                tenant=tenant,
                user=income_officer,
                reason="illness",
                reported_on=timezone.localdate(),
                review_date=None,
            )
        assert not ArrearsFlag.objects.exists()

    def test_a_future_report_date_and_other_without_details_are_refused(
        self, income_client, tenant
    ):
        response = income_client.post(
            f"/arrears/raise/?tenant={tenant.pk}",
            {
                **date_fields("reported_on", timezone.localdate() + timedelta(days=1)),
                "reason": "other",
            },
        )

        assert response.status_code == 200
        page = text_of(response)
        assert "The date must be today or in the past" in page
        assert "Enter the details of why the tenant lost income" in page
        assert not ArrearsFlag.objects.exists()

    def test_no_tenant_or_a_bad_one_is_not_found(self, income_client):
        for url in ("/arrears/raise/", "/arrears/raise/?tenant=x", "/arrears/raise/?tenant=999"):
            assert income_client.get(url).status_code == 404, url


class TestReviewDate:
    def test_setting_and_extending_keeps_each_change_with_its_reason(self, income_client, flag):
        first = timezone.localdate() + timedelta(days=14)
        later = first + timedelta(days=28)
        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", first), "reason": "Furlough ends in a fortnight"},
        )
        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", later), "reason": "Furlough extended"},
        )

        flag.refresh_from_db()
        assert flag.review_date == later
        changes = list(flag.review_changes.values_list("old_date", "new_date", "reason"))
        assert changes == [
            (first, later, "Furlough extended"),
            (None, first, "Furlough ends in a fortnight"),
        ]
        page = text_of(income_client.get(f"/arrears/{flag.pk}/"))
        assert "Reason: Furlough extended" in page

    def test_the_page_names_the_current_review_date_as_such(self, income_client, flag):
        flag.review_date = date(2031, 10, 1)
        flag.save()
        page = text_of(income_client.get(f"/arrears/{flag.pk}/review/"))
        assert "Current review date: 1 October 2031." in page
        assert "Now:" not in page  # read as today's date
        assert page.count("Usual arrears escalation is held until this date") == 1

    def test_an_overdue_review_date_is_named_in_the_hint_and_not_left_in_the_box(
        self, income_client, flag
    ):
        overdue = timezone.localdate() - timedelta(days=3)
        flag.review_date, flag.status = overdue, "review_due"
        flag.save()

        page = text_of(income_client.get(f"/arrears/{flag.pk}/review/"))

        assert f"Current review date: {overdue.day} {overdue:%B %Y} (overdue)." in page
        # The day, month and year boxes are empty: Save unchanged asks for a date, never says
        # the old one "must be today or in the future".
        for part in ("review_date_0", "review_date_1", "review_date_2"):
            box = re.search(rf'<input[^>]*name="{part}"[^>]*>', page).group(0)
            assert 'value="' not in box, box
        saved = text_of(
            income_client.post(f"/arrears/{flag.pk}/review/", {"reason": "Still furloughed"})
        )
        assert "Enter the review date" in saved
        assert "must be today or in the future" not in saved

    def test_a_review_date_still_ahead_starts_in_the_box(self, income_client, flag):
        ahead = timezone.localdate() + timedelta(days=10)
        flag.review_date = ahead
        flag.save()

        page = text_of(income_client.get(f"/arrears/{flag.pk}/review/"))

        box = re.search(r'<input[^>]*name="review_date_2"[^>]*>', page).group(0)
        assert f'value="{ahead.year}"' in box
        assert "(overdue)" not in page

    def test_a_refused_review_date_keeps_what_was_typed(self, income_client, flag):
        flag.review_date = timezone.localdate() - timedelta(days=3)
        flag.save()
        typed = timezone.localdate() - timedelta(days=1)

        page = text_of(
            income_client.post(
                f"/arrears/{flag.pk}/review/",
                {**date_fields("review_date", typed), "reason": "Benefits check booked"},
            )
        )

        assert "The date must be today or in the future" in page
        for part, value in (("0", typed.day), ("1", typed.month), ("2", typed.year)):
            box = re.search(rf'<input[^>]*name="review_date_{part}"[^>]*>', page).group(0)
            assert f'value="{value}"' in box, box
        assert "Benefits check booked" in page

    def test_a_past_date_and_no_reason_are_refused(self, income_client, flag):
        response = income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", timezone.localdate() - timedelta(days=1))},
        )

        page = text_of(response)
        assert "The date must be today or in the future" in page
        assert "Enter the reason for the review date" in page
        assert not ReviewChange.objects.exists()

    def test_a_review_set_for_today_is_due_at_once(self, income_client, flag):
        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {**date_fields("review_date", timezone.localdate()), "reason": "Review today"},
        )

        flag.refresh_from_db()
        assert flag.status == "review_due"
        assert "1 arrears review due" in text_of(income_client.get("/"))

    def test_extending_a_due_review_takes_it_off_the_due_list(self, income_client, flag):
        flag.review_date = timezone.localdate()
        flag.status = "review_due"
        flag.save()

        income_client.post(
            f"/arrears/{flag.pk}/review/",
            {
                **date_fields("review_date", timezone.localdate() + timedelta(days=7)),
                "reason": "Waiting for the benefits check",
            },
        )

        flag.refresh_from_db()
        assert (flag.status, flag.review_due_since) == ("open", None)
        assert "arrears review" not in text_of(income_client.get("/"))


class TestSupport:
    def test_a_payment_arrangement_is_recorded_to_the_penny(self, income_client, flag):
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "payment_arrangement",
                "weekly_amount": "£12.5",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "agreed",
                **date_fields("outcome_on", timezone.localdate()),
            },
        )

        assert response.status_code == 302
        offer = SupportOffer.objects.get()
        assert offer.weekly_amount == Decimal("12.50")
        assert offer.outcome == "agreed"
        assert "£12.50" in text_of(income_client.get(f"/arrears/{flag.pk}/"))

    def test_an_external_agency_needs_its_name_and_only_an_arrangement_has_an_amount(
        self, income_client, flag
    ):
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "external_agency",
                "weekly_amount": "10.00",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "agreed",
            },
        )

        page = text_of(response)
        assert "Enter the name of the agency" in page
        assert "Only a payment arrangement has an amount" in page
        assert "Enter the date of the outcome" in page
        assert not SupportOffer.objects.exists()

    def test_an_agency_typed_on_a_payment_arrangement_is_refused_and_kept(
        self, income_client, flag
    ):
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "payment_arrangement",
                "agency": "StepChange",
                "weekly_amount": "12.50",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "pending",
            },
        )

        assert response.status_code == 200
        assert "Only an external agency has an agency name" in text_of(response)
        assert 'value="StepChange"' in response.content.decode()
        assert not SupportOffer.objects.exists()

    def test_an_agency_referral_and_its_outcome(self, income_client, flag):
        income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "external_agency",
                "agency": "StepChange",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "pending",
            },
        )
        offer = SupportOffer.objects.get()

        income_client.post(
            f"/arrears/{flag.pk}/support/{offer.pk}/",
            {
                "outcome": "completed",
                **date_fields("outcome_on", timezone.localdate()),
                "outcome_notes": "Debt plan agreed",
            },
        )

        offer.refresh_from_db()
        assert (offer.agency, offer.outcome, offer.outcome_notes) == (
            "StepChange",
            "completed",
            "Debt plan agreed",
        )
        assert offer.history.count() == 2

    def test_an_agreed_arrangement_needs_its_weekly_amount(self, income_client, flag):
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "payment_arrangement",
                **date_fields("offered_on", timezone.localdate()),
                "outcome": "agreed",
                **date_fields("outcome_on", timezone.localdate()),
                "notes": "Agreed on the phone",
            },
        )

        assert "Enter the amount per week that was agreed" in text_of(response)
        assert "Agreed on the phone" in response.content.decode()
        assert not SupportOffer.objects.exists()

    def test_an_outcome_is_not_dated_before_the_support_was_offered(self, income_client, flag):
        today = timezone.localdate()
        offered = today - timedelta(days=3)
        response = income_client.post(
            f"/arrears/{flag.pk}/support/add/",
            {
                "kind": "benefits_check",
                **date_fields("offered_on", offered),
                "outcome": "completed",
                **date_fields("outcome_on", offered - timedelta(days=1)),
            },
        )
        assert "must be on or after the date the support was offered" in text_of(response)
        assert not SupportOffer.objects.exists()

        offer = SupportOfferFactory(flag=flag, offered_on=offered)
        response = income_client.post(
            f"/arrears/{flag.pk}/support/{offer.pk}/",
            {"outcome": "completed", **date_fields("outcome_on", offered - timedelta(days=1))},
        )
        assert "must be on or after the date the support was offered" in text_of(response)
        offer.refresh_from_db()
        assert offer.outcome == "pending"

    def test_support_of_another_flag_is_not_reached_through_this_one(
        self, manager_client, flag, other_flag
    ):
        offer = SupportOfferFactory(flag=other_flag)

        assert manager_client.get(f"/arrears/{flag.pk}/support/{offer.pk}/").status_code == 404

    def test_closing_a_flag_ends_the_amended_procedure(self, income_client, flag):
        income_client.post(
            f"/arrears/{flag.pk}/close/",
            {**date_fields("closed_on", timezone.localdate()), "reason": "Back at work"},
        )

        flag.refresh_from_db()
        assert (flag.status, flag.closed_reason) == ("closed", "Back at work")
        assert income_client.get(f"/arrears/{flag.pk}/review/").status_code == 404
        assert income_client.get(f"/arrears/{flag.pk}/support/add/").status_code == 404
