from django.urls import path  # noqa: F401

app_name = "registry"
urlpatterns: list = []  # type: ignore[type-arg]
