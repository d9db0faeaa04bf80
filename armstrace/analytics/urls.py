"""Pages under /analytics/."""

from django.urls import URLPattern, path

from armstrace.analytics import views

app_name = "analytics"
urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("sources/", views.sources, name="sources"),
    path("imports/", views.imports, name="imports"),
    path("charts/<slug:name>.svg", views.chart, name="chart"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
]
