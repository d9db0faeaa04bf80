"""The form renderer builds selects in Python; they must read as Django's own templates."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from armstrace.core.forms import SELECT_TEMPLATE, Renderer

CHOICES = [("", "—"), ("x", 'X <b> & "quoted"'), ("Group", [("g1", "G1"), ("g2", "Ž2")])]


class Sample(forms.Form):
    one = forms.ChoiceField(choices=CHOICES)
    many = forms.MultipleChoiceField(choices=CHOICES[:2], required=False)
    off = forms.ChoiceField(choices=CHOICES, disabled=True)


def _compact(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("name", ["one", "many", "off"])
@pytest.mark.parametrize("data", [{}, {"one": "g2", "many": ["x", ""], "off": "x"}])
def test_a_select_reads_exactly_as_djangos_template_renders_it(name, data):
    field = Sample(data or None)[name]
    context = field.field.widget.get_context(
        field.html_name, field.value(), field.build_widget_attrs({"id": field.auto_id})
    )
    assert _compact(Renderer().render(SELECT_TEMPLATE, context)) == _compact(
        DjangoTemplates().render(SELECT_TEMPLATE, context)
    )


def test_the_renderer_is_the_one_every_form_uses(settings):
    assert settings.FORM_RENDERER == "armstrace.core.forms.Renderer"
    html = str(Sample({"one": "g2"})["one"])
    assert '<option value="g2" selected>Ž2</option>' in html
    assert "X &lt;b&gt; &amp; &quot;quoted&quot;" in html
