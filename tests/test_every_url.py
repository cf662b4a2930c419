"""Every staff URL, present and future, needs sign-in: walk the URL configuration to prove it."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Pages anyone may open: signing in, resetting a password, the public status pages and their
# Statuspage API, health; and Notify's delivery-receipt callback, which checks Notify's bearer
# token instead.
PUBLIC = re.compile(
    r"^/(accounts/(sign-in|login|logout|password-reset)|status|api/v2/|healthz|accessibility"
    r"|django-admin|messages/notify/callback|help-centre/|openreferral/)"
)


def all_paths(patterns=None, prefix=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            path = re.sub(r"<int:\w+>", "1", route)
            path = re.sub(r"<(uuid):\w+>", "00000000-0000-0000-0000-000000000001", path)
            path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
            yield "/" + path.lstrip("^").rstrip("$")


def test_there_are_staff_pages_to_check():
    staff = [path for path in all_paths() if not PUBLIC.match(path)]
    assert len(staff) >= 10


@pytest.mark.parametrize("path", sorted(p for p in set(all_paths()) if not PUBLIC.match(p)))
def test_staff_page_sends_visitors_to_sign_in(client, path):
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path)
    assert response.status_code == 302, path
    assert response.url.startswith("/accounts/sign-in/"), path
