from django.urls import path

from . import import_views

app_name = "tenant_import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("unassigned/", import_views.unassigned, name="unassigned"),
]
