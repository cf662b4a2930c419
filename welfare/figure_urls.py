from django.urls import path

from . import figure_views

app_name = "figures"

urlpatterns = [
    path("workload/", figure_views.officer_workload, name="workload"),
    path("<slug:name>/", figure_views.figure_list, name="list"),
    path("<slug:name>.csv", figure_views.figure_list_csv, name="csv"),
]
