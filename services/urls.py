from django.urls import path

from . import public, statuspage, views

app_name = "services"

urlpatterns = [
    # Public: no sign-in (TwoFactorMiddleware leaves paths starting "/status" open).
    path("status/", public.public_page, name="public"),
    path("status.json", public.public_json, name="json"),
    path("status/feed.atom", public.public_feed, name="feed"),
    # Before status/<slug>/, which would otherwise take "accessibility".
    path("status/accessibility/", public.accessibility, name="accessibility"),
    path("status/<slug:slug>/", public.service_page, name="service"),
    path("status/<slug:slug>/feed.atom", public.service_feed, name="service_feed"),
    # Managers.
    path("services/", views.register, name="register"),
    path("services/register.csv", views.register_csv, name="register_csv"),
    path("services/<slug:slug>/change/", views.change, name="change"),
    path("services/<slug:slug>/history/", views.history, name="history"),
    path("services/changes/<int:pk>/cancel/", views.cancel, name="cancel"),
]

# Atlassian Statuspage's public API v2 (services/statuspage.py), read by tools without sign-in.
urlpatterns += [
    path(f"api/v2/{name}.json", statuspage.endpoint, {"name": name}, name=f"statuspage-{name}")
    for name in statuspage.BODIES
]
