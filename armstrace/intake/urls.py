from django.urls import path

from armstrace.intake import views

app_name = "intake"
urlpatterns = [
    path("imports/", views.runs, name="runs"),
    path("documents/<int:pk>/", views.document, name="document"),
]
