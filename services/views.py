import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, get_tag_uri
from django.utils.html import escape
from django.views.decorators.http import require_POST

from accounts.access import manager_required

from . import actions, cache, selectors
from .forms import StatusChangeForm
from .models import Status
from .templatetags.service_status import govuk_datetime

# The cached page holds this where the CSP nonce goes; each response gets its own nonce.
NONCE_PLACEHOLDER = "__csp-nonce__"


# Managers: the register.


@manager_required
def register(request):
    services = selectors.service_register(at=timezone.now())
    counts = dict.fromkeys(Status, 0)
    for service in services:
        if service.current is not None:
            counts[service.current.status] += 1
    return render(
        request,
        "services/register.html",
        {
            "services": services,
            "counts": [(Status(status), count) for status, count in counts.items()],
            "scheduled_count": sum(len(service.scheduled) for service in services),
        },
    )


@manager_required
def change(request, slug):
    service = selectors.get_service(slug)
    current = service.status_at(timezone.now())
    form = StatusChangeForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.status_change_create(
                service=service,
                status=data["status"],
                message=data["message"],
                effective_at=data["effective_at"],
                user=request.user,
            )
        except ValidationError as error:
            # The time can pass between the form's check and the action's (a slow submit).
            for message in error.messages:
                form.add_error("time", message)
        else:
            label = made.get_status_display()
            if data["effective_at"] is None:
                messages.success(request, f"{service} is now shown as {label}.")
            else:
                when = govuk_datetime(timezone.localtime(made.effective_at))
                messages.success(request, f"{service} will change to {label} on {when}.")
            return redirect("services:register")
    return render(
        request,
        "services/change.html",
        {"service": service, "current": current, "form": form},
    )


@manager_required
def history(request, slug):
    service = selectors.get_service(slug)
    changes = selectors.service_history(service=service, at=timezone.now())
    return render(request, "services/history.html", {"service": service, "changes": changes})


@manager_required
@require_POST
def cancel(request, pk):
    change = selectors.get_change(pk)
    try:
        actions.status_change_cancel(change=change, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        when = govuk_datetime(timezone.localtime(change.effective_at))
        messages.success(request, f"Cancelled the change to {change.service} on {when}.")
    if request.POST.get("next") == "history":
        return redirect("services:history", slug=change.service.slug)
    return redirect("services:register")


# The public: a page, JSON and an Atom feed, served from the cache (services/cache.py).


def _public_response(entry, body, content_type):
    response = HttpResponse(body, content_type=content_type)
    patch_cache_control(response, public=True, max_age=cache.max_age(entry))
    return response


def public_page(request):
    entry = cache.get_or_build("page", lambda: _render_public_page(request))
    body = entry["body"].replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
    return _public_response(entry, body, "text/html; charset=utf-8")


def _render_public_page(request):
    status = selectors.public_status(at=timezone.now())
    html = render_to_string(
        "services/public.html",
        {
            "status": status,
            # The same page for everyone: rendered as nobody, so a signed-in manager's name,
            # role or messages never reach the cache.
            "user": AnonymousUser(),
            "messages": (),
            "nav_items": (),
        },
        request=request,
    )
    return html.replace(str(request.csp_nonce), NONCE_PLACEHOLDER), status.next_change_at


def public_json(request):
    origin = f"{request.scheme}://{request.get_host()}"
    entry = cache.get_or_build(f"json:{origin}", lambda: _render_public_json(request))
    response = _public_response(entry, entry["body"], "application/json")
    # Public data with no credentials: the association's website may read it from its own origin.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _render_public_json(request):
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
    return json.dumps(data, ensure_ascii=False), status.next_change_at


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


class StatusFeed(Feed):
    """Each change as it takes effect. No author on entries: staff names never go public."""

    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        self.at = timezone.now()
        self.host = request.get_host()
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return f"{settings.ORGANISATION_NAME}: service status"

    def subtitle(self):
        return "Changes to our services, as they take effect."

    def link(self):
        return reverse("services:public")

    def feed_url(self):
        return reverse("services:feed")

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
        return f"{reverse('services:public')}#{change.service.slug}"

    def item_guid(self, change):
        # A permanent id per change (several changes share a service's link).
        return get_tag_uri(f"https://{self.host}/status/change/{change.pk}", change.effective_at)

    def item_pubdate(self, change):
        return change.effective_at

    def item_updateddate(self, change):
        return change.effective_at

    def item_categories(self, change):
        return [change.get_status_display()]


def public_feed(request):
    origin = f"{request.scheme}://{request.get_host()}"

    def build():
        feed = StatusFeed()
        body = feed(request).content.decode()
        return body, selectors.next_change_at(at=feed.at)

    entry = cache.get_or_build(f"feed:{origin}", build)
    response = _public_response(entry, entry["body"], "application/atom+xml; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
