from django.urls import path  # noqa: F401

app_name = "search"
urlpatterns: list = []  # type: ignore[type-arg]
