"""The REST API under /api/v1 (django-ninja); each app contributes a router.

Domain errors are mapped to HTTP here, once: a broken business rule is 422 in the same
shape as ninja's own validation errors, a refusal is 403, a missing credential 401.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError, ValidationErrorContext

from armstrace.accounts.api import BrowserSessionAuth, TokenAuth, permission_first
from armstrace.accounts.api import router as accounts_router
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.marking.api import router as marking_router
from armstrace.reference.api import router as reference_router
from armstrace.registry.api import router as registry_router
from armstrace.reporting.api import router as reporting_router
from armstrace.search.api import router as search_router
from armstrace.tracing.api import router as tracing_router

ERROR_RESPONSES = (
    ("400", "The body is not JSON"),
    ("401", "Authentication required"),
    ("403", "Permission refused"),
    ("404", "Not found"),
    ("422", "A field breaks a rule"),
)
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object", "required": ["type", "loc", "msg"]}},
            ]
        },
        "permission": {"type": "string"},
    },
}


class ArmsTraceAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Every operation may also answer with the errors mapped once below."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for methods in schema["paths"].values():
            for operation in methods.values():
                for code, text in ERROR_RESPONSES:
                    operation["responses"].setdefault(
                        code, {"description": text, "content": content}
                    )
        return schema

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Locate body errors in the JSON as sent: ninja wraps a single body schema in
        its parameter name (`["body", "payload", "serial_number"]`); drop that name."""
        errors = []
        for context in error_contexts:
            wrapper = getattr(context.model, "__read_from_single_attr__", None)
            for error in super().validation_error_from_error_contexts([context]).errors:
                loc = tuple(error["loc"])
                if wrapper and loc[:2] == ("body", wrapper):
                    error["loc"] = ("body", *loc[2:])
                errors.append(error)
        return ValidationError(errors)


api = ArmsTraceAPI(
    title="ArmsTrace API",
    version="1",
    description="Marking, record-keeping and tracing of small arms and light weapons.",
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSessionAuth()],
)
api.add_router("", accounts_router)
api.add_router("", registry_router)
api.add_router("", reference_router)
api.add_router("", search_router)
api.add_router("/marking", marking_router)
api.add_router("/traces", tracing_router)
api.add_router("/reports", reporting_router)
permission_first(api)  # after every router: refuse before validating input


@api.exception_handler(DomainValidationError)
def domain_validation_error(request: HttpRequest, exc: DomainValidationError) -> HttpResponse:
    error = {"type": exc.code, "loc": ["body", exc.field], "msg": exc.message}
    return api.create_response(request, {"detail": [error]}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    body = {"detail": str(exc), "permission": exc.permission}
    return api.create_response(request, body, status=403)


@api.exception_handler(AuthenticationError)
def authentication_required(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"detail": _("Authentication required: send a bearer token or sign in.")}
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="armstrace"'
    return response
