from django.urls import path

from armstrace.federation import views

app_name = "federation"
urlpatterns = [
    path("v1/inbox", views.inbox_endpoint, name="inbox-endpoint"),
    path("v1/schemas", views.schemas, name="schemas"),
    path("peers/", views.peer_list, name="peers"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("inbox/", views.inbox_list, name="inbox"),
]
