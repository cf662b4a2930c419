"""The application's URLs plus a hello-world view: the floor that any page served by the same
gunicorn and middleware can reach. Only bench/hello_settings.py uses this module."""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("_bench/hello", hello), *urlpatterns]
