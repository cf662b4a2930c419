"""Subscribing to the status page (public, no sign-in) and the managers' counts.

Every answer is the same whether or not an address is subscribed, and requests are limited per
address and per IP address (RATE_LIMITS), so the form cannot be used to learn who subscribes or
to send floods of messages. With Redis down the limits are counted in the database instead
(RateCount), so subscribing still works.
"""

import hashlib
import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from redis.exceptions import RedisError

from accounts.access import manager_required
from services.models import Service
from services.public import _contact

from . import actions
from .forms import CodeForm, SubscribeForm
from .models import Channel, RateCount, Subscriber

logger = logging.getLogger(__name__)

# scope -> (requests allowed, per seconds)
RATE_LIMITS = {"address": (3, 3600), "ip": (10, 3600)}
SESSION_PHONE = "subscriptions:phone"


def rate_key(scope, value):
    # Hashed: the address itself is personal data and stays out of Redis.
    return f"subscriptions:rate:{scope}:{hashlib.sha256(value.encode()).hexdigest()}"


def within_limit(scope, value):
    allowed, seconds = RATE_LIMITS[scope]
    key = rate_key(scope, value)
    try:
        cache.add(key, 0, seconds)
        return cache.incr(key) <= allowed
    except RedisError:
        logger.warning("Redis unreachable: subscription limits counted in the database")
        return _within_limit_in_database(key, allowed, seconds)


@transaction.atomic
def _within_limit_in_database(key, allowed, seconds):
    now = timezone.now()
    RateCount.objects.filter(key=key, at__lt=now - timedelta(seconds=seconds)).delete()
    RateCount.objects.create(key=key, at=now)
    return RateCount.objects.filter(key=key).count() <= allowed


def _page(request, template, context=None, status=200):
    context = {"contact": _contact(), **(context or {})}
    return render(request, f"subscriptions/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
def subscribe(request):
    # Only when the page opens: after a POST the boxes say what the person chose.
    chosen = _chosen_from_link(request) if request.method == "GET" else []
    form = SubscribeForm(request.POST or None, initial={"services": [s.pk for s in chosen]})
    if request.method == "POST" and form.is_valid():
        channel, address = form.cleaned_data["channel"], form.cleaned_data["address"]
        ip = request.META.get("REMOTE_ADDR", "")
        # Both counted every time, so a flood from one place or at one address is cut off.
        ip_ok, address_ok = within_limit("ip", ip), within_limit("address", address)
        if ip_ok and address_ok:
            actions.subscribe(
                channel=channel, address=address, services=list(form.cleaned_data["services"])
            )
        if channel == Channel.SMS:
            request.session[SESSION_PHONE] = address
            return redirect("subscriptions:code")
        return redirect("subscriptions:check_email")
    return _page(request, "subscribe.html", {"form": form, "chosen": chosen})


def _chosen_from_link(request):
    """A service's page links here with `?service=<slug>`: that service comes ticked."""
    slug = request.GET.get("service", "")
    return list(Service.objects.filter(slug=slug)) if slug else []


def check_email(request):
    return _page(request, "check_email.html")


@require_http_methods(["GET", "POST"])
def code(request):
    form = CodeForm(request.POST or None, initial={"phone": request.session.get(SESSION_PHONE)})
    wrong = False
    if request.method == "POST" and form.is_valid():
        if within_limit("ip", request.META.get("REMOTE_ADDR", "")) and actions.confirm_code(
            address=form.cleaned_data["phone"], code=form.cleaned_data["code"]
        ):
            request.session.pop(SESSION_PHONE, None)
            return _page(request, "confirmed.html")
        wrong = True
    return _page(request, "code.html", {"form": form, "wrong": wrong})


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    # A GET only shows the button: mail scanners that open links must not confirm for someone.
    if request.method == "POST":
        if actions.confirm_link(token=token):
            return _page(request, "confirmed.html")
        return _page(request, "link_expired.html", status=404)
    return _page(request, "confirm.html")


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """One click from the message, no sign-in: the subscriber is deleted at once."""
    actions.unsubscribe(token=token)
    return _page(request, "unsubscribed.html")


@manager_required
def counts(request):
    """How many subscribe, by channel and service: counts only, never an address."""
    confirmed = Subscriber.objects.confirmed()
    by_channel = dict(
        confirmed.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    everything = confirmed.filter(all_services=True).count()
    per_service = [(service, everything + count) for service, count in _chosen_counts(confirmed)]
    return render(
        request,
        "subscriptions/counts.html",
        {
            "channels": [(label, by_channel.get(value, 0)) for value, label in Channel.choices],
            "total": sum(by_channel.values()),
            "everything": everything,
            "per_service": per_service,
            # Only those whose link or code still works: the lapsed go within the hour.
            "pending": Subscriber.objects.pending().count(),
        },
    )


def _chosen_counts(confirmed):
    through = Subscriber.services.through
    chosen = dict(
        through.objects.filter(subscriber__in=confirmed.filter(all_services=False))
        .values_list("service_id")
        .annotate(n=Count("pk"))
        .values_list("service_id", "n")
    )
    return [(service, chosen.get(service.pk, 0)) for service in Service.objects.all()]
