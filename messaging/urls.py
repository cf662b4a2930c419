from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.index, name="index"),
    path("kinds/", views.kinds, name="kinds"),
    path("kinds/<slug:kind>/", views.kind_change, name="kind_change"),
    path("bulk/", views.bulk_list, name="bulk_list"),
    path("bulk/new/", views.bulk_new, name="bulk_new"),
    path("bulk/<int:pk>/", views.bulk_detail, name="bulk"),
    path("bulk/<int:pk>/change/", views.bulk_change, name="bulk_change"),
    path("bulk/<int:pk>/left-out.csv", views.bulk_left_out_csv, name="bulk_left_out_csv"),
    path("bulk/<int:pk>/<slug:action>/", views.bulk_action, name="bulk_action"),
    path("tenants/<int:pk>/", views.tenant_preferences, name="tenant_preferences"),
    path("notify/callback", views.notify_callback, name="notify_callback"),
]
