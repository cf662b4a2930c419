from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    # Public: no sign-in (TwoFactorMiddleware leaves paths starting "/status" open).
    path("status/", views.public_page, name="public"),
    path("status.json", views.public_json, name="json"),
    path("status/feed.atom", views.public_feed, name="feed"),
    # Managers.
    path("services/", views.register, name="register"),
    path("services/<slug:slug>/change/", views.change, name="change"),
    path("services/<slug:slug>/history/", views.history, name="history"),
    path("services/changes/<int:pk>/cancel/", views.cancel, name="cancel"),
]
