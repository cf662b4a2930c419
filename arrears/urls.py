from django.urls import path

from . import views

app_name = "arrears"

urlpatterns = [
    path("", views.flags, name="flags"),
    path("flags.csv", views.flags_csv, name="flags_csv"),
    path("unflagged/", views.unflagged, name="unflagged"),
    path("unflagged.csv", views.unflagged_csv, name="unflagged_csv"),
    # ?tenant=<id> (and &request=<id> from a Here to Help request): the tenant to flag.
    path("raise/", views.raise_flag, name="raise"),
    path("<int:pk>/", views.flag, name="flag"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/support/add/", views.add_support, name="add_support"),
    path("<int:pk>/support/<int:support_pk>/", views.support_outcome, name="support_outcome"),
    path("<int:pk>/close/", views.close, name="close"),
]
