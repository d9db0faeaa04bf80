"""The forms a point of contact publishes an alert and asks an existence question with."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from armstrace.core.forms import Form
from armstrace.federation.choices import AlertKind
from armstrace.federation.models import Peer
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
