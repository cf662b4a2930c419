"""Support-provider check-ins (issue 18): contacts, the owning team, check-ins, and a critical
provider's tenants called every 7 days. PostgreSQL."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import SchemeFactory, SupportProviderFactory, TenantFactory
from welfare.campaign_models import Campaign
from welfare.campaign_rules import campaigns_due_for
from welfare.models import CallTask
from welfare.provider_actions import provider_check_in_record, provider_oversight_set
from welfare.provider_models import ProviderCheckIn, ProviderOversight
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


@pytest.fixture
def provider(team):
    provider = SupportProviderFactory(name="Caring Hands")
    provider_oversight_set(provider=provider, team=team, cadence_days=7)
    return provider


@pytest.fixture
def supported(provider, patch):
    """A tenant in one of the provider's schemes, spoken to 10 days ago (supported living:
    due in 4 days; at a critical provider's 7 days, 3 days overdue)."""
    scheme = SchemeFactory(type="supported_living", support_provider=provider)
    return TenantFactory(
        first_name="Ruth", patch=patch, scheme=scheme, last_contact_at=at(ON - timedelta(10))
    )


def check_in(client, provider, staffing, **fields):
    return client.post(
        reverse("providers:check_in", args=[provider.pk]), {"staffing": staffing, **fields}
    )


class TestCheckIns:
    def test_a_check_in_records_status_and_the_next_check_in(self, officer_client, provider):
        response = check_in(officer_client, provider, "stretched", notes="Two carers off sick")
        assert response.status_code == 302
        record = ProviderCheckIn.objects.get()
        assert (record.staffing, record.notes) == ("stretched", "Two carers off sick")
        oversight = ProviderOversight.objects.get(provider=provider)
        assert oversight.staffing == "stretched"
        assert oversight.next_check_in_on == ON + timedelta(days=7)

    def test_a_chosen_next_check_in_date_is_kept(self, officer_client, provider):
        check_in(
            officer_client,
            provider,
            "adequate",
            next_check_in_on_0="4",
            next_check_in_on_1="12",
            next_check_in_on_2="2026",
        )
        assert ProviderOversight.objects.get().next_check_in_on == date(2026, 12, 4)

    def test_a_refused_check_in_keeps_the_notes(self, officer_client, provider):
        response = check_in(officer_client, provider, "", notes="Manager on leave")
        page = response.content.decode()
        assert response.status_code == 400 and not ProviderCheckIn.objects.exists()
        assert "Select the provider&#x27;s staffing" in page and "Manager on leave" in page

    def test_critical_puts_the_providers_tenants_on_a_7_day_cadence_until_adequate(
        self, officer, provider, supported
    ):
        assert build_call_queue(on=ON).opened == 0  # the tenant is not due for 4 days
        provider_check_in_record(provider=provider, by=officer, staffing="critical")
        assert build_call_queue(on=ON).opened == 1
        task = CallTask.objects.get(tenant=supported)
        assert (task.due_on, task.cadence_days) == (ON - timedelta(3), 7)
        # Due by the programme's rule at 7 days, the call covers both campaigns.
        assert [c.code for c in campaigns_due_for(supported, ON)] == [
            Campaign.PROGRAMME_CODE,
            Campaign.PROVIDER_CRITICAL_CODE,
        ]
        provider_check_in_record(provider=provider, by=officer, staffing="adequate")
        assert build_call_queue(on=ON).closed_not_due == 1

    def test_the_call_page_shows_the_reason(self, officer_client, officer, provider, supported):
        provider_check_in_record(provider=provider, by=officer, staffing="critical")
        build_call_queue(on=ON)
        task = CallTask.objects.get(tenant=supported)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=timezone.now())
        page = officer_client.get(reverse("welfare:task", args=[task.pk])).content.decode()
        assert "Provider staffing critical (Caring Hands): every 7 days" in page

    def test_a_tenant_with_a_provider_and_no_scheme_has_a_record_and_a_call_page(
        self, officer_client, officer, provider, patch
    ):
        """The import allows a provider with no scheme: the pages read the scheme's provider as
        a fallback, and a filter argument through a missing scheme was a 500."""
        tenant = TenantFactory(first_name="Harriet", patch=patch, support_provider=provider)
        provider_check_in_record(provider=provider, by=officer, staffing="critical")
        build_call_queue(on=ON)
        task = CallTask.objects.get(tenant=tenant)
        CallTask.objects.filter(pk=task.pk).update(claimed_by=officer, claimed_at=timezone.now())

        record = officer_client.get(reverse("tenants:record", args=[tenant.pk]))
        call = officer_client.get(reverse("welfare:task", args=[task.pk]))

        assert record.status_code == 200 and "Caring Hands" in record.content.decode()
        assert "Provider staffing critical (Caring Hands)" in call.content.decode()

    def test_managers_see_critical_providers_on_their_home_page(
        self, manager_client, officer, provider
    ):
        provider_check_in_record(provider=provider, by=officer, staffing="critical")
        page = manager_client.get(reverse("home")).content.decode()
        assert "Staffing critical" in page and escape(provider.name) in page


class TestHomePages:
    def test_officers_see_their_teams_check_ins_due(self, client, officer, other_officer, provider):
        ProviderOversight.objects.filter(provider=provider).update(next_check_in_on=ON)
        client.force_login(officer)
        assert "Caring Hands" in client.get(reverse("home")).content.decode()
        client.force_login(other_officer)
        assert "Caring Hands" not in client.get(reverse("home")).content.decode()

    def test_a_check_in_moves_it_off_the_home_page(self, officer_client, officer, provider):
        ProviderOversight.objects.filter(provider=provider).update(next_check_in_on=ON)
        provider_check_in_record(provider=provider, by=officer, staffing="adequate")
        assert "Caring Hands" not in officer_client.get(reverse("home")).content.decode()


class TestPagesAndAccess:
    def test_the_list_puts_critical_first_and_counts_overdue(
        self, manager_client, officer, provider, team
    ):
        calm = SupportProviderFactory(name="Aardvark Care")
        provider_oversight_set(provider=calm, team=team, cadence_days=7)
        provider_check_in_record(provider=calm, by=officer, staffing="adequate")
        provider_check_in_record(provider=provider, by=officer, staffing="critical")
        late = SupportProviderFactory(name="Late Ltd")
        provider_oversight_set(provider=late, team=team, cadence_days=7)
        ProviderOversight.objects.filter(provider=late).update(next_check_in_on=ON - timedelta(1))
        page = manager_client.get(reverse("providers:list")).content.decode()
        assert page.index("Caring Hands") < page.index("Late Ltd") < page.index("Aardvark Care")
        assert "Overdue" in page

    def test_another_teams_officer_gets_404_and_income_officers_403(
        self, client, other_officer, income_client, provider
    ):
        url = reverse("providers:detail", args=[provider.pk])
        assert income_client.get(url).status_code == 403
        client.force_login(other_officer)
        assert client.get(url).status_code == 404
        assert check_in(client, provider, "critical").status_code == 404
        assert "Caring Hands" not in client.get(reverse("providers:list")).content.decode()

    def test_contacts_are_added_with_a_tel_link(self, officer_client, provider):
        officer_client.post(
            reverse("providers:add_contact", args=[provider.pk]),
            {"name": "Sam Lee", "role": "Rota manager", "phone": "0113 496 0001"},
        )
        page = officer_client.get(reverse("providers:detail", args=[provider.pk])).content
        assert 'href="tel:+441134960001"' in page.decode()

    def test_officers_cannot_choose_the_owning_team(self, officer_client, provider, team):
        url = reverse("providers:set_oversight", args=[provider.pk])
        assert officer_client.post(url, {"team": team.pk, "cadence_days": "1"}).status_code == 403
        assert ProviderOversight.objects.get().cadence_days == 7

    def test_a_manager_chooses_the_owning_team(self, manager_client, provider, other_team):
        url = reverse("providers:set_oversight", args=[provider.pk])
        manager_client.post(url, {"team": other_team.pk, "cadence_days": "14"})
        oversight = ProviderOversight.objects.get()
        assert (oversight.team, oversight.cadence_days) == (other_team, 14)

    def test_list_queries_do_not_grow_with_providers(
        self, manager_client, team, django_assert_max_num_queries
    ):
        manager_client.get(reverse("providers:list"))
        with django_assert_max_num_queries(10) as few:
            manager_client.get(reverse("providers:list"))
        for n in range(4):
            provider_oversight_set(
                provider=SupportProviderFactory(name=f"P{n}"), team=team, cadence_days=7
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            manager_client.get(reverse("providers:list"))
