from django.urls import path

from . import settings_views, views

app_name = "help"

urlpatterns = [
    path("", views.my_requests, name="my_requests"),
    path("requests.csv", views.my_requests_csv, name="my_requests_csv"),
    path("team/", views.team_requests, name="team_requests"),
    path("team/requests.csv", views.team_requests_csv, name="team_requests_csv"),
    path("raise/<int:tenant_pk>/", views.raise_request, name="raise"),
    path("<int:pk>/", views.request_detail, name="request"),
    path("<int:pk>/take/", views.take_ownership, name="take"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/note/", views.add_note, name="note"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/signpost/", views.signpost, name="signpost"),
    path("<int:pk>/arrears-considered/", views.arrears_considered, name="arrears_considered"),
    path("settings/", settings_views.help_settings, name="settings"),
    path("directory/", views.directory, name="directory"),
    path("directory/add/", views.organisation_add, name="organisation_add"),
    path("directory/<int:pk>/", views.organisation_detail, name="organisation"),
    path("directory/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("directory/<int:pk>/validate/", views.organisation_validate, name="organisation_validate"),
]
