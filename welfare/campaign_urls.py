from django.urls import path

from . import campaign_day_views as lists
from . import campaign_figure_views as figures
from . import campaign_views as views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaigns, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign, name="detail"),
    path("<int:pk>/progress.csv", views.campaign_csv, name="csv"),
    path("<int:pk>/days.csv", views.campaign_days_csv, name="days_csv"),
    path("<int:pk>/tenants/", figures.campaign_tenants, name="tenants"),
    path("<int:pk>/tenants.csv", figures.campaign_tenants_csv, name="tenants_csv"),
    path("<int:pk>/today/", figures.campaign_today, name="today"),
    path("<int:pk>/calls/", lists.campaign_day_calls, name="day_calls"),
    path("<int:pk>/calls.csv", lists.campaign_day_calls_csv, name="day_calls_csv"),
    path("<int:pk>/queue/", lists.campaign_queue_today, name="queue_today"),
    path("<int:pk>/queue.csv", lists.campaign_queue_today_csv, name="queue_today_csv"),
    path("<int:pk>/pause/", views.campaign_pause, name="pause"),
    path("<int:pk>/restart/", views.campaign_resume, name="resume"),
    path("<int:pk>/extend/", views.campaign_extend, name="extend"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/list/", views.campaign_import, name="import"),
]
