"""`{% cell value kind %}`: a table cell in the reader's language (analytics/tables.py)."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format

from armstrace.analytics.tables import COUNT, DAYS, SHARE

register = template.Library()


@register.simple_tag
def cell(value: object, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == COUNT and isinstance(value, int):
        return str(intcomma(value))
    if kind == DAYS and isinstance(value, int | float):
        return number_format(value, 1)
    if kind == SHARE and isinstance(value, int | float):
        return f"{number_format(100 * value, 1)} %"
    return str(value)
