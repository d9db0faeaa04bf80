"""Every route declares who may use it: `@permission_required(PERM)` or `@public`.

Walks the whole URL conf; a new view without a declaration fails here, not in production.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path

from armstrace.accounts.decorators import PERMISSION_ATTR, permission_required, public
from armstrace.accounts.permissions import VOCABULARY
from armstrace.registry.permissions import WEAPON_VIEW

# The admin checks is_staff itself; the API has its own declaration test; files are public.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_PREFIXES = ("api/v1/", "static/", "media/")


def walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, object]]:
    """(route, view) for every view reachable from `patterns`, skipping the exempt ones."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, route)
        else:
            yield route, entry.callback


def undeclared(urlconf: str | None = None) -> list[str]:
    return [
        route
        for route, view in walk(get_resolver(urlconf).url_patterns)
        if not hasattr(view, PERMISSION_ATTR)
    ]


def test_every_view_declares_a_permission_or_is_marked_public():
    assert undeclared() == []


def test_declared_permissions_belong_to_the_vocabulary():
    for route, view in walk(get_resolver().url_patterns):
        code = getattr(view, PERMISSION_ATTR)
        assert code == "public" or code in VOCABULARY, (route, code)


def test_the_walk_reaches_the_registry_and_the_sign_in_pages():
    routes = {route for route, _ in walk(get_resolver().url_patterns)}
    assert {"weapons/", "weapons/<uuid:pk>/events/new/", "login/", "logout/", ""} <= routes


# A URL conf of its own, to prove the check catches a view that declares nothing.
def bare_view(request):
    return HttpResponse()


urlpatterns = [
    path("bare/", bare_view),
    path("open/", public(lambda request: HttpResponse())),
    path("guarded/", permission_required(WEAPON_VIEW)(bare_view)),
    path("api/v1/skipped/", bare_view),
]


def test_a_view_without_a_declaration_is_reported():
    assert undeclared(__name__) == ["bare/"]
