"""Pages under /reporting/."""

from django.urls import URLPattern, path  # noqa: F401 (the app's pages are added here)

app_name = "reporting"
urlpatterns: list[URLPattern] = []
