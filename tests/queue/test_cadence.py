"""Cohorts and cadence; The due rule; The tenant record's calls panel.

Part of the queue tests, split from test_queue.py along its sections."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tenants.models import Scheme
from tests.factories import SchemeFactory
from tests.queue.helpers import (
    ON,
    at,
    born_aged,
    cadence,
    contacted,
    is_due,
    make_tenant,
    open_task,
    set_cohort,
)
from welfare.models import Cohort
from welfare.queue import build_call_queue
from welfare.selectors import tenant_call_context


@pytest.mark.django_db
class TestCohortsAndCadence:
    def test_defaults_are_seeded(self):
        assert dict(Cohort.objects.values_list("code", "cadence_days")) == {
            "aged_70": 14,
            "unwell": 7,
            "independent_living": 7,
            "supported_living": 14,
            "lifeline": 28,
            "everyone_else": 90,
        }
        assert all(Cohort.objects.values_list("active", flat=True))

    @pytest.mark.parametrize(
        ("fields", "days"),
        [
            ({}, 90),
            ({"date_of_birth": born_aged(75)}, 14),
            ({"self_isolating_from": ON - timedelta(days=2)}, 7),
            ({"scheme": "independent_living"}, 7),
            ({"scheme": "supported_living"}, 14),
            ({"lifeline": True}, 28),
        ],
        ids=["everyone-else", "aged-70", "unwell", "independent", "supported", "lifeline"],
    )
    def test_each_cohort_has_its_cadence(self, patch, fields, days):
        fields = dict(fields)  # the parameter is shared by each clock's run of this test
        if "scheme" in fields:
            fields["scheme"] = SchemeFactory(
                name=f"{fields['scheme']} court", type=fields["scheme"]
            )
        assert cadence(make_tenant(patch, **fields)) == days

    def test_a_tenant_in_several_cohorts_is_called_at_the_shortest(self, patch):
        lifeline_and_70 = make_tenant(patch, lifeline=True, date_of_birth=born_aged(80))
        supported_and_isolating = make_tenant(
            patch,
            scheme=SchemeFactory(name="Oak House", type=Scheme.Type.SUPPORTED_LIVING),
            self_isolating_from=ON,
        )
        assert cadence(lifeline_and_70) == 14
        assert cadence(supported_and_isolating) == 7

    def test_a_managers_new_cadence_applies(self, patch):
        aged = make_tenant(patch, date_of_birth=born_aged(72), lifeline=True)
        set_cohort("aged_70", cadence_days=30)
        assert cadence(aged) == 28  # now Lifeline's 28 is the shorter
        set_cohort("everyone_else", cadence_days=60)
        assert cadence(make_tenant(patch)) == 60

    def test_everyone_else_switched_off_is_never_due_but_the_vulnerable_still_are(self, patch):
        other = make_tenant(patch, last_contact_at=contacted(200))
        aged = make_tenant(patch, last_contact_at=contacted(200), date_of_birth=born_aged(70))
        set_cohort("everyone_else", active=False)
        assert cadence(other) is None
        assert not is_due(other)
        assert is_due(aged)

    def test_only_everyone_else_can_be_switched_off(self):
        aged = Cohort.objects.get(code="aged_70")
        aged.active = False
        with pytest.raises(ValidationError):
            aged.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            aged.save()


@pytest.mark.django_db
class TestDueRule:
    def test_called_exactly_a_cadence_ago_is_due_today(self, patch):
        aged = {"date_of_birth": born_aged(80)}
        assert is_due(make_tenant(patch, last_contact_at=contacted(14), **aged))
        assert not is_due(make_tenant(patch, last_contact_at=contacted(13), **aged))

    def test_a_late_evening_call_counts_on_its_london_date(self, patch):
        # 23:30 BST is 22:30 UTC the same day; 00:30 BST the next day is still 23:30 UTC before.
        late = make_tenant(patch, last_contact_at=at(ON - timedelta(days=90), 23, 30))
        after_midnight = make_tenant(patch, last_contact_at=at(ON - timedelta(days=89), 0, 30))
        assert is_due(late)
        assert not is_due(after_midnight)

    def test_turning_70_today_joins_the_cohort(self, patch):
        today = make_tenant(patch, date_of_birth=born_aged(70), last_contact_at=contacted(14))
        tomorrow = make_tenant(
            patch, date_of_birth=born_aged(70, days_short=1), last_contact_at=contacted(14)
        )
        assert (cadence(today), is_due(today)) == (14, True)
        assert (cadence(tomorrow), is_due(tomorrow)) == (90, False)

    def test_a_leap_day_birthday_turns_70_on_1_march(self, patch):
        tenant = make_tenant(patch, date_of_birth=date(1956, 2, 29))
        assert cadence(tenant, on=date(2026, 2, 28)) == 90
        assert cadence(tenant, on=date(2026, 3, 1)) == 14

    def test_isolation_ending_today_still_counts_and_not_tomorrow(self, patch):
        tenant = make_tenant(
            patch,
            self_isolating_from=ON - timedelta(days=10),
            self_isolating_until=ON,
            last_contact_at=contacted(7),
        )
        assert (cadence(tenant), is_due(tenant)) == (7, True)
        tomorrow = ON + timedelta(days=1)
        assert (cadence(tenant, tomorrow), is_due(tenant, tomorrow)) == (90, False)

    def test_isolation_starting_tomorrow_does_not_count_yet(self, patch):
        tenant = make_tenant(patch, self_isolating_from=ON + timedelta(days=1))
        assert cadence(tenant) == 90

    def test_never_contacted_is_due(self, patch):
        assert is_due(make_tenant(patch, last_contact_at=None), on=timezone.localdate())

    @pytest.mark.parametrize(
        "fields",
        [
            {"tenancy_end_date": ON},
            {"deceased_on": ON - timedelta(days=3)},
            {"deceased_reported_on": ON - timedelta(days=1)},
            {"declined_calls_on": ON - timedelta(days=30)},
            {"in_hospital_until": ON + timedelta(days=1)},
        ],
        ids=["tenancy-ended", "deceased", "reported-deceased", "declined", "in-hospital"],
    )
    def test_ineligible_tenants_are_never_due(self, patch, fields):
        tenant = make_tenant(patch, last_contact_at=None, date_of_birth=born_aged(90), **fields)
        assert not is_due(tenant)
        assert build_call_queue(on=ON).opened == 0

    def test_back_from_hospital_today_or_tenancy_ending_tomorrow_are_due(self, patch):
        back = make_tenant(patch, in_hospital_until=ON, last_contact_at=None)
        leaving = make_tenant(patch, tenancy_end_date=ON + timedelta(days=1), last_contact_at=None)
        assert is_due(back) and is_due(leaving)


@pytest.mark.django_db
class TestTenantCallContext:
    def test_cohorts_cadence_and_overdue(self, patch):
        tenant = make_tenant(
            patch, last_contact_at=contacted(20), date_of_birth=born_aged(80), lifeline=True
        )
        build_call_queue(on=ON)
        context = tenant_call_context(tenant, ON)
        assert context["call_cohorts"] == ["Aged 70+", "Lifeline customer"]
        assert context["call_cadence_days"] == 14
        assert context["call_due_on"] == ON - timedelta(days=6)
        assert context["call_due_text"] == "Overdue by 6 days"
        assert context["call_task"] == open_task(tenant)

    def test_due_in_the_future(self, patch):
        tenant = make_tenant(patch, last_contact_at=contacted(80))
        context = tenant_call_context(tenant, ON)
        assert context["call_cohorts"] == ["Everyone else"]
        assert context["call_due_text"] == "Due on 11 June 2026"
        assert context["call_task"] is None

    def test_not_queued_says_why(self, patch):
        tenant = make_tenant(patch, in_hospital_until=date(2026, 6, 20))
        assert (
            tenant_call_context(tenant, ON)["call_not_queued"] == "in hospital until 20 June 2026"
        )

    def test_the_panel_renders_on_the_tenant_record(self, officer_client, patch):
        tenant = make_tenant(patch, last_contact_at=None, date_of_birth=born_aged(75))
        build_call_queue()
        page = officer_client.get(reverse("tenants:record", args=[tenant.pk])).content.decode()
        assert "Aged 70+" in page
        assert "Called every" in page and "14 days" in page
        overdue = (timezone.localdate() - open_task(tenant).due_on).days
        assert f"Overdue by {overdue} days (never spoken to)" in page
        assert reverse("welfare:task", args=[open_task(tenant).pk]) in page
