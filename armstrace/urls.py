from django.contrib import admin
from django.urls import include, path

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.permissions import ALERT_REVIEW
from armstrace.api import api
from armstrace.audit.urls import alert_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("armstrace.accounts.urls")),
    path("", include("armstrace.registry.urls")),
    path("", include("armstrace.reference.urls")),
    path("", include("armstrace.search.urls")),
    path("", include("armstrace.intake.urls")),
    # audit sits below accounts: its review pages get their permission check here.
    path("audit/", include((alert_patterns(permission_required(ALERT_REVIEW)), "audit"))),
    path("quality/", include("armstrace.quality.urls")),
    path("marking/", include("armstrace.marking.urls")),
    path("tracing/", include("armstrace.tracing.urls")),
    path("analytics/", include("armstrace.analytics.urls")),
    path("federation/", include("armstrace.federation.urls")),
    path("reporting/", include("armstrace.reporting.urls")),
    path("", include("armstrace.web.urls")),
]
