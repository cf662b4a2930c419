from django.urls import path

from . import call_views, views

app_name = "welfare"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.take_next, name="take_next"),
    path("task/<int:pk>/", views.task, name="task"),
    path("task/<int:pk>/claim/", views.claim, name="claim"),
    path("task/<int:pk>/hand-back/", views.hand_back, name="hand_back"),
    path("task/<int:pk>/log/", call_views.log_call, name="log_call"),
    path("call/<int:pk>/", call_views.call_detail, name="call"),
    path("escalations/", call_views.escalations, name="escalations"),
    path("escalations/<int:pk>/", call_views.escalation, name="escalation"),
    path("escalations/<int:pk>/action/", call_views.escalation_action, name="escalation_action"),
    path("escalations/<int:pk>/close/", call_views.escalation_close, name="escalation_close"),
    path("gaps/", call_views.queue_gaps, name="queue_gaps"),
    path("gaps/check/", call_views.run_queue_check, name="run_queue_check"),
    path("team/<int:team_id>/", views.team_queue, name="team"),
    path("team/none/", views.team_queue, name="no_team"),
    path("team/<int:team_id>/rebalance/", views.rebalance, name="rebalance"),
    path("redeploy/", views.redeploy, name="redeploy"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("cohorts/<int:pk>/", views.cohort_edit, name="cohort_edit"),
]
