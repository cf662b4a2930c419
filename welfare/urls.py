from django.urls import path

from . import views

app_name = "welfare"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.take_next, name="take_next"),
    path("task/<int:pk>/", views.task, name="task"),
    path("task/<int:pk>/claim/", views.claim, name="claim"),
    path("task/<int:pk>/hand-back/", views.hand_back, name="hand_back"),
    path("team/<int:team_id>/", views.team_queue, name="team"),
    path("team/none/", views.team_queue, name="no_team"),
    path("team/<int:team_id>/rebalance/", views.rebalance, name="rebalance"),
    path("redeploy/", views.redeploy, name="redeploy"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("cohorts/<int:pk>/", views.cohort_edit, name="cohort_edit"),
]
