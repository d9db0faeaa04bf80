"""A complete para 17 request, as the services and the API take it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from armstrace.tracing import services

FOUND_ON = dt.date(2024, 3, 2)


def content(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "direction": "domestic",
        "channel": "domestic",
        "case_ref": "PA/CR/2024/117",
        "officer_name": "Insp. Wanjiru",
        "officer_email": "wanjiru@police-a.example",
        "priority": "routine",
        "serial_as_read": "M70-000001",
        "markings": "ZASTAVA KRAGUJEVAC M70 7.62 M70-000001",
        "weapon_type": "assault-rifle",
        "calibre": "7.62x39",
        "manufacturer": "Zastava Arms",
        "model": "M70",
        "country_of_manufacture": "RS",
        "illicit_grounds": ["a"],
        "legal_justification": "Firearms Act s. 4: possession without a certificate",
        "found_on": FOUND_ON.isoformat(),
        "found_place": "Eastleigh, Nairobi",
        "found_context": "seized",
        "offence": "armed robbery",
        "intended_use": "Evidence in criminal proceedings",
        "confidentiality": "restricted",
        "use_restrictions": "Law enforcement use only; no onward disclosure",
    }
    data.update(changes)
    return data


def request_input(**changes: Any) -> services.RequestInput:
    data = content(**changes)
    if isinstance(data.get("found_on"), str):
        data["found_on"] = dt.date.fromisoformat(data["found_on"])
    return services.RequestInput(**data)


def outgoing(**changes: Any) -> services.RequestInput:
    base = {
        "direction": "outgoing",
        "channel": "bilateral_npc",
        "requested_state": "RS",
        "routing_reason": "manufacture",
    }
    return request_input(**{**base, **changes})


def incoming(**changes: Any) -> services.RequestInput:
    base = {
        "direction": "incoming",
        "channel": "interpol",
        "requesting_state": "UG",
        "requesting_agency_name": "Uganda Police Force",
    }
    return request_input(**{**base, **changes})


def make(actor: Any, direction: str = "domestic", **changes: Any) -> Any:
    build = {"domestic": request_input, "outgoing": outgoing, "incoming": incoming}[direction]
    return services.create_request(actor=actor, data=build(**changes))
