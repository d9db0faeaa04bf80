"""Forms of the reporting pages: parse input for the services, nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from armstrace.core import clock
from armstrace.core.forms import Form
from armstrace.federation.models import Peer
from armstrace.registry.forms import country_choices, date_field
from armstrace.reporting.choices import (
    AssistanceCategory,
    AssistanceKind,
    AssistanceStatus,
    RecipientLevel,
    ReportFormat,
)


def last_two_years() -> tuple[dt.date, dt.date]:
    """The default period: the last two whole calendar years (the biennial cycle, ITI 36)."""
    year = clock.today().year
    return dt.date(year - 2, 1, 1), dt.date(year - 1, 12, 31)


class ReportForm(Form):
    start = date_field(_("From"))
    end = date_field(_("To"))
    language = forms.ChoiceField(label=_("Language"), choices=())
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES  # type: ignore[attr-defined]


class RecipientForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=RecipientLevel.choices)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Postal address"), required=False, widget=forms.Textarea)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The notice is printed in the first one."),
    )
    active = forms.BooleanField(label=_("Active: told of new diversions"), required=False)
    peer = forms.ChoiceField(
        label=_("Peer node"),
        required=False,
        choices=(),
        help_text=_(
            "When the recipient is another node of the federation, its notices can be sent to "
            "it as signed diversion alerts; no e-mail or address is then needed."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = settings.LANGUAGES  # type: ignore[attr-defined]
        self.fields["peer"].choices = [  # type: ignore[attr-defined]
            ("", _("Not a peer node")),
            *[
                (peer.node_id, f"{peer.node_id} {peer.name}".strip())
                for peer in Peer.objects.order_by("node_id")
            ],
        ]


class AcknowledgeForm(Form):
    note = forms.CharField(
        label=_("Note (how and when the recipient confirmed)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EntryForm(Form):
    kind = forms.ChoiceField(
        label=_("Need or offer"), choices=AssistanceKind.choices, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("Category"), choices=AssistanceCategory.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        required=False,
        min_value=0,
        help_text=_("Machines, licences, trainees, staff months...: leave empty if none applies."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=())
    contact = forms.CharField(
        label=_("Contact"),
        max_length=300,
        help_text=_("The agency or donor, and how to reach it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]


class EntryFilterForm(Form):
    kind = forms.ChoiceField(
        label=_("Need or offer"), required=False, choices=[("", _("All")), *AssistanceKind.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *AssistanceCategory.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *AssistanceStatus.choices]
    )


class MatchForm(Form):
    other = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class StatusForm(Form):
    status = forms.ChoiceField(choices=AssistanceStatus.choices, widget=forms.HiddenInput)
