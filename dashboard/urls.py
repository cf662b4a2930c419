from django.urls import path

from . import list_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("refresh/", views.refresh, name="refresh"),
    # The teams, officers and trend pages' tables, before the dashboard's own tables' CSVs.
    path("teams.csv", list_views.teams_csv, name="teams_csv"),
    path("officers.csv", list_views.workload_csv, name="workload_csv"),
    path("trend.csv", list_views.trend_csv, name="trend_csv"),
    path("<slug:table>.csv", views.table_csv, name="csv"),
    # The lists behind the counts, and the workload by officer (issue 20).
    path("officers/", list_views.officer_workload, name="workload"),
    path("teams/", list_views.teams, name="teams"),
    path("trend/", list_views.trend, name="trend"),
    path("lists/<slug:name>/", list_views.figure_list, name="list"),
    path("lists/<slug:name>.csv", list_views.figure_list_csv, name="list_csv"),
]
