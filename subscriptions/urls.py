from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    # Public (TwoFactorMiddleware leaves paths starting "/status" open); before services' urls,
    # whose status/<slug>/ would otherwise take "subscribe".
    path("status/subscribe/", views.subscribe, name="subscribe"),
    path("status/subscribe/check-your-email/", views.check_email, name="check_email"),
    path("status/subscribe/code/", views.code, name="code"),
    path("status/subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("status/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Managers: counts only.
    path("services/subscribers/", views.counts, name="counts"),
]
