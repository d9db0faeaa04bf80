"""The base of forms whose fields render through web/partials/field.html, and the form
renderer every form uses (settings.FORM_RENDERER)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class Form(forms.Form):
    """Labels sit above their fields: no colon after them, as on every other page."""

    # A page with several forms gives each its own prefix, so no element id repeats and
    # every label names its own field.
    id_prefix = "id_"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"{self.id_prefix}%s")
        super().__init__(*args, **kwargs)


SELECT_TEMPLATE = "django/forms/widgets/select.html"


class Renderer(DjangoTemplates):
    """Django's form renderer, except that a select is built in Python: its template includes
    one template per option, and a country list (250 options) then costs 25 ms a page."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT_TEMPLATE:
            return render_select(context["widget"])
        return super().render(template_name, context, request)


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As attrs.html writes them: in order, True as a bare name, False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def render_select(widget: dict[str, Any]) -> SafeString:
    """The HTML Django's select.html and select_option.html would produce."""
    parts: list[str] = [
        format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        parts += [
            format_html(
                '<option value="{}"{}>{}</option>',
                str(option["value"]),
                _attrs(option["attrs"]),
                option["label"],
            )
            for option in options
        ]
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece above is escaped)
