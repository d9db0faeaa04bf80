"""`GET/POST /api/v1/search/weapons`: tolerant search by serial, ranked by every clue."""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from armstrace.accounts.api import caller, requires
from armstrace.registry.selectors import concealed_agencies
from armstrace.search.permissions import WEAPON_SEARCH
from armstrace.search.services import SearchQuery, search_weapons

router = Router(tags=["search"])


class SearchIn(Schema):
    serial: str = Field(..., max_length=64, description="? = one unknown character, * = any run")
    manufacturer: str = Field("", max_length=200)
    model: str = Field("", max_length=120)
    calibre: str = Field("", max_length=60)
    weapon_type: str = Field("", max_length=60)
    country: str = Field("", max_length=60)
    year: int | None = Field(None, ge=1800, le=2100)
    limit: int = Field(10, ge=1, le=100)
    purpose: str = Field("", max_length=200, description="case number or other purpose")


class CandidateOut(Schema):
    weapon_id: str
    record_ref: str
    serial_number: str
    manufacturer: str
    model: str
    calibre: str
    weapon_type: str
    country: str
    year_of_manufacture: int | None
    status: str
    match: str
    matched_on: str
    score: float
    reasons: list[str]


class SearchOut(Schema):
    message: str
    total: int
    truncated: bool
    candidates: list[CandidateOut]


def _run(request: HttpRequest, params: SearchIn) -> dict[str, Any]:
    fields = params.dict()
    limit, purpose = fields.pop("limit"), fields.pop("purpose")
    result = search_weapons(
        query=SearchQuery(**fields),
        limit=limit,
        purpose=purpose,
        concealed_agencies=concealed_agencies(caller(request)),
    )
    return {
        "message": result.message,
        "total": result.total,
        "truncated": result.truncated,
        "candidates": [c.as_dict() for c in result.candidates],
    }


@router.get("/search/weapons", response=SearchOut)
@requires(WEAPON_SEARCH)
def search_get(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    """Search by serial (with ? and *) and rank by manufacturer, model, calibre, ..."""
    return _run(request, params)


@router.post("/search/weapons", response=SearchOut)
@requires(WEAPON_SEARCH)
def search_post(request: HttpRequest, payload: SearchIn) -> dict[str, Any]:
    """The same search with the query in a JSON body."""
    return _run(request, payload)
