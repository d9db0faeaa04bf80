"""Entries of the assistance register, recorded through the service."""

from __future__ import annotations

from typing import Any

from armstrace.reporting.services import EntryInput, record_entry


def entry(actor: Any, **changes: Any) -> Any:
    data: dict[str, Any] = {
        "kind": "need",
        "category": "marking_machines",
        "description": "Two dot-peen marking machines for the central armoury",
        "country": "KE",
        "contact": "National Focal Point, nfp@example.ke",
        "quantity": 2,
    }
    data.update(changes)
    return record_entry(actor=actor, data=EntryInput(**data))
