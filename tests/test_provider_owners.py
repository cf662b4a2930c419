"""No support provider goes without check-ins: one the tenant import creates gets the team of
most of its tenants, at the end of the import; one whose team cannot be told (its tenants have
no patch; or made in the admin) is counted and listed for managers to choose. PostgreSQL."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tenants.models import SupportProvider, Tenant
from tests.factories import SchemeFactory, SupportProviderFactory, TenantFactory
from tests.tenant_import_support import tenant_row
from welfare import provider_actions
from welfare.provider_actions import provider_oversight_set
from welfare.provider_models import ProviderOversight

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.tenant_import_support"]
ON = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.combine(ON, time(10), ZoneInfo("Europe/London"))):
        yield


def owners():
    return dict(ProviderOversight.objects.values_list("provider__name", "team__name"))


def test_a_provider_the_import_creates_gets_the_team_of_most_of_its_tenants(
    import_rows, ribble, other_patch
):
    rows = [
        # Two in the Ribble patch (North team) by their postcode, one in Lytham (South team).
        tenant_row(tenancy_ref="PHG-1", support_provider="Ribble Care"),
        tenant_row(tenancy_ref="PHG-2", support_provider="Ribble Care"),
        tenant_row(tenancy_ref="PHG-3", support_provider="Ribble Care", patch="FY-LYT"),
        # Through a new scheme: the scheme's provider supports its tenants.
        tenant_row(
            tenancy_ref="PHG-4",
            scheme_type="supported_living",
            scheme_name="Lytham House",
            support_provider="Coast Support",
            patch="FY-LYT",
        ),
    ]

    code, out, err = import_rows(rows)

    assert code == 0, err
    assert owners() == {"Ribble Care": "North team", "Coast Support": "South team"}
    oversight = ProviderOversight.objects.get(provider__name="Ribble Care")
    # Due a check-in now, then weekly, as when a manager chooses the team.
    assert (oversight.next_check_in_on, oversight.cadence_days, oversight.staffing) == (ON, 7, "")


def test_a_provider_whose_tenants_have_no_patch_is_left_for_a_manager(import_rows, ribble):
    # LA1 is in no patch: the tenant is unassigned, and so is the provider's team.
    code, out, err = import_rows([tenant_row(postcode="LA1 1AA", support_provider="Far Care")])

    assert code == 0, err
    assert SupportProvider.objects.filter(name="Far Care").exists()
    assert owners() == {}


def test_a_team_already_owning_the_relationship_is_kept(import_rows, ribble, other_team):
    held = SupportProviderFactory(name="Ribble Care")
    provider_oversight_set(provider=held, team=other_team, cadence_days=14)

    code, out, err = import_rows([tenant_row(support_provider="Ribble Care")])

    assert code == 0, err
    assert owners() == {"Ribble Care": "South team"}
    assert ProviderOversight.objects.get().cadence_days == 14


def test_a_dry_run_gives_no_team(import_rows, ribble):
    code, out, err = import_rows([tenant_row(support_provider="Ribble Care")], "--dry-run")

    assert code == 0, err
    assert not ProviderOversight.objects.exists() and not Tenant.objects.exists()


def test_a_provider_made_in_the_admin_gets_a_team_once_imported_tenants_name_it(
    import_rows, ribble
):
    SupportProviderFactory(name="Ribble Care")

    import_rows([tenant_row(support_provider="ribble care")])

    assert owners() == {"Ribble Care": "North team"}


def test_the_team_of_most_current_tenants_owns_it_each_tenant_counted_once(patch, other_patch):
    provider = SupportProviderFactory(name="Even Care")
    TenantFactory(patch=other_patch, support_provider=provider)
    TenantFactory(patch=patch, support_provider=provider)
    # A tenant supported through the scheme and directly by the same provider counts once.
    TenantFactory(
        patch=other_patch,
        support_provider=provider,
        scheme=SchemeFactory(type="supported_living", support_provider=provider),
    )
    TenantFactory(patch=patch, support_provider=provider, tenancy_end_date=date(2026, 11, 1))

    assert provider_actions.provider_owners_from_tenants(on=ON) == 1

    # South team has two current tenants, North team one (the other's tenancy has ended).
    assert owners() == {"Even Care": "South team"}
    assert provider_actions.provider_owners_from_tenants(on=ON) == 0


def test_ties_go_to_the_first_team_made(patch, other_patch):
    provider = SupportProviderFactory(name="Even Care")
    TenantFactory(patch=other_patch, support_provider=provider)
    TenantFactory(patch=patch, support_provider=provider)

    provider_actions.provider_owners_from_tenants(on=ON)

    first = min((patch.team, other_patch.team), key=lambda team: team.pk)
    assert owners() == {"Even Care": first.name}


# Managers see the providers no team checks in with ---------------------------------------------


@pytest.fixture
def unowned(team):
    owned = SupportProviderFactory(name="Caring Hands")
    provider_oversight_set(provider=owned, team=team, cadence_days=7)
    return SupportProviderFactory(name="Far Care")


def test_the_providers_list_shows_those_needing_a_team_first(manager_client, unowned):
    page = manager_client.get(reverse("providers:list")).content.decode()

    assert 'id="needs-team"' in page  # the summary's figure, where the dashboard's link lands
    table = page[page.index('id="providers"') :]
    assert table.index("Far Care") < table.index("Caring Hands")
    assert "No team yet" in table
    link = reverse("providers:detail", args=[unowned.pk]) + "#team-heading"
    assert f'href="{link}"' in table


def test_officers_see_only_their_team_s_providers(officer_client, unowned):
    page = officer_client.get(reverse("providers:list")).content.decode()
    assert "Far Care" not in page and 'id="needs-team"' not in page


def test_the_dashboard_counts_them_and_opens_their_list(manager_client, unowned, team):
    page = manager_client.get(reverse("dashboard:index")).content.decode()
    start = page.index('id="providers-needs_team"')
    assert page[page.index(">", start) + 1 : page.index("<", start)] == "1"
    assert f'href="{reverse("providers:list")}?team=none"' in page[start - 200 : start + 200]
    # "No team" counts them too; a team's figures do not.
    assert (
        'id="providers-needs_team"'
        in manager_client.get(reverse("dashboard:index") + "?team=none").content.decode()
    )
    assert (
        'id="providers-needs_team"'
        not in manager_client.get(reverse("dashboard:index") + f"?team={team.pk}").content.decode()
    )


def test_choosing_the_team_takes_it_off_the_list(manager_client, unowned, other_team):
    manager_client.post(
        reverse("providers:set_oversight", args=[unowned.pk]),
        {"team": other_team.pk, "cadence_days": "7"},
    )
    page = manager_client.get(reverse("providers:list")).content.decode()
    assert 'id="count-needs-team" href="/providers/?team=none">0<' in page
    assert "No team yet" not in page
    page = manager_client.get(reverse("dashboard:index")).content.decode()
    start = page.index('id="providers-needs_team"')
    assert page[page.index(">", start) + 1 : page.index("<", start)] == "0"


def test_the_list_s_queries_do_not_grow_with_providers_needing_a_team(
    manager_client, unowned, django_assert_max_num_queries
):
    manager_client.get(reverse("providers:list"))
    with django_assert_max_num_queries(10) as few:
        manager_client.get(reverse("providers:list"))
    SupportProviderFactory.create_batch(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = manager_client.get(reverse("providers:list")).content.decode()
    assert page.count("#team-heading") == 5


def test_a_provider_given_its_team_by_the_import_is_in_that_teams_queue_at_once(
    import_rows, ribble
):
    from welfare.provider_models import ProviderCheckInTask

    code, _out, err = import_rows([tenant_row(tenancy_ref="PHG-1", support_provider="Ribble Care")])
    assert code == 0, err
    task = ProviderCheckInTask.objects.open().get(provider__name="Ribble Care")
    assert (task.team.name, task.due_on, task.tenant_count) == ("North team", ON, 1)


def test_a_provider_given_its_team_by_a_manager_is_in_that_teams_queue_at_once(
    manager_client, unowned, other_team
):
    from welfare.provider_models import ProviderCheckInTask

    manager_client.post(
        reverse("providers:set_oversight", args=[unowned.pk]),
        {"team": other_team.pk, "cadence_days": "7"},
    )
    task = ProviderCheckInTask.objects.open().get(provider=unowned)
    assert (task.team, task.due_on) == (other_team, ON)
