from django.urls import path

from . import call_views, control_views, escalation_csv, provider_views, views, visit_views

app_name = "welfare"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.take_next, name="take_next"),
    path("today/", views.calls_today, name="calls_today"),
    path("today.csv", views.calls_today_csv, name="calls_today_csv"),
    path("task/<int:pk>/", views.task, name="task"),
    path("task/<int:pk>/claim/", views.claim, name="claim"),
    path("task/<int:pk>/hand-back/", views.hand_back, name="hand_back"),
    path("task/<int:pk>/log/", call_views.log_call, name="log_call"),
    path("call/<int:pk>/", call_views.call_detail, name="call"),
    path("check-in/<int:pk>/", provider_views.check_in_task, name="check_in"),
    path("check-in/<int:pk>/record/", provider_views.check_in_task_record, name="check_in_record"),
    path("check-in/<int:pk>/claim/", provider_views.check_in_task_claim, name="check_in_claim"),
    path(
        "check-in/<int:pk>/hand-back/",
        provider_views.check_in_task_hand_back,
        name="check_in_hand_back",
    ),
    path("escalations/", call_views.escalations, name="escalations"),
    path("escalations.csv", escalation_csv.escalations_csv, name="escalations_csv"),
    path("escalations/<int:pk>/", call_views.escalation, name="escalation"),
    path("escalations/<int:pk>/action/", call_views.escalation_action, name="escalation_action"),
    path("escalations/<int:pk>/close/", call_views.escalation_close, name="escalation_close"),
    path("escalations/<int:pk>/visit/", visit_views.visit_raise, name="visit_raise"),
    path("visits/", visit_views.visits, name="visits"),
    path("visits/<int:pk>/", visit_views.visit, name="visit"),
    path("visits/<int:pk>/record/", visit_views.visit_record, name="visit_record"),
    path("ladder/", visit_views.ladder, name="ladder"),
    path("gaps/", call_views.queue_gaps, name="queue_gaps"),
    path("gaps/check/", call_views.run_queue_check, name="run_queue_check"),
    path("team/<int:team_id>/", views.team_queue, name="team"),
    path("team/none/", views.team_queue, name="no_team"),
    path("team/<int:team_id>/rebalance/", views.rebalance, name="rebalance"),
    path("redeploy/", views.redeploy, name="redeploy"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("cohorts/<int:pk>/", views.cohort_edit, name="cohort_edit"),
    # The managers' control room (issue 20).
    path("team/<int:team_id>.csv", control_views.queue_csv, name="team_csv"),
    path("team/none.csv", control_views.queue_csv, name="no_team_csv"),
    path("rebuilds/<int:pk>/", control_views.rebuild, name="rebuild"),
    path("changes/<int:pk>/undo/", control_views.undo, name="undo"),
    path("task/<int:pk>/history/", control_views.task_history, name="task_history"),
    path("officer/<int:pk>/history/", control_views.officer_history, name="officer_history"),
    path("redeploy/<int:pk>/end/", control_views.redeployment_end, name="redeployment_end"),
    path("settings/", control_views.queue_settings, name="queue_settings"),
    path("escalations/<int:pk>/owner/", control_views.escalation_owner, name="escalation_owner"),
]
