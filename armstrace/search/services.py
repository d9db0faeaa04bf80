"""Tolerant weapon search: retrieve by serial, rank by every clue, explain, and log."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.audit.services import record_event
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.rawsql import select_where
from armstrace.reference.identify import get_index
from armstrace.registry.models import Mark, Weapon
from armstrace.search import engine
from armstrace.search.engine import EQUIVALENT, EXACT, FUZZY, PARTIAL, Hit, Retrieval
from armstrace.search.evidence import Profile, compare, designs_of, family, profile
from armstrace.search.indexing import confusables
from armstrace.search.models import SearchLog
from armstrace.search.serials import Pattern, PatternError, canonical, parse

CAP = 2000  # serial matches ranked at most; beyond this the query is too broad
MAX_LIMIT = 100
SERIAL_POINTS = {EXACT: 2.0, EQUIVALENT: 1.6, PARTIAL: 1.2, FUZZY: 0.9}
SOURCE_PENALTY = {"primary": 0.0, "component": 0.05, "mark": 0.1, "concealed": 0.1}
CONCEALED = "concealed"  # a hit on a concealed mark, shown without the mark's text


@dataclass
class SearchQuery:
    serial: str = ""
    manufacturer: str = ""
    model: str = ""
    calibre: str = ""
    weapon_type: str = ""
    country: str = ""
    year: int | None = None

    def evidence(self) -> dict[str, str]:
        return {
            "manufacturer": self.manufacturer,
            "model": self.model,
            "calibre": self.calibre,
            "weapon_type": self.weapon_type,
            "country": self.country,
        }


@dataclass
class Candidate:
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
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    candidates: list[Candidate]
    total: int
    truncated: bool
    message: str = ""
    plan: str = ""


def _screen_concealed(found: Retrieval, agencies: frozenset[int]) -> Retrieval:
    """Drop the hits that came only through a concealed mark the searcher may not see (the
    weapon is not found that way at all); relabel the others so no mark text is shown."""
    mark_hits = [h for h in found.hits if h.source == "mark"]
    if not mark_hits:
        return found
    marks = Mark.objects.filter(weapon_id__in={h.weapon_id for h in mark_hits}).values_list(
        "weapon_id", "text_norm", "concealed", "weapon__agency_id"
    )
    open_marks, allowed = set(), set()
    for weapon_id, norm, concealed, agency_id in marks:
        if not concealed:
            open_marks.add((weapon_id, norm))
        elif agency_id in agencies:
            allowed.add((weapon_id, norm))
    hits = []
    for hit in found.hits:
        key = (hit.weapon_id, hit.norm)
        if hit.source != "mark" or key in open_marks:
            hits.append(hit)
        elif key in allowed:
            hit.source, hit.value = CONCEALED, ""
            hits.append(hit)
    return Retrieval(hits, found.plan, found.truncated)


def _retrieve(
    pattern: Pattern, makers: set[int] | None, wanted: set[int] | None, agencies: frozenset[int]
) -> Retrieval:
    """Serial matches, narrowed to `makers` when given. The serials one edit away are
    added when nothing matched up to misreads, or when no match is by a maker the clues
    point to (`wanted`). An equal serial that agrees with the clues comes first, followed
    by its maker's serials one substitution away: it may be a misread neighbour's.
    Hits on concealed marks are screened first, so a hidden one changes nothing."""
    table = confusables()
    if pattern.has_wildcards:
        return _screen_concealed(engine.wildcard(pattern, makers, CAP, table), agencies)
    canon_query = canonical(pattern.text, table)
    found = engine.exact_or_equivalent(pattern.text, canon_query, makers, CAP)
    if found.truncated and makers is None:
        # A short serial's misread bucket spans every maker: a complete serial is never
        # "too broad"; keep the exact equals and the equivalents among the clues' makers.
        found = engine.exact_or_narrowed(pattern.text, canon_query, wanted, CAP)
        return _screen_concealed(found, agencies)
    found = _screen_concealed(found, agencies)
    agreed = {h.maker_id for h in found.hits if wanted and h.maker_id in wanted}
    if found.truncated or (found.hits and wanted is None):
        return found
    if agreed:
        near = engine.substitutions(pattern.text, canon_query, agreed, CAP - len(found.hits), table)
        near = _screen_concealed(near, agencies)
        if near.truncated:
            return found
        return Retrieval(found.hits + near.hits, f"{found.plan}+{near.plan}", False)
    extra = engine.one_edit(pattern.text, canon_query, makers, CAP - len(found.hits))
    extra = _screen_concealed(extra, agencies)
    return Retrieval(found.hits + extra.hits, f"{found.plan}+{extra.plan}", extra.truncated)


def _maker_ids(keys: frozenset[str] | set[str]) -> set[int]:
    index = get_index()
    return {index.maker_ids[key] for key in keys if key in index.maker_ids}


def _family_makers(query_profile: Profile) -> set[int] | None:
    """The named makers and every producer of the families they or the model point to: a
    pattern is first looked for among them (a licensed copy is made by another maker)."""
    if not query_profile.makers:
        return None
    keys = set(query_profile.makers)
    for design in designs_of(query_profile):
        keys |= family(design)[1]
    return _maker_ids(keys)


def _label(source: str) -> str:
    """What matched, translated alone: gettext is about 10 µs a call, and this runs for
    every candidate."""
    if source == "primary":
        return _("serial")
    if source == "component":
        return _("component serial")
    return _("mark") if source == "mark" else source


def _serial_reason(hit: Hit, query: str) -> str:
    if hit.source == CONCEALED:
        return _("a concealed mark matches %(q)s (%(m)s)") % {"q": query, "m": hit.match}
    label = _label(hit.source)
    if hit.match == EXACT:
        return _("%(w)s %(v)s equals the query") % {"w": label, "v": hit.value}
    if hit.match == EQUIVALENT:
        changes = ", ".join(
            dict.fromkeys(f"{q}→{n}" for q, n in zip(query, hit.norm, strict=False) if q != n)
        )
        return _("%(w)s %(v)s equal after %(c)s (characters often misread)") % {
            "w": label,
            "v": hit.value,
            "c": changes,
        }
    if hit.match == PARTIAL:
        how = _("exactly") if hit.distance == 0 else _("through misread characters")
        return _("%(w)s %(v)s fits the pattern %(p)s %(h)s") % {
            "w": label,
            "v": hit.value,
            "p": query,
            "h": how,
        }
    return _("%(w)s %(v)s is one character away from %(q)s") % {
        "w": label,
        "v": hit.value,
        "q": query,
    }


def _best_hits(hits: list[Hit]) -> dict[uuid.UUID, Hit]:
    best: dict[uuid.UUID, Hit] = {}
    for hit in hits:
        key = (engine.MATCH_RANK[hit.match], hit.distance, SOURCE_PENALTY.get(hit.source, 0))
        old = best.get(hit.weapon_id)
        if old is None or key < (
            engine.MATCH_RANK[old.match],
            old.distance,
            SOURCE_PENALTY.get(old.source, 0),
        ):
            best[hit.weapon_id] = hit
    return best


WEAPON_FIELDS = (
    "id",
    "record_ref",
    "serial_number",
    "manufacturer_name",
    "model",
    "calibre",
    "weapon_type",
    "country_of_manufacture_id",
    "year_of_manufacture",
    "status",
)
SHORTLIST = 100  # candidates whose whole record is weighed against the clues


def _weapon_rows(ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The shortlisted weapons' WEAPON_FIELDS, in hand-written SQL (core.rawsql)."""
    rows = select_where(Weapon, WEAPON_FIELDS, {"id": ids}) if ids else []
    return [dict(zip(WEAPON_FIELDS, row, strict=True)) for row in rows]


def _serial_points(hit: Hit) -> float:
    return SERIAL_POINTS[hit.match] - 0.15 * hit.distance - SOURCE_PENALTY.get(hit.source, 0)


def _shortlist(best: dict[uuid.UUID, Hit], named: set[int], family: set[int]) -> list[Hit]:
    """A first, cheap ranking by serial and indexed maker, so that only the most likely
    records are read and weighed in full."""

    def cheap(hit: Hit) -> float:
        bonus = 1.0 if hit.maker_id in named else 0.5 if hit.maker_id in family else 0.0
        return _serial_points(hit) + bonus

    return sorted(best.values(), key=cheap, reverse=True)[:SHORTLIST]


def _rank(
    pattern: Pattern,
    query: SearchQuery,
    query_profile: Profile,
    hits: list[Hit],
    family_ids: set[int] | None,
) -> list[Candidate]:
    best = _best_hits(hits)
    named = _maker_ids(query_profile.makers)
    shortlist = _shortlist(best, named, family_ids or set())
    weapons = _weapon_rows([h.weapon_id for h in shortlist])
    weigh = not query_profile.empty() or bool(query.year)
    candidates = []
    for w in weapons:
        hit = best[w["id"]]
        points = _serial_points(hit)
        reasons = [_serial_reason(hit, pattern.text)]
        if weigh:
            record = profile(
                manufacturer=w["manufacturer_name"],
                model=w["model"],
                calibre=w["calibre"],
                weapon_type=w["weapon_type"],
                country=w["country_of_manufacture_id"] or "",
            )
            agreement = compare(query_profile, record, query.year, w["year_of_manufacture"])
            points += agreement.score
            reasons += agreement.reasons
        candidates.append(
            Candidate(
                weapon_id=str(w["id"]),
                record_ref=w["record_ref"],
                serial_number=w["serial_number"],
                manufacturer=w["manufacturer_name"],
                model=w["model"],
                calibre=w["calibre"],
                weapon_type=w["weapon_type"],
                country=w["country_of_manufacture_id"] or "",
                year_of_manufacture=w["year_of_manufacture"],
                status=w["status"],
                match=hit.match,
                matched_on=hit.source,
                score=round(points, 3),
                reasons=reasons,
            )
        )
    candidates.sort(key=lambda c: (-c.score, engine.MATCH_RANK[c.match], c.serial_number))
    return candidates


def validate(query: SearchQuery) -> Pattern:
    if not query.serial.strip():
        raise DomainValidationError(
            "serial",
            _(
                "is required: give the serial, or the part of it that can be read "
                "(? for one unknown character, * for any run)"
            ),
            code="required",
        )
    try:
        return parse(query.serial)
    except PatternError as exc:
        raise DomainValidationError("serial", str(exc), code="bad_pattern") from exc


def search_weapons(
    *,
    query: SearchQuery,
    limit: int = 10,
    purpose: str = "",
    log: bool = True,
    concealed_agencies: frozenset[int] = frozenset(),
) -> SearchResult:
    """Ranked candidates, best first. A weapon not in the registry is never `exact`.
    Concealed marks count only for weapons of `concealed_agencies` (see
    registry.selectors.concealed_agencies) and never show their text."""
    limit = max(1, min(limit, MAX_LIMIT))
    pattern = validate(query)
    query_profile = profile(**query.evidence())
    family_ids = _family_makers(query_profile)
    found = Retrieval([], "", False)
    if pattern.has_wildcards and family_ids:
        found = _retrieve(pattern, family_ids, None, concealed_agencies)  # maker indexes first
    if not found.hits:
        found = _retrieve(pattern, None, family_ids, concealed_agencies)
    if found.truncated:
        result = SearchResult(
            [],
            CAP,
            True,
            _(
                "More than %(n)d records match %(p)s: add characters, the manufacturer, the model "
                "or the calibre."
            )
            % {"n": CAP, "p": pattern.text},
            found.plan,
        )
    else:
        ranked = _rank(pattern, query, query_profile, found.hits, family_ids)
        message = (
            "" if ranked else _("No weapon in the registry matches %(p)s.") % {"p": pattern.text}
        )
        total = len(_best_hits(found.hits))
        result = SearchResult(ranked[:limit], total, False, message, found.plan)
    if log:
        _log(query, purpose, result)
    return result


def _log(query: SearchQuery, purpose: str, result: SearchResult) -> None:
    ctx = current_context()
    results = [[c.weapon_id, c.match, c.score] for c in result.candidates]
    with transaction.atomic():
        SearchLog.objects.create(
            actor_id=ctx.actor_id,
            actor_name=ctx.actor_name,
            channel=ctx.channel,
            purpose=purpose[:200] or ctx.purpose,
            query=asdict(query),
            result_count=result.total,
            results=results,
        )
        record_event(
            "search:weapons:searched",
            data={
                "purpose": purpose or ctx.purpose,
                "query": asdict(query),
                "returned": [r[0] for r in results],
            },
        )
