"""API authentication and authorisation.

Machines send `Authorization: Bearer <token>` (a token from `services.issue_token`); the
browser uses its Django session, with the CSRF token on unsafe methods. Every handler
declares its permission with `@requires(PERM)` (or `@signed_in`) where its route is
declared, as views do with `@permission_required`; the decorator also runs the handler
in an audit context naming the caller, since the middleware opened its context before
the token was read.
"""

# No `from __future__ import annotations` in API modules: ninja resolves a handler's
# annotations in the globals of the wrapper made here, so they must not be strings.

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import HttpError
from ninja.operation import Operation
from ninja.security import HttpBearer, SessionAuth

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.middleware import must_verify
from armstrace.accounts.models import Agency, User
from armstrace.accounts.permissions import VOCABULARY, Permission, has_permission, roles_of
from armstrace.accounts.selectors import token_address_refused
from armstrace.accounts.services import record_token_failure, user_for_token
from armstrace.core.context import AuditContext, audit_context, optional_context
from armstrace.core.exceptions import PermissionDenied

Handler = TypeVar("Handler", bound=Callable[..., Any])
SIGNED_IN = "authenticated"  # the permission code of endpoints open to any signed-in user


class TooManyFailures(HttpError):
    """429: this address sent too many bad tokens; every token from it waits."""

    def __init__(self) -> None:
        minutes = settings.ARMSTRACE_LOCKOUT_MINUTES
        message = _(
            "Too many failed authentications from this address: it is refused until "
            "%(minutes)d minutes after its last failure."
        ) % {"minutes": minutes}
        super().__init__(status_code=429, message=message)


class TokenAuth(HttpBearer):
    """A bearer token: valid, unexpired, unrevoked, of an active user. An address whose
    bad tokens reach ARMSTRACE_LOGIN_FAILURE_LIMIT is refused (429), good tokens too, for
    ARMSTRACE_LOCKOUT_MINUTES: otherwise guessing would have no bound."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        address = request.META.get("REMOTE_ADDR", "")
        if token_address_refused(address):
            raise TooManyFailures
        user = user_for_token(token)
        if user is None:
            if record_token_failure(ip_address=address) >= settings.ARMSTRACE_LOGIN_FAILURE_LIMIT:
                raise TooManyFailures
            return None
        request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser's login session. Anonymous callers get 401, not a CSRF refusal; so does
    a session still waiting for its second factor."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated or must_verify(request):
            return None
        return super().__call__(request)  # checks CSRF on unsafe methods


def caller(request: HttpRequest) -> User:
    """The authenticated user; every handler runs after authentication."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(SIGNED_IN, _("Authentication is required."))
    return user


def refuse(perm: Permission, agency: Agency | None = None) -> PermissionDenied:
    if agency is None:
        message = _("The permission %(permission)s is required.") % {"permission": perm.code}
    else:
        message = _("The permission %(permission)s is required for %(agency)s.") % {
            "permission": perm.code,
            "agency": agency.code,
        }
    return PermissionDenied(perm.code, message)


def check_scope(request: HttpRequest, perm: Permission, agency: Agency) -> None:
    """Refuse unless the caller holds `perm` for this agency (writes are agency-scoped)."""
    if not has_permission(caller(request), perm, agency=agency):
        raise refuse(perm, agency)


@contextlib.contextmanager
def acting_as(request: HttpRequest) -> Iterator[AuditContext]:
    """An audit context naming the caller; keeps the request's correlation id."""
    user = caller(request)
    outer = optional_context()
    with audit_context(
        actor_id=user.pk,
        actor_name=user.get_username(),
        channel="api",
        correlation_id=outer.correlation_id if outer is not None else None,
    ) as ctx:
        yield ctx


def _guarded(code: str, perm: Permission | None) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if perm is not None and not has_permission(caller(request), perm):
                raise refuse(perm)
            with acting_as(request):
                return handler(request, *args, **kwargs)

        setattr(wrapped, PERMISSION_ATTR, code)
        setattr(wrapped, PERMISSION_OBJECT, perm)
        return cast(Handler, wrapped)

    return decorate


PERMISSION_OBJECT = "armstrace_permission_object"


class _PermissionFirst(Operation):
    """Ninja validates the parameters and the body before the handler runs; a caller
    without the permission must be refused first, not told what a valid body looks like."""

    def _run_checks(self, request: HttpRequest) -> HttpResponse | None:
        error = super()._run_checks(request)
        if error is not None:
            return error
        perm: Permission | None = getattr(self.view_func, PERMISSION_OBJECT, None)
        if perm is not None and not has_permission(request.user, perm):
            return self.api.on_exception(request, refuse(perm))
        return None


def operations(api: NinjaAPI) -> Iterator[tuple[str, Operation]]:
    """(full path under the API, operation) for every mounted operation, nested routers
    included (ninja's bound routers hold the operations the URLs call)."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            prefix = bound.prefix.strip("/")
            full = "/".join(part for part in (prefix, path.strip("/")) if part)
            for operation in path_view.operations:
                yield "/" + full, operation


def permission_first(api: NinjaAPI) -> None:
    """Check every operation's declared permission before its input (call once mounted)."""
    for _path, operation in operations(api):
        if type(operation) is Operation:
            operation.__class__ = _PermissionFirst


def requires(perm: Permission) -> Callable[[Handler], Handler]:
    """Refuse (403) callers who hold `perm` for no agency at all."""
    return _guarded(perm.code, perm)


def signed_in(handler: Handler) -> Handler:
    """Open to any authenticated caller."""
    return _guarded(SIGNED_IN, None)(handler)


router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    agency: str | None
    roles: list[str]
    permissions: list[str]
    token_scopes: list[str] | None


@router.get("/me", response=MeOut)
@signed_in
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the API takes the caller to be, and what they may do."""
    user = caller(request)
    return {
        "username": user.get_username(),
        "agency": user.agency.code if user.agency is not None else None,
        "roles": sorted(roles_of(user)),
        "permissions": sorted(c for c, p in VOCABULARY.items() if has_permission(user, p)),
        "token_scopes": getattr(user, "_armstrace_token_scopes", None),
    }
