from datetime import datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from arrears.actions import mark_reviews_due
from arrears.models import ArrearsFlag
from tests.factories import (
    IncomeOfficerFactory,
    PatchFactory,
    RentBalanceFactory,
    TeamFactory,
    TenantFactory,
)


def fill_date(page, name, day):
    page.locator(f"#id_{name}_0").fill(str(day.day))
    page.locator(f"#id_{name}_1").fill(str(day.month))
    page.locator(f"#id_{name}_2").fill(str(day.year))


def test_income_officer_raises_a_flag_and_reviews_it_on_the_day(journey):
    team = TeamFactory(name="North team")
    IncomeOfficerFactory(username="ian", team=team)
    tenant = TenantFactory(
        first_name="Margaret", last_name="Holt", patch=PatchFactory(code="PR-RIB", team=team)
    )
    today = timezone.localdate()
    RentBalanceFactory(tenant=tenant, balance=Decimal("1204.37"), as_at=today)
    page = journey.sign_in("ian")

    journey.goto(f"/tenants/{tenant.pk}/")
    expect(page.locator("#rent-balance")).to_contain_text("£1,204.37 in arrears")
    page.get_by_role("link", name="Raise an arrears flag").click()
    journey.check()
    page.get_by_label("Furlough").check()
    page.get_by_label("Details").fill("Furloughed from the bakery since March")
    page.get_by_role("button", name="Raise flag").click()
    journey.check()
    # A flag is never raised without a review date: escalation would be held with no end.
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the review date")
    fill_date(page, "review_date", today + timedelta(days=28))
    page.get_by_role("button", name="Raise flag").click()
    journey.check()
    expect(page.get_by_role("heading", name="Arrears flag: Margaret Holt")).to_be_visible()

    page.get_by_role("link", name="Record support offered").click()
    journey.check()
    page.get_by_label("Payment arrangement").check()
    page.get_by_label("Amount per week towards the arrears").fill("£15")
    page.get_by_label("Agreed or in place").check()
    fill_date(page, "outcome_on", today)
    page.get_by_role("button", name="Save support").click()
    journey.check()
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("Payment arrangement")
    expect(card).to_contain_text("£15.00")
    expect(card).to_contain_text("Agreed or in place")

    review_day = today + timedelta(days=14)
    page.get_by_role("link", name="Change the review date").click()
    journey.check()
    fill_date(page, "review_date", review_day)
    page.get_by_label("Reason for the date").fill("Furlough scheme ends in two weeks")
    page.get_by_role("button", name="Save review date").click()
    journey.check()
    expect(page.locator("#review-date")).to_contain_text(f"{review_day.day} {review_day:%B %Y}")
    expect(page.locator("#review-history")).to_contain_text(
        "Reason: Furlough scheme ends in two weeks"
    )

    # Not due yet: nothing on the home page.
    page.get_by_role("link", name="Home").first.click()
    journey.check()
    expect(page.locator("#panel-arrears-reviews")).to_have_count(0)

    # The morning of the review day: the 06:30 job runs, and the review is listed.
    morning = timezone.make_aware(datetime.combine(review_day, time(8, 0)))
    with time_machine.travel(morning, tick=True):
        result = mark_reviews_due()
        assert result.marked_due == 1
        assert ArrearsFlag.objects.get().status == "review_due"
        page = journey.sign_in("ian")  # two weeks on, yesterday's session has expired
        panel = page.locator("#panel-arrears-reviews")
        expect(panel).to_contain_text("1 arrears review due")
        panel.get_by_role("link", name="Margaret Holt").click()
        journey.check()
        expect(page.locator("#review-due-warning")).to_contain_text("The review is due today")
