"""Open Referral UK (ORUK) v3: the help centre's directory as a read-only API for other
directories and referral tools, at /openreferral/.

Each organisation in the public directory (validated in the last 90 days, open) is one ORUK
organization offering one service; its postcode districts are service areas and, for
/service_at_locations, locations named after the district (we hold no addresses). The needs are one
taxonomy. Identifiers are UUIDs derived from our ids (RFC 4122 name-based), so they never change.
Empty optional fields are left out, as ORUK asks; `assured_date` is the day of the last validation.
Nothing about requests, tenants or staff appears (not even who validated an entry).

Responses are cached like the status page (services/cache.py): 0 queries on a hit, built from the
database with Redis down, dropped when the directory changes or its first entry lapses.
"""

import json
import math
import uuid

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone

from services import cache
from services.public import origin, public_response

from . import selectors
from .models import Need

NAMESPACE = uuid.UUID("3b0f8f7e-5d8c-4a55-9d5a-1b8e0c6f2a17")
TAXONOMY_ID = str(uuid.uuid5(NAMESPACE, "taxonomy:needs"))
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


def _id(kind, key):
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _service_uuid(organisation):
    return _id("service", organisation.pk)


def _compact(data):
    """`data` without its empty optional fields."""
    return {key: value for key, value in data.items() if value not in ("", None, [])}


def _service(organisation, base, detail=False):
    sid = _service_uuid(organisation)
    help_centre = f"{base}{reverse('help_centre:home')}"
    data = {
        "id": sid,
        "organization_id": _id("organization", organisation.pk),
        "name": organisation.name,
        "description": organisation.description,
        "url": organisation.website or help_centre,
        "email": organisation.email,
        "status": "active",
        "assured_date": timezone.localdate(organisation.validated_at).isoformat(),
        "last_modified": organisation.updated_at.isoformat(timespec="milliseconds"),
        "organization": {
            "id": _id("organization", organisation.pk),
            "name": organisation.name,
            # Required by ORUK, so kept even when empty.
            "description": organisation.description,
            **_compact({"email": organisation.email, "website": organisation.website}),
        },
    }
    if detail:
        codes = ["All areas"] if organisation.covers_all_areas else organisation.area_codes()
        data["service_areas"] = [
            {"id": _id("area", f"{organisation.pk}:{code}"), "service_id": sid, "name": code}
            for code in codes
        ]
        data["taxonomy_terms"] = [_term(need) for need in _needs_of(organisation)]
    return _compact(data)


def _needs_of(organisation):
    met = {row.need for row in organisation.needs.all()}
    return [need for need in Need if need.value in met]


def _term(need):
    return {
        "id": _id("taxonomy_term", need.value),
        "code": need.value,
        "name": need.label,
        "description": need.label,
        "taxonomy_id": TAXONOMY_ID,
    }


def _service_at_locations(organisations, base):
    rows = []
    for organisation in organisations:
        sid = _service_uuid(organisation)
        for code in organisation.area_codes():
            location = {
                "id": _id("location", code),
                "name": f"{code} postcode district",
                "description": f"Tenants living in the {code} postcode district.",
            }
            rows.append(
                {
                    "id": _id("service_at_location", f"{organisation.pk}:{code}"),
                    "service_id": sid,
                    "location_id": location["id"],
                    "location": location,
                    "service": _service(organisation, base),
                }
            )
    return rows


def _page(items, number, size):
    """ORUK's paged list: the page's `contents` and where it sits in the whole."""
    total_pages = max(1, math.ceil(len(items) / size))
    contents = items[(number - 1) * size : number * size]
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _positive(value, default, most=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    if number < 1:
        return default
    return min(number, most) if most else number


def _root():
    return {
        "version": "3.0",
        "profile": "https://raw.githubusercontent.com/OpenReferralUK/uk-profile/main/profile",
        "openapi_url": "https://raw.githubusercontent.com/OpenReferralUK/uk-profile/main/openapi.json",
    }


LISTS = {
    "services": lambda organisations, base: [_service(o, base) for o in organisations],
    "service_at_locations": _service_at_locations,
    "taxonomy_terms": lambda organisations, base: [_term(need) for need in Need],
    "taxonomies": lambda organisations, base: [
        {
            "id": TAXONOMY_ID,
            "name": "Here to Help needs",
            "description": "The kinds of help our Here to Help team signposts tenants to.",
        }
    ],
}


def _json(data):
    """Encoded once, when the entry is built: a hit then hands the cached bytes to the response
    as they are (a page of 50 services is about 30 KB, which str would re-encode every time)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def endpoint(request, name):
    base = origin(request)
    number = _positive(request.GET.get("page"), 1)
    size = _positive(request.GET.get("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE)

    def build():
        if name == "root":
            return _json(_root()), None
        organisations = selectors.public_directory(now=timezone.now())
        body = _page(LISTS[name](organisations, base), number, size)
        return _json(body), selectors.public_directory_expires_at(organisations)

    entry = cache.get_or_build(f"oruk:{base}:{name}:{number}:{size}", build)
    return public_response(entry, entry["body"], "application/json", cors=True, request=request)


def service(request, service_id):
    base = origin(request)

    def build():
        organisations = selectors.public_directory(now=timezone.now())
        for organisation in organisations:
            if _service_uuid(organisation) == str(service_id):
                body = _json(_service(organisation, base, detail=True))
                return body, selectors.public_directory_expires_at(organisations)
        raise Http404

    try:
        entry = cache.get_or_build(f"oruk:{base}:service:{service_id}", build)
    except Http404:
        response = JsonResponse({"code": 404, "message": "No such service"}, status=404)
        response["Access-Control-Allow-Origin"] = "*"
        return response
    return public_response(entry, entry["body"], "application/json", cors=True, request=request)
