from django.urls import path

from armstrace.reference import views

app_name = "reference"
urlpatterns = [
    path("identify/", views.identify_page, name="identify"),
    path("identify/hint/", views.identify_hint, name="identify-hint"),
]
