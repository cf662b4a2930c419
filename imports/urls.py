from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.your_imports, name="list"),
    path("new/<slug:kind>/", views.upload, name="upload"),
    path("new/<slug:kind>/sample.csv", views.sample, name="sample"),
    path("<int:pk>/", views.job, name="job"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/rejected-rows/", views.rejected_rows, name="rejected_rows"),
]
