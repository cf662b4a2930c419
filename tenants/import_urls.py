from django.urls import path

from . import import_views

app_name = "tenant_import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("check/", import_views.check, name="check"),
    path("result/", import_views.result, name="result"),
    path("rejected-rows/", import_views.rejected_rows, name="rejected_rows"),
    path("cancel/", import_views.cancel, name="cancel"),
    path("unassigned/", import_views.unassigned, name="unassigned"),
]
