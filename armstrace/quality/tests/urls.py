"""The project's URLs with the quality pages under quality/, whether or not the project's
URL conf includes them yet (both named by string, as Django resolves them)."""

from django.urls import URLResolver, get_resolver, include, path

PROJECT_URLS = "armstrace.urls"  # not settings.ROOT_URLCONF: the tests point it here

_included = any(
    isinstance(p, URLResolver) and p.namespace == "quality"
    for p in get_resolver(PROJECT_URLS).url_patterns
)

urlpatterns = [path("", include(PROJECT_URLS))]
if not _included:
    urlpatterns.insert(0, path("quality/", include("armstrace.quality.urls")))
