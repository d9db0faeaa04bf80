"""The forms a point of contact publishes an alert, asks an existence question and runs a
consistency check with; the national search form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from armstrace.core.forms import Form
from armstrace.federation.choices import AlertKind
from armstrace.federation.models import Peer
from armstrace.reference.choices import WeaponType
from armstrace.registry.forms import country_choices
from armstrace.search.services import SearchQuery
from armstrace.tracing.choices import Confidentiality


class PublishAlertForm(Form):
    weapon = forms.CharField(label=_("Weapon"), max_length=64, help_text=_("id or serial"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AlertKind.choices)
    peers = forms.ModelMultipleChoiceField(
        label=_("Peer nodes"),
        queryset=Peer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    all_peers = forms.BooleanField(label=_("All active peers"), required=False)
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Confidentiality.choices)
    use_restrictions = forms.CharField(
        label=_("Use restrictions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, peers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["peers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = peers

    def chosen_peers(self) -> list[Peer] | None:
        """None: every active peer."""
        if self.cleaned_data["all_peers"]:
            return None
        return list(self.cleaned_data["peers"])


class ExistenceForm(Form):
    id_prefix = "ask_"
    peer = forms.ModelChoiceField(label=_("Peer node"), queryset=Peer.objects.none())
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=64)

    def __init__(self, *args: Any, peers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["peer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = peers


class NationalSearchForm(Form):
    """The search page's clues, asked of every registry of this state."""

    serial = forms.CharField(
        label=_("Serial number as read"),
        max_length=64,
        help_text=_("Type ? for one character that cannot be read and * for any run."),
    )
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    model = forms.CharField(label=_("Model"), max_length=120, required=False)
    calibre = forms.CharField(label=_("Calibre"), max_length=60, required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *WeaponType.choices]
    )
    country = forms.ChoiceField(
        label=_("Country of manufacture"), required=False, choices=country_choices
    )
    purpose = forms.CharField(
        label=_("Case number or purpose"),
        max_length=200,
        help_text=_("Recorded with your search in every registry asked."),
    )

    def search_query(self) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            serial=data["serial"],
            manufacturer=data["manufacturer"],
            model=data["model"],
            calibre=data["calibre"],
            weapon_type=data["type"],
            country=data["country"],
        )


class ConsistencyForm(Form):
    peer = forms.ModelChoiceField(label=_("Registry of this state"), queryset=Peer.objects.none())

    def __init__(self, *args: Any, peers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["peer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = peers
