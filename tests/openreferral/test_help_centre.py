"""The public help centre as a tenant meets it: the validated directory, searchable by need and
postcode district, organisation details only, fast from the cache and working with Redis down."""

import pytest
from django.test import Client
from django.utils.html import escape

from here_to_help import actions
from here_to_help.models import Need
from here_to_help.public import parse_district
from services import cache
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def page_of(client, query=""):
    response = client.get(f"/help-centre/{query}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "typed, district",
    [("pr1", "PR1"), ("PR1 2AB", "PR1"), ("pr12ab", "PR1"), (" sw1a 1aa ", "SW1A"), ("", "")],
)
def test_a_postcode_or_district_gives_the_district(typed, district):
    assert parse_district(typed) == district


def test_nonsense_is_not_a_postcode():
    assert parse_district("Preston") is None


def test_a_food_search_in_pr1_finds_the_food_bank_and_nothing_else(
    client, food_bank, money_advice, lapsed
):
    anywhere = OrganisationFactory(name="Lancashire Larder", covers_all_areas=True)
    page = page_of(client, "?need=food&postcode=PR1+2AB")
    assert "2 places can help" in page
    assert "Preston Food Bank" in page and escape(anywhere.name) in page
    assert "Fylde Money Advice" not in page  # another need, another district
    assert "Lapsed Larder" not in page  # not validated for 91 days
    assert '<a class="govuk-link" href="tel:+441614960123">0161 496 0123</a>' in page
    assert 'href="mailto:hello@prestonfoodbank.example"' in page
    assert 'value="PR1"' in page  # the district searched, in the box
    # ... and the page says why the box now holds less than was typed.
    assert "Places that cover PR1. We search by the postcode district" in page


def test_without_a_search_everyone_validated_is_listed(client, food_bank, money_advice, lapsed):
    page = page_of(client)
    assert "Preston Food Bank" in page and "Fylde Money Advice" in page
    assert "Lapsed Larder" not in page


def test_a_temporarily_closed_entry_is_not_listed(client):
    OrganisationFactory(name="Shut Pantry", temporarily_closed=True)
    assert "Shut Pantry" not in page_of(client)


def test_a_postcode_that_is_not_one_is_shown_again_with_the_reason(client, food_bank):
    page = page_of(client, "?need=food&postcode=Preston")
    assert "Enter a postcode district, like PR1, or a full postcode" in page
    assert 'value="Preston"' in page and "govuk-error-summary" in page
    assert '<option value="food" selected>' in page


def test_no_personal_data(client, personal_data):
    page = page_of(client, "?need=food&postcode=PR1")
    assert "Preston Food Bank" in page
    for text in personal_data:
        assert text not in page


def test_no_staff_banner_and_no_sign_in_needed(client, food_bank):
    page = page_of(client)
    assert "govuk-phase-banner" not in page and "Incident Support Team" not in page


def test_a_cache_hit_makes_no_query(client, food_bank, django_assert_num_queries):
    page_of(client, "?need=food&postcode=PR1")
    with django_assert_num_queries(0):
        page = page_of(client, "?need=food&postcode=PR1")
    assert "Preston Food Bank" in page


def test_queries_do_not_grow_with_entries(client, food_bank, django_assert_max_num_queries):
    # organisations, their needs, their areas (prefetched); the Customer Contact Centre's status
    # (the contact details at the foot follow it)
    with django_assert_max_num_queries(4):
        page_of(client)
    for n in range(5):
        OrganisationFactory(name=f"Pantry {n}", needs=[Need.FOOD, Need.BEFRIENDING])
    cache.invalidate()
    with django_assert_max_num_queries(4):
        page_of(client)


def test_validating_an_entry_shows_it_at_once(
    client, lapsed, manager, django_capture_on_commit_callbacks
):
    assert "Lapsed Larder" not in page_of(client)
    with django_capture_on_commit_callbacks(execute=True):
        actions.organisation_validate(organisation=lapsed, by=manager)
    assert "Lapsed Larder" in page_of(client)


def test_served_from_the_database_when_redis_is_down(settings, food_bank, caplog):
    settings.CACHES = UNREACHABLE_REDIS
    cache.reset()
    page = page_of(Client(), "?need=food&postcode=PR1")
    assert "Preston Food Bank" in page
    assert "Redis unreachable" in caplog.text
