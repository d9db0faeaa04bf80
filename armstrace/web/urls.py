from django.urls import path

from armstrace.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
