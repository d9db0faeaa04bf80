"""Codes kept in a request's JSON content (candidates, supply chain, grounds) in words."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from armstrace.registry.choices import EventKind
from armstrace.search.choices import MATCH_LABELS
from armstrace.tracing.choices import IllicitGround

register = template.Library()


def _label(choices: type[EventKind] | type[IllicitGround], code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code  # an answer received from another system may use codes we do not know


@register.filter
def match_label(code: str) -> str:
    return str(MATCH_LABELS.get(code, code))


@register.filter
def event_label(code: str) -> str:
    return _label(EventKind, code)


@register.filter
def ground_labels(codes: Iterable[str]) -> list[str]:
    return [_label(IllicitGround, code) for code in codes]
