"""Domain errors shared by every app; mapped once to HTTP codes and form errors."""

from __future__ import annotations


class ArmsTraceError(Exception):
    """Base of every domain error."""


class MissingAuditContext(ArmsTraceError):
    """A write was attempted without an actor and a channel."""


class DomainValidationError(ArmsTraceError):
    """Input broke a business rule; names the field and the reason."""

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


class PermissionDenied(ArmsTraceError):
    """The actor lacks the permission or the object is outside their scope."""

    def __init__(self, permission: str, message: str = "") -> None:
        super().__init__(message or f"permission {permission} is required")
        self.permission = permission
