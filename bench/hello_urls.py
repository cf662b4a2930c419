"""The application's URLs plus a hello-world view, the floor that any page served by the same
gunicorn and middleware can reach, and a signed-in no-op POST (bench/take_next_http.py). Only
bench/hello_settings.py uses this module."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import User
from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


@require_POST
@role_required(User.Role.OFFICER)
def noop(request):
    """What "Take next call" costs before its own work: sign-in, role, CSRF, a redirect."""
    return redirect("/_bench/hello")


urlpatterns = [path("_bench/hello", hello), path("_bench/noop", noop), *urlpatterns]
