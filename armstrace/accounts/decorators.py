"""Every view declares who may use it, where the route is declared.

`@permission_required(PERM)` refuses anonymous users (redirect to login) and users without
the permission (403). `@public` marks the few views anyone may open. A test walks the URL
conf and fails on any view that declares neither.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from armstrace.accounts.permissions import Permission, has_permission

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
PERMISSION_ATTR = "armstrace_permission"


def permission_required(perm: Permission) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                if request.headers.get("HX-Request") == "true":
                    # htmx would follow a redirect and paint the login page into the page
                    login = resolve_url(settings.LOGIN_URL)
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseClientRedirect(f"{login}?{query}")
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, perm):
                raise HttpForbidden(perm.code)
            return view(request, *args, **kwargs)

        setattr(wrapped, PERMISSION_ATTR, perm.code)
        return wrapped  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    setattr(view, PERMISSION_ATTR, "public")
    return view
