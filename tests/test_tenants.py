from datetime import date, timedelta

import pytest

from tenants.models import AccessLog, PhoneNumber, Tenant
from tests.factories import FamilyContactFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(patch):
    return TenantFactory(
        first_name="Margaret",
        last_name="Holt",
        tenancy_ref="PHG-000101",
        postcode="PR1 2AB",
        phone="+441772555010",
        patch=patch,
        communication_needs="Hard of hearing",
    )


@pytest.fixture
def outsider(other_patch):
    return TenantFactory(
        first_name="Agnieszka", last_name="Nowak", postcode="FY8 1AA", patch=other_patch
    )


def tenant_urls(tenant):
    return [
        f"/tenants/{tenant.pk}/",
        f"/tenants/{tenant.pk}/flags/",
        f"/tenants/{tenant.pk}/family/add/",
    ]


class TestObjectAccess:
    def test_officer_opens_own_team_tenant_pages(self, officer_client, tenant):
        for url in tenant_urls(tenant):
            assert officer_client.get(url).status_code == 200, url

    def test_other_team_tenant_is_not_found_by_any_url(self, officer_client, outsider):
        contact = FamilyContactFactory(tenant=outsider)
        for url in [*tenant_urls(outsider), f"/tenants/{outsider.pk}/family/{contact.pk}/"]:
            assert officer_client.get(url).status_code == 404, url
        response = officer_client.post(
            f"/tenants/{outsider.pk}/flags/", {"reason": "x", "interpreter_language": "Urdu"}
        )
        assert response.status_code == 404
        outsider.refresh_from_db()
        assert outsider.interpreter_language == ""

    def test_income_officer_is_scoped_to_their_team_too(self, income_client, tenant, outsider):
        assert income_client.get(f"/tenants/{tenant.pk}/").status_code == 200
        assert income_client.get(f"/tenants/{outsider.pk}/").status_code == 404

    def test_manager_opens_every_tenant(self, manager_client, tenant, outsider):
        for url in tenant_urls(tenant) + tenant_urls(outsider):
            assert manager_client.get(url).status_code == 200, url

    def test_contact_of_another_tenant_is_not_reachable_through_own_tenant(
        self, officer_client, tenant, outsider
    ):
        contact = FamilyContactFactory(tenant=outsider)
        url = f"/tenants/{tenant.pk}/family/{contact.pk}/"
        assert officer_client.get(url).status_code == 404

    def test_access_log_is_for_managers_only(self, officer_client, tenant, client, manager):
        assert officer_client.get(f"/tenants/{tenant.pk}/access/").status_code == 403

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, tenant):
        for url in [*tenant_urls(tenant), "/tenants/?q=Holt"]:
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/sign-in/" in response.url


class TestSearch:
    def results(self, client, query):
        response = client.get("/tenants/", {"q": query})
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    def test_finds_by_name_reference_postcode_and_phone(self, officer_client, tenant):
        for query in [
            "holt",
            "Margaret Holt",
            "phg-000101",
            "pr12ab",
            "PR1",
            "01772 555010",
            "+44 1772 555010",
        ]:
            assert self.results(officer_client, query) == [tenant], query

    def test_finds_a_number_an_officer_added_on_the_record(
        self, officer_client, officer, tenant, patch
    ):
        # The tenant rings in from the mobile they gave on a call: it is found as a file's is.
        other = TenantFactory(tenancy_ref="PHG-000200", patch=patch)
        PhoneNumber.objects.create(
            tenant=tenant, number="+447912345678", source=PhoneNumber.Source.APP, by=officer
        )
        PhoneNumber.objects.create(
            tenant=other,
            number="+447912345679",
            source=PhoneNumber.Source.APP,
            status=PhoneNumber.Status.WRONG,
            by=officer,
        )
        assert self.results(officer_client, "07912 345678") == [tenant]
        # A number marked wrong is not the tenant's any more.
        assert self.results(officer_client, "07912 345679") == []

    def test_finds_a_reference_typed_without_its_hyphen_with_spaces_or_in_lower_case(
        self, officer_client, tenant, patch
    ):
        TenantFactory(tenancy_ref="PHG-000200", patch=patch)
        for query in [
            "PHG000101",
            "phg000101",
            "PHG 000101",
            "phg 000 101",
            "  Phg-000101 ",
            "PHG/000101",
            "PHG00010",  # the start of a reference, as "PHG-00010" finds it
        ]:
            found = [t.tenancy_ref for t in self.results(officer_client, query)]
            assert found == ["PHG-000101"], query

    def test_digits_alone_that_find_nobody_say_to_type_the_whole_reference(
        self, officer_client, patch
    ):
        TenantFactory(tenancy_ref="PHG-0000101", patch=patch)
        page = officer_client.get("/tenants/", {"q": "486"}).content.decode()
        assert "type it whole, for example PHG-0000486." in page
        assert "or search by tenancy reference" not in page
        # A name, or a phone number (more digits than a reference has), keeps the usual hint.
        for query in ["Smithers", "07912 345678"]:
            page = officer_client.get("/tenants/", {"q": query}).content.decode()
            assert "Check the spelling, or search by tenancy reference or postcode." in page
            assert "type it whole" not in page

    def test_outward_code_does_not_match_a_longer_one(self, officer_client, tenant, patch):
        TenantFactory(postcode="PR10 1AA", patch=patch)
        assert self.results(officer_client, "PR1") == [tenant]

    def test_officer_never_finds_another_teams_tenant(self, officer_client, outsider):
        for query in ["Nowak", "FY8 1AA", outsider.tenancy_ref]:
            assert self.results(officer_client, query) == []

    def test_manager_finds_every_team(self, manager_client, tenant, outsider):
        assert self.results(manager_client, "Nowak") == [outsider]

    def test_results_are_paginated(self, officer_client, patch):
        TenantFactory.create_batch(30, last_name="Smith", patch=patch)
        response = officer_client.get("/tenants/", {"q": "smith"})
        assert response.context["page"].paginator.count == 30
        assert len(response.context["page"].object_list) == 25

    def test_search_queries_do_not_grow_with_rows(
        self, officer_client, patch, django_assert_num_queries
    ):
        TenantFactory.create_batch(5, last_name="Smith", patch=patch)
        # session, user with team (and whether they have a two-factor device), count,
        # access-log insert, one page of tenants with patch and scheme, session renewal
        # (savepoint, update, release)
        with django_assert_num_queries(8):
            officer_client.get("/tenants/", {"q": "smith"})
        TenantFactory.create_batch(20, last_name="Smith", patch=patch)
        with django_assert_num_queries(8):
            officer_client.get("/tenants/", {"q": "smith"})

    def test_every_search_is_logged(self, officer_client, officer, tenant):
        officer_client.get("/tenants/", {"q": "holt"})
        entry = AccessLog.objects.get()
        assert (entry.user, entry.kind, entry.query, entry.tenant_ids) == (
            officer,
            AccessLog.Kind.SEARCH,
            "holt",
            [tenant.pk],
        )


class TestRecord:
    def test_shows_communication_needs_first(self, officer_client, tenant):
        page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert page.index("Communication needs") < page.index("Details")
        assert "Hard of hearing" in page
        assert 'href="tel:+441772555010"' in page

    def test_each_view_is_logged_in_one_insert(
        self, officer_client, officer, tenant, django_assert_max_num_queries
    ):
        officer_client.get(f"/tenants/{tenant.pk}/")
        entry = AccessLog.objects.get()
        assert (entry.user, entry.kind, entry.tenant_id) == (
            officer,
            AccessLog.Kind.VIEW,
            tenant.pk,
        )
        assert entry.tenancy_ref == tenant.tenancy_ref
        assert entry.page == f"/tenants/{tenant.pk}/"

    def test_record_queries_do_not_grow_with_contacts_or_history(
        self, officer_client, tenant, django_assert_num_queries
    ):
        def count_queries():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as context:
                officer_client.get(f"/tenants/{tenant.pk}/")
            return len(context)

        FamilyContactFactory(tenant=tenant)
        count_queries()  # the process's first read of the cohorts (welfare.call_config)
        baseline = count_queries()
        FamilyContactFactory.create_batch(5, tenant=tenant)
        for n in range(5):
            tenant.interpreter_language = f"Language {n}"
            tenant.save()
        assert count_queries() == baseline

    def test_manager_sees_who_looked(self, manager_client, tenant, officer):
        from django.test import Client

        from conftest import sign_in

        sign_in(Client(), officer).get(f"/tenants/{tenant.pk}/")
        manager_client.get(f"/tenants/{tenant.pk}/")
        page = manager_client.get(f"/tenants/{tenant.pk}/access/").content.decode()
        assert officer.username in page


class TestFlags:
    def post_flags(self, client, tenant, **data):
        payload = {"reason": "Phoned in", "lives_alone": ""}
        for name, value in data.items():
            if isinstance(value, date):
                payload.update(
                    {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}
                )
            else:
                payload[name] = value
        return client.post(f"/tenants/{tenant.pk}/flags/", payload)

    def test_marking_self_isolating_is_kept_in_history(self, officer_client, officer, tenant):
        today = date.today()
        response = self.post_flags(
            officer_client,
            tenant,
            self_isolating_from=today,
            self_isolating_until=today + timedelta(days=10),
            communication_needs="Hard of hearing",
        )
        assert response.status_code == 302
        tenant.refresh_from_db()
        assert tenant.self_isolating_until == today + timedelta(days=10)
        record = tenant.history.latest()
        assert record.history_user == officer
        assert record.history_change_reason == "Phoned in"
        page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert "Unwell or self-isolating until" in page
        assert "Reason: Phoned in" in page

    def test_reason_is_required(self, officer_client, tenant):
        response = self.post_flags(officer_client, tenant, reason="", interpreter_language="Urdu")
        assert response.status_code == 200
        assert "Enter the reason for the change" in response.content.decode()
        tenant.refresh_from_db()
        assert tenant.interpreter_language == ""

    def test_isolation_cannot_end_before_it_starts(self, officer_client, tenant):
        today = date.today()
        response = self.post_flags(
            officer_client,
            tenant,
            self_isolating_from=today,
            self_isolating_until=today - timedelta(days=1),
        )
        assert "The end date must be on or after the start date" in response.content.decode()

    def test_unchanged_form_records_no_history(self, officer_client, tenant):
        before = tenant.history.count()
        self.post_flags(
            officer_client, tenant, communication_needs="Hard of hearing", lives_alone="no"
        )
        assert tenant.history.count() == before


class TestFamilyContacts:
    def test_consent_is_dated_and_audited(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/family/add/",
            {
                "name": "Jean Holt",
                "relationship": "Daughter",
                "phone": "0113 496 0123",
                "consent_to_updates": "on",
                "reason": "Tenant asked",
            },
        )
        assert response.status_code == 302
        contact = tenant.family_contacts.get()
        assert contact.consent_given_on == date.today()
        assert str(contact.phone) == "+441134960123"
        page = officer_client.get(f"/tenants/{tenant.pk}/").content.decode()
        assert "Family contact added: Jean Holt" in page

    def test_invalid_phone_is_refused(self, officer_client, tenant):
        response = officer_client.post(
            f"/tenants/{tenant.pk}/family/add/",
            {"name": "Jean", "relationship": "Daughter", "phone": "07700 900123", "reason": "x"},
        )
        assert response.status_code == 200
        assert not tenant.family_contacts.exists()


class TestDemoData:
    def test_seed_demo_makes_valid_tenants_with_a_cohort_mix(self):
        from django.core.management import call_command

        call_command("seed_demo", tenants=400, seed=7, days=0, password="demo-password-123")
        assert Tenant.objects.count() == 400
        for tenant in Tenant.objects.all()[:50]:
            tenant.full_clean()
        aged = sum(1 for t in Tenant.objects.all() if t.age_on(date.today()) >= 70)
        assert 0.15 < aged / 400 < 0.40
        assert Tenant.objects.filter(scheme__type="independent_living").count() > 20
        assert Tenant.objects.filter(patch__isnull=False).count() > 380


def test_every_page_showing_a_tenant_is_in_the_access_log(income_client, income_officer, tenant):
    from tests.factories import ArrearsFlagFactory

    flag = ArrearsFlagFactory(tenant=tenant)
    pages = [
        f"/tenants/{tenant.pk}/flags/",
        f"/tenants/{tenant.pk}/family/add/",
        f"/arrears/{flag.pk}/",
        f"/help/raise/{tenant.pk}/",
    ]
    for page in pages:
        assert income_client.get(page).status_code == 200, page
    logged = set(
        AccessLog.objects.filter(user=income_officer, tenant_id=tenant.pk).values_list(
            "page", flat=True
        )
    )
    assert logged == set(pages)
