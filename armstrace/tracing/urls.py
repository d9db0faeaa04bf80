from django.urls import path

from armstrace.tracing import views

app_name = "tracing"
urlpatterns = [
    path("", views.trace_list, name="trace-list"),
    path("new/", views.trace_create, name="trace-create"),
    path("new/suggest/", views.trace_suggest, name="trace-suggest"),
    path("overdue/", views.overdue_dashboard, name="overdue"),
    path("cases/", views.case_view, name="case"),
    path("portal/<str:token>/", views.portal_answer, name="portal"),
    path("<str:request_id>/", views.trace_detail, name="trace-detail"),
    path("<str:request_id>/transition/", views.trace_transition, name="trace-transition"),
    path("<str:request_id>/export/", views.trace_export, name="trace-export"),
    path("<str:request_id>/received/", views.trace_receive, name="trace-receive"),
    path("<str:request_id>/questions/", views.question_send, name="question-send"),
    path(
        "<str:request_id>/questions/<int:question_id>/revoke/",
        views.question_revoke,
        name="question-revoke",
    ),
    path("<str:request_id>/answers/", views.trace_draft, name="trace-draft"),
    path(
        "<str:request_id>/answers/<int:answer_id>/release/",
        views.trace_release,
        name="trace-release",
    ),
    path(
        "<str:request_id>/answers/<int:answer_id>/export/",
        views.answer_export,
        name="answer-export",
    ),
    path(
        "<str:request_id>/answers/<int:answer_id>/follow-up/",
        views.trace_follow_up,
        name="trace-follow-up",
    ),
]
