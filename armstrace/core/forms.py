"""The base of forms whose fields render through web/partials/field.html."""

from __future__ import annotations

from typing import Any

from django import forms


class Form(forms.Form):
    """Labels sit above their fields: no colon after them, as on every other page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
