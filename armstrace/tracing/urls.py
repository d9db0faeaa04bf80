from django.urls import path

from armstrace.tracing import views

app_name = "tracing"
urlpatterns = [
    path("", views.trace_list, name="trace-list"),
    path("new/", views.trace_create, name="trace-create"),
    path("overdue/", views.overdue_dashboard, name="overdue"),
    path("<str:request_id>/", views.trace_detail, name="trace-detail"),
    path("<str:request_id>/transition/", views.trace_transition, name="trace-transition"),
    path("<str:request_id>/answers/", views.trace_draft, name="trace-draft"),
    path(
        "<str:request_id>/answers/<int:answer_id>/release/",
        views.trace_release,
        name="trace-release",
    ),
]
