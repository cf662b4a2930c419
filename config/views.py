import importlib

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.access import manager_required, staff_required
from tenants.selectors import log_tenants_listed

from .navigation import more_sections


@staff_required
def home(request):
    panels = home_panels(request.user)
    # The panels that list rows about tenants (arrears reviews due, requests to consider) are a
    # list page too: one access-log row naming the tenants shown.
    shown = [
        row.tenant_id
        for panel in panels
        for rows in panel.values()
        if isinstance(rows, list)
        for row in rows
        if hasattr(row, "tenant_id")
    ]
    log_tenants_listed(request.user, shown, request.path)
    return render(request, "home.html", {"panels": panels})


PANEL_APPS = ["welfare", "here_to_help", "arrears", "tenants", "services"]


def home_panels(user):
    """Work waiting for this person. Each app's `panels.panels(user)` returns its own panels:
    dicts with a `template` to include and whatever that template needs."""
    panels = []
    for app in PANEL_APPS:
        try:
            module = importlib.import_module(f"{app}.panels")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.panels":
                raise
            continue
        panels.extend(module.panels(user))
    return panels


@manager_required
def more(request):
    """The manager's menu entry "More": the sections they open now and then, each a link."""
    return render(request, "more.html", {"sections": more_sections(request.user)})


def accessibility(request):
    return render(request, "accessibility.html")


@never_cache
def healthz(request):
    """Whether the database and Redis answer. No sign-in, no personal data."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "error"
    return "ok"


def _check_redis():
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception:
        return "error"
    return "ok"


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
