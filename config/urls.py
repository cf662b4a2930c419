from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("more/", views.more, name="more"),
    path("accounts/", include("accounts.urls")),
    path("", include("subscriptions.urls")),
    path("", include("services.urls")),
    path("imports/", include("imports.urls")),
    path("tenants/import/", include("tenants.import_urls")),
    path("tenants/", include("tenants.urls")),
    path("arrears/", include("arrears.urls")),
    path("queue/", include("welfare.urls")),
    path("campaigns/", include("welfare.campaign_urls")),
    path("providers/", include("welfare.provider_urls")),
    path("help/", include("here_to_help.urls")),
    path("", include("here_to_help.public_urls")),
    path("messages/", include("messaging.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("django-admin/", admin.site.urls),
]

handler403 = "config.views.error_403"
handler404 = "config.views.error_404"
handler500 = "config.views.error_500"
