"""`GET /api/v1/identify`: canonical candidates for a described weapon, with reasons."""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from armstrace.accounts.api import requires
from armstrace.reference.identify import identify
from armstrace.reference.permissions import IDENTIFY

router = Router(tags=["reference"])


class IdentifyQuery(Schema):
    manufacturer: str = Field("", max_length=300)
    model: str = Field("", max_length=300)
    calibre: str = Field("", max_length=300)
    type: str = Field("", max_length=300)
    country: str = Field("", max_length=300)
    marks: str = Field("", max_length=300)
    limit: int = Field(5, ge=1, le=20)


class IdentifyCandidate(Schema):
    manufacturer_key: str | None
    manufacturer: str | None
    design_key: str | None
    design: str | None
    variant: str | None
    relation: str | None
    calibre_key: str | None
    calibre: str | None
    weapon_type: str | None
    country: str | None
    confidence: float
    reasons: list[str]


class IdentifyOut(Schema):
    message: str
    candidates: list[IdentifyCandidate]


@router.get("/identify", response=IdentifyOut)
@requires(IDENTIFY)
def identify_weapon(request: HttpRequest, params: Query[IdentifyQuery]) -> dict[str, Any]:
    """Ranked canonical manufacturer, model family, calibre, type and country."""
    fields = params.dict()
    limit = fields.pop("limit")
    result = identify(limit=limit, **fields)
    return {"message": result.message, "candidates": [c.as_dict() for c in result.candidates]}
