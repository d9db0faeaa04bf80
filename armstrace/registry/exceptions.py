from __future__ import annotations

from armstrace.core.exceptions import DomainValidationError


class TransitionRefused(DomainValidationError):
    """The event is impossible from the weapon's current status."""

    def __init__(self, message: str) -> None:
        super().__init__("kind", message, code="transition_refused")


class RetentionFloor(DomainValidationError):
    """A purge was attempted on a record still inside its retention floor."""

    def __init__(self, message: str) -> None:
        super().__init__("retention", message, code="retention_floor")
