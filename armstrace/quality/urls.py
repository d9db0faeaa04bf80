from django.urls import path

from armstrace.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.report, name="report"),
    path("run/", views.run, name="run"),
    path("rules/<str:code>/", views.rule_detail, name="rule"),
    path("spotchecks/", views.spotcheck_list, name="spotcheck-list"),
    path("spotchecks/mine/", views.my_items, name="my-items"),
    path("spotchecks/<int:pk>/", views.spotcheck_detail, name="spotcheck-detail"),
    path("spotchecks/items/<int:pk>/", views.item_answer, name="item-answer"),
]
