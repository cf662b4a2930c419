"""Fixtures for the public help centre and the Open Referral UK feed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from here_to_help import actions
from here_to_help.models import Need, Organisation
from services import cache
from tests.factories import HelpRequestFactory, ManagerFactory, OrganisationFactory, TenantFactory


@pytest.fixture(autouse=True)
def fresh_public_cache(db):
    # The cache outlives each test's rollback: start every test on a new version.
    cache.reset()
    cache.invalidate()


@pytest.fixture
def food_bank(db):
    return OrganisationFactory(
        name="Preston Food Bank",
        description="Food parcels, no referral needed.",
        email="hello@prestonfoodbank.example",
        website="https://prestonfoodbank.example/",
        needs=[Need.FOOD],
        areas=["PR1", "PR2"],
    )


@pytest.fixture
def lapsed(db):
    """Not validated for 91 days: shown nowhere public."""
    return OrganisationFactory(
        name="Lapsed Larder", validated_at=timezone.now() - timedelta(days=91), areas=["PR1"]
    )


@pytest.fixture
def money_advice(db):
    return OrganisationFactory(
        name="Fylde Money Advice", needs=[Need.BENEFITS, Need.FINANCIAL], areas=["FY8"]
    )


@pytest.fixture
def personal_data(food_bank, officer):
    """A tenant signposted to the food bank, validated by a named manager: none of it public."""
    validator = ManagerFactory(first_name="Zenobia", last_name="Brightwell", username="zbright")
    Organisation.objects.filter(pk=food_bank.pk).update(validated_by=validator)
    tenant = TenantFactory(first_name="Perpetua", last_name="Quillfeather", postcode="PR1 2AB")
    help_request = HelpRequestFactory(tenant=tenant, need=Need.FOOD, raised_by=officer)
    actions.request_signpost(
        help_request=help_request,
        organisation=food_bank,
        given_by=officer,
        notes="Told Perpetua about Tuesday parcels",
    )
    return ["Perpetua", "Quillfeather", "Zenobia", "Brightwell", "zbright", str(tenant.phone)[3:]]
