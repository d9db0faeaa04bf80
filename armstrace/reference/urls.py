from django.urls import path  # noqa: F401

app_name = "reference"
urlpatterns: list = []  # type: ignore[type-arg]
