"""The Open Referral UK v3 feed at /openreferral/, checked against ORUK's own compiled JSON
schemas (tests/openreferral/schemas, CC BY-SA 4.0) with jsonschema, formats included."""

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from services import cache
from tests.factories import OrganisationFactory
from tests.openreferral.test_help_centre import UNREACHABLE_REDIS

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "schemas"
PUBLIC_URLS = [
    "/openreferral/",
    "/openreferral/services",
    "/openreferral/service_at_locations",
    "/openreferral/taxonomies",
    "/openreferral/taxonomy_terms",
]
PAGING = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"}


# jsonschema checks "uuid", "uri" and "date-time" only with optional packages installed: check
# them here with the standard library, so a malformed id or date fails the suite.
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uuid", raises=ValueError)
def is_uuid(value):
    return str(uuid.UUID(value)) == value


@FORMATS.checks("uri")
def is_uri(value):
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def is_date_time(value):
    return datetime.fromisoformat(value).tzinfo is not None


def validator(name):
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema.Draft7Validator(schema, format_checker=FORMATS)


def test_the_validator_refuses_what_oruk_refuses():
    check = validator("service_list.json")
    good = {"id": str(uuid.uuid4()), "name": "A", "status": "active", "url": "https://a.example/"}
    check.validate(good)
    for bad in (
        {**good, "id": "17"},
        {**good, "url": "not a url"},
        {**good, "status": "open"},
        {**good, "last_modified": "yesterday"},
        {key: value for key, value in good.items() if key != "url"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            check.validate(bad)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_root_says_which_version_and_profile(client):
    body = get(client, "/openreferral/")
    assert body["version"] == "3.0"
    assert "uk-profile" in body["profile"]


def test_services_are_valid_oruk_services_with_paging(client, food_bank, money_advice, lapsed):
    body = get(client, "/openreferral/services")
    assert body.keys() >= PAGING
    assert (body["total_items"], body["total_pages"], body["page_number"]) == (2, 1, 1)
    assert body["first_page"] and body["last_page"] and not body["empty"]
    check = validator("service_list.json")
    for service in body["contents"]:
        check.validate(service)
    names = [service["name"] for service in body["contents"]]
    assert names == ["Fylde Money Advice", "Preston Food Bank"]  # never the lapsed one


def test_a_service_carries_its_details_and_the_day_it_was_assured(client, food_bank):
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        cache.invalidate()
        service = get(client, "/openreferral/services")["contents"][0]
    assert service["assured_date"] == timezone.localdate(food_bank.validated_at).isoformat()
    assert service["url"] == "https://prestonfoodbank.example/"
    assert service["email"] == "hello@prestonfoodbank.example"
    assert service["status"] == "active"
    assert service["organization"]["name"] == "Preston Food Bank"


def test_empty_optional_fields_are_left_out(client):
    OrganisationFactory(name="Quiet Group", description="", email="", website="")
    service = get(client, "/openreferral/services")["contents"][0]
    assert "email" not in service and "description" not in service
    assert "website" not in service["organization"]
    # Required by ORUK even when empty; the URL falls back to our help centre.
    assert service["organization"]["description"] == ""
    assert service["url"] == "http://testserver/help-centre/"
    validator("service_list.json").validate(service)


def test_paging(client):
    for n in range(5):
        OrganisationFactory(name=f"Pantry {n}")
    body = get(client, "/openreferral/services?page=2&per_page=2")
    assert [s["name"] for s in body["contents"]] == ["Pantry 2", "Pantry 3"]
    assert (body["total_items"], body["total_pages"], body["page_number"], body["size"]) == (
        5, 3, 2, 2,
    )  # fmt: skip
    assert not body["first_page"] and not body["last_page"]
    beyond = get(client, "/openreferral/services?page=9&per_page=2")
    assert beyond["empty"] and beyond["contents"] == [] and beyond["last_page"]


def test_one_service_by_its_id(client, food_bank):
    listed = get(client, "/openreferral/services")["contents"][0]
    service = get(client, f"/openreferral/services/{listed['id']}")
    validator("service_list.json").validate(service)
    assert service["id"] == listed["id"]
    assert sorted(area["name"] for area in service["service_areas"]) == ["PR1", "PR2"]
    assert [term["code"] for term in service["taxonomy_terms"]] == ["food"]


def test_an_unknown_or_lapsed_service_is_not_found(client, lapsed):
    from here_to_help.openreferral import _service_uuid

    response = client.get(f"/openreferral/services/{_service_uuid(lapsed)}")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


def test_service_at_locations_are_valid_oruk_rows(client, food_bank):
    body = get(client, "/openreferral/service_at_locations")
    assert body["total_items"] == 2
    check = validator("service_at_location_list.json")
    for row in body["contents"]:
        check.validate(row)
    assert sorted(row["location"]["name"] for row in body["contents"]) == [
        "PR1 postcode district",
        "PR2 postcode district",
    ]


def test_taxonomy_terms_are_our_needs_in_one_taxonomy(client):
    taxonomy = get(client, "/openreferral/taxonomies")["contents"][0]
    terms = get(client, "/openreferral/taxonomy_terms")["contents"]
    assert {term["taxonomy_id"] for term in terms} == {taxonomy["id"]}
    assert "food" in [term["code"] for term in terms]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_no_personal_data(client, personal_data, url):
    body = client.get(url).content.decode()
    for text in personal_data:
        assert text not in body


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_cache_hit_makes_no_query(client, food_bank, url, django_assert_num_queries):
    first = client.get(url).content
    with django_assert_num_queries(0):
        assert client.get(url).content == first


def test_a_change_to_an_entry_shows_at_once(
    client, food_bank, manager, django_capture_on_commit_callbacks
):
    from here_to_help import actions

    get(client, "/openreferral/services")
    with django_capture_on_commit_callbacks(execute=True):
        actions.organisation_save(
            by=manager, organisation=food_bank, needs=["food"], areas=["PR1"], name="Preston Pantry"
        )
    assert get(client, "/openreferral/services")["contents"][0]["name"] == "Preston Pantry"


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_served_from_the_database_when_redis_is_down(settings, food_bank, url):
    settings.CACHES = UNREACHABLE_REDIS
    cache.reset()
    assert get(Client(), url)


def test_an_entry_leaves_the_feed_when_it_lapses(client, food_bank):
    get(client, "/openreferral/services")
    with time_machine.travel(food_bank.validated_at + timedelta(days=90, seconds=1)):
        assert get(client, "/openreferral/services")["total_items"] == 0


@pytest.mark.parametrize("url", ["/openreferral/", "/openreferral/services"])
def test_an_unchanged_copy_is_a_304_without_a_query(client, url, django_assert_num_queries):
    first = client.get(url)
    assert "must-revalidate" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
