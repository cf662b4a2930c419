"""The public outputs, for tenants and their tools: the page, one page per service, the JSON and
the Atom feeds. Each is rendered once and served from the cache (services/cache.py), so a cache
hit makes no database query; with Redis down they are built from the database.

Nothing here shows staff: the pages are rendered as nobody, the feeds have no authors but the
association, and cancelled changes never appear.
"""

import json
import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import cache, selectors
from .models import Status

# The cached page holds this where the CSP nonce goes; each response gets its own nonce.
NONCE_PLACEHOLDER = "__csp-nonce__"
# Feed entry ids are urn:uuid: names made from this and the change's id, never from the host
# name, so one change is one entry however the feed was reached (RFC 4122 name-based UUIDs).
ENTRY_NAMESPACE = uuid.UUID("8f0d6a53-3c55-4c1e-9a5e-6f1b7d0c2e41")


def entry_id(change):
    return uuid.uuid5(ENTRY_NAMESPACE, f"status-change:{change.pk}").urn


def feed_id(name):
    return uuid.uuid5(ENTRY_NAMESPACE, f"feed:{name}").urn


def origin(request):
    return f"{request.scheme}://{request.get_host()}"


def public_response(entry, body, content_type, cors=False, request=None):
    """`body` with the entry's ETag, kept by browsers and proxies but checked on every visit, so
    a change shows the next time the page is opened; given the `request`, a browser that holds
    the current entry gets a 304 without the body."""
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = cache.etag(entry)
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    if cors:
        # Public data with no credentials: any website or tool may read it.
        response["Access-Control-Allow-Origin"] = "*"
    if request is None:
        return response
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    if conditional.status_code == 304:
        if cors:
            conditional["Access-Control-Allow-Origin"] = "*"
        # The browser shows the body it kept, with the CSP nonce that body was sent with: a new
        # policy here would replace the kept one (Chromium updates stored headers from a 304)
        # and block the page's scripts. With no body, a 304 has nothing for a policy to guard.
        conditional._csp_exempt = True
    return conditional


def _contact():
    return {
        "centre": selectors.contact_centre(at=timezone.now()),
        "phone": settings.CONTACT_PHONE,
        "email": settings.CONTACT_EMAIL,
        "hours": settings.CONTACT_HOURS,
        "emergency_phone": settings.EMERGENCY_REPAIRS_PHONE,
    }


def _render_page(request, template, context):
    html = render_to_string(
        template,
        {
            **context,
            "contact": _contact(),
            # The same page for everyone: rendered as nobody, so a signed-in manager's name,
            # role or messages never reach the cache.
            "user": AnonymousUser(),
            "messages": (),
            "nav_items": (),
        },
        request=request,
    )
    return html.replace(str(request.csp_nonce), NONCE_PLACEHOLDER)


def _page_response(request, entry):
    body = entry["body"].replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
    return public_response(entry, body, "text/html; charset=utf-8", request=request)


def public_page(request):
    def build():
        overview = selectors.public_overview(at=timezone.now())
        html = _render_page(request, "services/public.html", {"overview": overview})
        return html, overview.next_change_at

    return _page_response(request, cache.get_or_build("page", build))


def service_page(request, slug):
    def build():
        # A slug that is not a service raises Http404 here, and nothing is cached.
        view = selectors.public_service(slug=slug, at=timezone.now())
        html = _render_page(request, "services/public_service.html", {"view": view})
        return html, view.next_change_at

    try:
        entry = cache.get_or_build(f"service:{slug}", build)
    except Http404:
        # In the tenants' layout, not the staff one, with the way back to every service.
        html = render_to_string(
            "services/public_404.html", {"contact": _contact(), "user": AnonymousUser()}, request
        )
        return HttpResponseNotFound(html)
    return _page_response(request, entry)


# Where a tenant came to the accessibility statement from: its back link returns there.
CAME_FROM = {"help-centre": "help_centre:home"}


def accessibility(request):
    """The accessibility statement for the tenants' pages, in their layout (the staff one at
    /accessibility/ leads to staff sign-in), with the way back to the page it was opened from."""
    came_from = request.GET.get("from", "")
    back = CAME_FROM.get(came_from, "services:public")

    def build():
        html = _render_page(request, "services/public_accessibility.html", {"back": back})
        # The contact details follow the Customer Contact Centre's status.
        return html, selectors.next_change_at(at=timezone.now())

    kind = f"accessibility:{came_from if came_from in CAME_FROM else ''}"
    return _page_response(request, cache.get_or_build(kind, build))


def public_json(request):
    """Our own JSON, kept for the association's website: see the README."""

    def build():
        status = selectors.public_status(at=timezone.now())
        page = request.build_absolute_uri(reverse("services:public"))
        data = {
            "organisation": settings.ORGANISATION_NAME,
            "page": page,
            "updated_at": _iso(status.last_updated),
            "statuses": [
                {"status": s.value, "label": s.label, "description": s.description} for s in Status
            ],
            "services": [
                {
                    "id": service.slug,
                    "name": service.name,
                    "status": service.current.status,
                    "status_label": service.current.get_status_display(),
                    "message": service.current.message,
                    "updated_at": _iso(service.current.effective_at),
                    "url": f"{page}#{service.slug}",
                }
                for service in status.services
            ],
        }
        return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder), status.next_change_at

    entry = cache.get_or_build(f"json:{origin(request)}", build)
    return public_response(entry, entry["body"], "application/json", cors=True, request=request)


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


class StatusFeed(Feed):
    """Each change as it takes effect. No author on entries: staff names never go public."""

    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        self.at = timezone.now()
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return _("%(organisation)s: service status") % {"organisation": settings.ORGANISATION_NAME}

    def subtitle(self):
        return _("Changes to our services, as they take effect.")

    def link(self):
        return reverse("services:public")

    def feed_url(self):
        return reverse("services:feed")

    def feed_guid(self):
        return feed_id("all")

    def author_name(self):
        return settings.ORGANISATION_NAME

    def items(self):
        return selectors.changes_in_force(at=self.at)

    def item_title(self, change):
        return f"{change.service.name}: {change.get_status_display()}"

    def item_description(self, change):
        # Atom says this summary is HTML: escape the plain-text message so a reader shows it
        # as typed and never runs markup from it.
        return escape(change.message)

    def item_link(self, change):
        return reverse("services:service", args=[change.service.slug])

    def item_guid(self, change):
        return entry_id(change)

    def item_pubdate(self, change):
        return change.effective_at

    def item_updateddate(self, change):
        return change.effective_at

    def item_categories(self, change):
        return [change.get_status_display()]


class ServiceFeed(StatusFeed):
    """One service's changes, for a tenant who follows only that one."""

    def get_object(self, request, slug):
        return selectors.get_service(slug)

    def title(self, service):
        return _("%(service)s: service status") % {"service": service.name}

    def link(self, service):
        return reverse("services:service", args=[service.slug])

    def feed_url(self, service):
        return reverse("services:service_feed", args=[service.slug])

    def feed_guid(self, service):
        return feed_id(f"service:{service.pk}")

    def items(self, service):
        return selectors.changes_in_force(at=self.at, service=service)


def _feed_response(request, kind, feed, **kwargs):
    def build():
        body = feed(request, **kwargs).content.decode()
        return body, selectors.next_change_at(at=feed.at)

    entry = cache.get_or_build(f"{kind}:{origin(request)}", build)
    return public_response(
        entry, entry["body"], "application/atom+xml; charset=utf-8", cors=True, request=request
    )


def public_feed(request):
    return _feed_response(request, "feed", StatusFeed())


def service_feed(request, slug):
    return _feed_response(request, f"feed:{slug}", ServiceFeed(), slug=slug)
