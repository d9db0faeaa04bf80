from django.contrib import admin
from django.urls import include, path

from armstrace.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("armstrace.accounts.urls")),
    path("", include("armstrace.registry.urls")),
    path("", include("armstrace.reference.urls")),
    path("", include("armstrace.search.urls")),
    path("", include("armstrace.intake.urls")),
    path("quality/", include("armstrace.quality.urls")),
    path("marking/", include("armstrace.marking.urls")),
    path("tracing/", include("armstrace.tracing.urls")),
    path("", include("armstrace.web.urls")),
]
