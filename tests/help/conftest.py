"""Fixtures shared by the help tests."""

import pytest

from here_to_help.models import Need
from tests.factories import (
    HelpRequestFactory,
    OrganisationFactory,
    TenantFactory,
)


@pytest.fixture
def tenant(patch):
    return TenantFactory(first_name="Margaret", last_name="Holt", postcode="PR1 2AB", patch=patch)


@pytest.fixture
def outsider(other_patch):
    return TenantFactory(
        first_name="Agnieszka", last_name="Nowak", postcode="FY8 1AA", patch=other_patch
    )


@pytest.fixture
def food(tenant, officer):
    return HelpRequestFactory(tenant=tenant, need=Need.FOOD, raised_by=officer)


@pytest.fixture
def outsider_request(outsider, other_officer):
    return HelpRequestFactory(tenant=outsider, need=Need.FOOD, raised_by=other_officer)


@pytest.fixture
def food_bank(db):
    return OrganisationFactory(name="Preston Food Bank", needs=[Need.FOOD], areas=["PR1", "PR2"])
