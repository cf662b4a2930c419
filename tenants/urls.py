from django.urls import path

from . import email_views, phone_views, views

app_name = "tenants"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/flags/", views.edit_flags, name="edit_flags"),
    path("<int:pk>/family/add/", views.family_contact, name="add_family_contact"),
    path("<int:pk>/family/<int:contact_pk>/", views.family_contact, name="edit_family_contact"),
    path("<int:pk>/access/", views.access_log, name="access_log"),
    path("<int:pk>/access.csv", views.access_log_csv, name="access_log_csv"),
    path("<int:pk>/numbers/", phone_views.numbers, name="numbers"),
    path("<int:pk>/email/", email_views.email, name="email"),
]
