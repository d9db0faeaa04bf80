from django.urls import path

from armstrace.federation import views

app_name = "federation"
urlpatterns = [
    path("v1/inbox", views.inbox_endpoint, name="inbox-endpoint"),
    path("v1/query", views.query_endpoint, name="query-endpoint"),
    path("v1/schemas", views.schemas, name="schemas"),
    path("peers/", views.peer_list, name="peers"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("inbox/", views.inbox_list, name="inbox"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/publish/", views.alert_publish, name="alert-publish"),
    path("existence/", views.existence_list, name="existence"),
    path("national-search/", views.national_search, name="national-search"),
    path("consistency/", views.consistency_list, name="consistency"),
    path("consistency/run/", views.consistency_run, name="consistency-run"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
]
