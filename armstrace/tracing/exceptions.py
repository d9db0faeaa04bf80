"""Refusals of the tracing services; each names the field or the rule it enforces."""

from __future__ import annotations

from armstrace.core.exceptions import DomainValidationError


class TransitionRefused(DomainValidationError):
    """The transition table (rules.TABLE) does not allow this change."""

    def __init__(self, message: str, rule: str = "transition_table") -> None:
        super().__init__("status", message, code=rule)
        self.rule = rule


class InvalidFields(DomainValidationError):
    """Several fields are missing or wrong (a request short of what ITI para 17 demands, a
    refusal without ground or reasons): every one is listed, not just the first."""

    def __init__(self, errors: list[DomainValidationError]) -> None:
        first = errors[0]
        super().__init__(first.field, first.message, code=first.code)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors)
