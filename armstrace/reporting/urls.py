"""Pages under /reporting/."""

from django.urls import path

from armstrace.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.national_report, name="national"),
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/export/", views.notice_export, name="notice-export"),
    path("notices/<int:pk>/send/", views.notice_send, name="notice-send"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge, name="notice-acknowledge"),
    path("recipients/", views.recipient_list, name="recipient-list"),
    path("recipients/new/", views.recipient_form, name="recipient-create"),
    path("recipients/<int:pk>/", views.recipient_form, name="recipient-edit"),
    path("assistance/", views.assistance_list, name="assistance-list"),
    path("assistance/new/", views.assistance_create, name="assistance-create"),
    path("assistance/export.csv", views.assistance_csv, name="assistance-csv"),
    path("assistance/<int:pk>/", views.assistance_detail, name="assistance-detail"),
    path("assistance/<int:pk>/match/", views.assistance_match, name="assistance-match"),
    path("assistance/<int:pk>/status/", views.assistance_status, name="assistance-status"),
]
