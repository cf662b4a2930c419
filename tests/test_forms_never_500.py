"""Every form of the service, sent random strings, answers with a page, never a 500 (issue 16).

The forms are found by crawling the service as each kind of user, so a form added later is
covered without listing it here. Hypothesis sends each form strings of every kind: the page's
own values, digits long enough to overflow, NUL, text in any script, and text far too long for
its column. The "replayable" Hypothesis profile (conftest.py) sends the same ones every run.
"""

import os
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import sign_in
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    FamilyContactFactory,
    HelpRequestFactory,
    OrganisationFactory,
    SupportOfferFactory,
    TenantFactory,
    TOTPDeviceFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "8"))
MAX_PAGES = 150
# Not followed: signing out ends the crawl's session; the admin has its own tests; downloads.
SKIP = re.compile(r"^/(accounts/logout|django-admin|static)|\.(csv|json|atom)$")

NASTY = [
    "",
    " ",
    "\x00",
    "9" * 20,
    "-1",
    "0",
    "1e400",
    "NaN",
    "31",
    "2",
    "2026",
    "<script>alert(1)</script>",
    "'; DROP TABLE tenants; --",
    "\u202eevil",
    "Ă" * 300,
    "x" * 5000,
]


class PageParser(HTMLParser):
    """The links of a page and its POST forms, with each field's name and offered values."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "fields": {}}
            self._form["action"] = attrs.get("action") or ""
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button"):
            if attrs.get("name"):
                self._current = self._form["fields"].setdefault(attrs["name"], [])
                self._current.append(attrs.get("value") or "")
        elif self._form is not None and tag == "option" and self._form["fields"]:
            self._current.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def crawl(client, start):
    """Visit the service from `start` by its links; return its POST forms, one of each kind."""
    queue, seen, per_path, forms = list(start), set(), {}, {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if url in seen or SKIP.search(parts.path) or per_path.get(parts.path, 0) >= 2:
            continue
        seen.add(url)
        per_path[parts.path] = per_path.get(parts.path, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = urljoin(url, href.split("#")[0])
            if target.startswith("/") and not target.startswith("//"):
                queue.append(target)
        for form in parser.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            if form["method"] != "post" or SKIP.search(urlsplit(action).path):
                continue
            fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
            key = (re.sub(r"\d+", "N", urlsplit(action).path), tuple(sorted(fields)))
            forms.setdefault(key, (action, fields))
    return list(forms.values())


def values_for(offered):
    return st.one_of(
        st.sampled_from(offered or [""]),
        st.sampled_from(NASTY),
        st.text(max_size=30),
        st.text(alphabet="0123456789", min_size=1, max_size=25),
    )


def fuzz(client, action, fields):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({name: values_for(offered) for name, offered in fields.items()}))
    def post(payload):
        # A savepoint per request: one example's writes never break the next one's transaction.
        with transaction.atomic():
            response = client.post(action, payload)
            transaction.set_rollback(True)
        assert response.status_code < 500, (action, payload)

    post()


@pytest.fixture
def world(patch, officer, income_officer, manager):
    """One of everything a form can be about, in the signed-in users' team."""
    tenant = TenantFactory(patch=patch, postcode="PR1 2AB")
    FamilyContactFactory(tenant=tenant)
    SupportOfferFactory(flag=ArrearsFlagFactory(tenant=tenant))
    CallTaskFactory(tenant=TenantFactory(patch=patch))
    CallTaskFactory(
        tenant=TenantFactory(patch=patch), claimed_by=manager, claimed_at=timezone.now()
    )
    HelpRequestFactory(tenant=tenant, need="financial_difficulty", raised_by=officer)
    OrganisationFactory()
    return tenant


START = ["/", "/tenants/?q=a", "/help/directory/"]


@pytest.mark.parametrize("who", ["manager", "officer", "income_officer"])
def test_no_staff_form_answers_500(client, world, who, request):
    user = request.getfixturevalue(who)
    sign_in(client, user)
    forms = crawl(client, START + [f"/tenants/{world.pk}/"])
    assert len(forms) >= 5, forms  # the crawl did reach the forms
    for action, fields in forms:
        fuzz(client, action, fields)


@pytest.mark.parametrize("has_app", [False, True])
def test_no_two_factor_form_answers_500(client, manager, has_app):
    if has_app:
        TOTPDeviceFactory(user=manager)
    client.force_login(manager)  # a password only: two-factor comes next
    forms = crawl(client, ["/accounts/two-factor/?next=/", "/accounts/two-factor/setup/"])
    assert forms
    for action, fields in forms:
        fuzz(client, action, fields)


def test_no_public_form_answers_500(client, officer):
    forms = crawl(client, ["/accounts/sign-in/", "/accounts/password-reset/"])
    assert {urlsplit(action).path for action, _ in forms} >= {
        "/accounts/sign-in/",
        "/accounts/password-reset/",
    }
    for action, fields in forms:
        fuzz(client, action, fields)
