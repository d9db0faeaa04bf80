"""Weapon identification: free text in, ranked canonical candidates with reasons out.

Each input field is scanned for every kind of name (investigators put the model in the
manufacturer field and the country in the model field); a name found in its own field
weighs more. Designs are then expanded into the variants that produced them, and each
variant is scored against the evidence: the stated manufacturer, country, calibre, type
and marks. Licensed production is how "Beretta 92 made in Brazil" becomes the Taurus PT92.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from armstrace.reference.models import (
    Calibre,
    CalibreAlias,
    CountryAlias,
    Design,
    Manufacturer,
    ManufacturerAlias,
    ModelTerm,
    ProofMark,
    ReferenceVersion,
    Variant,
    WeaponTypeTerm,
)
from armstrace.reference.normalise import calibre_key, compact_key, name_key

FIELDS = ("manufacturer", "model", "calibre", "type", "country", "marks")
MAX_SPAN = 5
OWN_FIELD, OTHER_FIELD = 1.0, 0.8
FUZZY_CUTOFF = 88
# Dissolved states and their main successors: weapons keep the old country on their marks.
SUCCESSORS = {"SU": "RU", "YU": "RS", "CS": "CZ", "DD": "DE"}
W_MODEL, W_MAKER, W_COUNTRY, W_CALIBRE, W_TYPE, W_MARK = 1.0, 1.0, 1.0, 0.5, 0.3, 0.8


@dataclass(frozen=True)
class Maker:
    id: int
    key: str
    name: str
    country: str | None
    curated: bool


@dataclass(frozen=True)
class Option:
    """One way a design is made: the original or a licensed copy, copy or derivative."""

    design_id: int
    design_key: str
    design_name: str
    designation: str
    producer_id: int | None
    country: str | None
    relation: str
    variant_id: int | None


@dataclass
class Index:
    version: int | None
    makers: dict[int, Maker] = field(default_factory=dict)
    maker_names: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    historic_names: set[tuple[str, int]] = field(default_factory=set)
    models: dict[str, set[tuple[int, int | None]]] = field(default_factory=lambda: defaultdict(set))
    options: dict[int, list[Option]] = field(default_factory=lambda: defaultdict(list))
    design_calibres: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    design_types: dict[int, str] = field(default_factory=dict)
    design_names: dict[int, str] = field(default_factory=dict)
    calibres: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    calibre_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    countries: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    proofs: list[tuple[str, str, int | None, str | None, str]] = field(default_factory=list)


_cache: dict[str, Index] = {}


def _build(version: int | None) -> Index:
    index = Index(version=version)
    for m in Manufacturer.objects.values("id", "key", "name", "country_id", "kind"):
        index.makers[m["id"]] = Maker(
            m["id"], m["key"], m["name"], m["country_id"], m["kind"] != "ncic"
        )
    for alias, norm, maker_id, kind in ManufacturerAlias.objects.values_list(
        "alias", "alias_norm", "manufacturer_id", "kind"
    ):
        index.maker_names[norm].add(maker_id)
        index.maker_names[compact_key(alias)].add(maker_id)
        if kind == "historic":
            index.historic_names.add((norm, maker_id))
    for d in Design.objects.values(
        "id", "key", "name", "originator_id", "country_id", "weapon_type"
    ):
        index.design_types[d["id"]] = d["weapon_type"]
        index.design_names[d["id"]] = d["name"]
        index.options[d["id"]].append(
            Option(
                d["id"],
                d["key"],
                d["name"],
                d["name"],
                d["originator_id"],
                d["country_id"],
                "original",
                None,
            )
        )
    for v in Variant.objects.values(
        "id", "design_id", "designation", "producer_id", "country_id", "relation"
    ):
        base = index.options[v["design_id"]][0]
        option = Option(
            v["design_id"],
            base.design_key,
            base.design_name,
            v["designation"],
            v["producer_id"],
            v["country_id"],
            v["relation"],
            v["id"],
        )
        if v["relation"] == "original" and base.variant_id is None:
            index.options[v["design_id"]][0] = option
        else:
            index.options[v["design_id"]].append(option)
    for term_norm, design_id, variant_id in ModelTerm.objects.values_list(
        "term_norm", "design_id", "variant_id"
    ):
        index.models[term_norm].add((design_id, variant_id))
    for design_id, calibre_id in Design.calibres.through.objects.values_list(
        "design_id", "calibre_id"
    ):
        index.design_calibres[design_id].add(calibre_id)
    for c in Calibre.objects.values("id", "key", "name"):
        index.calibre_names[c["id"]] = (c["key"], c["name"])
    for norm, calibre_id in CalibreAlias.objects.values_list("alias_norm", "calibre_id"):
        index.calibres[norm].add(calibre_id)
    for norm, code in CountryAlias.objects.values_list("alias_norm", "country_id"):
        index.countries[norm].add(code)
    for norm, weapon_type in WeaponTypeTerm.objects.values_list("term_norm", "weapon_type"):
        index.types[norm].add(weapon_type)
    index.proofs = [
        (p["description_norm"], p["code"], p["manufacturer_id"], p["country_id"], p["meaning"])
        for p in ProofMark.objects.values(
            "description_norm", "code", "manufacturer_id", "country_id", "meaning"
        )
    ]
    return index


def get_index() -> Index:
    latest = ReferenceVersion.objects.values_list("pk", flat=True).first()
    cached = _cache.get("index")
    if cached is None or cached.version != latest:
        cached = _cache["index"] = _build(latest)
    return cached


@dataclass
class Found:
    """Things recognised in the input, each with a weight and the words that showed it."""

    makers: dict[int, tuple[float, str]] = field(default_factory=dict)
    models: dict[tuple[int, int | None], tuple[float, str]] = field(default_factory=dict)
    calibres: dict[int, tuple[float, str]] = field(default_factory=dict)
    countries: dict[str, tuple[float, str]] = field(default_factory=dict)
    types: dict[str, tuple[float, str]] = field(default_factory=dict)
    marks: list[tuple[int | None, str | None, str]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (
            self.makers
            or self.models
            or self.calibres
            or self.countries
            or self.types
            or self.marks
        )


def _keep(bucket: dict[Any, tuple[float, str]], key: Any, weight: float, text: str) -> None:
    if key not in bucket or bucket[key][0] < weight:
        bucket[key] = (weight, text)


def _spans(words: list[str]) -> list[tuple[int, int]]:
    """All word spans, longest first, so 'heckler koch' wins over 'koch'."""
    spans = [
        (i, j) for i in range(len(words)) for j in range(i + 1, min(len(words), i + MAX_SPAN) + 1)
    ]
    return sorted(spans, key=lambda s: s[0] - s[1])


def _scan(
    words: list[str], table: dict[str, set[Any]], join: str = " ", min_length: int = 2
) -> list[tuple[set[Any], str]]:
    """Longest spans of `words` that name something in `table`; each word used once."""
    used: set[int] = set()
    hits = []
    for i, j in _spans(words):
        if used & set(range(i, j)):
            continue
        key = join.join(words[i:j])
        if len(key) >= min_length and key in table:
            hits.append((table[key], " ".join(words[i:j])))
            used |= set(range(i, j))
    return hits


def _scan_field(index: Index, name: str, text: str, found: Found) -> None:
    weight = OWN_FIELD
    words = name_key(text).split()
    # Manufacturers: short names only count in their own field ("M" is no maker).
    for join in (" ", ""):  # 'heckler koch' and 'h k' -> 'hk'
        min_len = 1 if name == "manufacturer" else 4
        for ids, words_found in _scan(words, index.maker_names, join, min_len):
            own = weight if name == "manufacturer" else OTHER_FIELD
            for maker_id in ids:
                _keep(found.makers, maker_id, own, words_found)
    for hits in _scan(words, index.models, ""):
        ids, words_found = hits
        own = OWN_FIELD if name == "model" else OTHER_FIELD
        for pair in ids:
            _keep(found.models, pair, own, words_found)
    calibre_words = calibre_key(text).split()
    for ids, words_found in _scan(
        calibre_words, index.calibres, " ", 3 if name != "calibre" else 1
    ):
        own = OWN_FIELD if name == "calibre" else OTHER_FIELD
        for calibre_id in ids:
            _keep(found.calibres, calibre_id, own / len(ids), words_found)
    for codes, words_found in _scan(words, index.countries, " ", 4 if name != "country" else 2):
        own = OWN_FIELD if name == "country" else OTHER_FIELD
        for code in codes:
            _keep(found.countries, code, own, words_found)
    for kinds, words_found in _scan(words, index.types, " ", 3):
        own = OWN_FIELD if name == "type" else OTHER_FIELD
        for kind in kinds:
            _keep(found.types, kind, own, words_found)


def _fuzzy(index: Index, text: str, found: Found, name: str) -> None:
    """When a field names nothing exactly, try close spellings ('Izmash', 'Zastawa')."""
    key = name_key(text)
    if not key or len(key) < 4:
        return
    if name == "manufacturer" and not found.makers:
        match = process.extractOne(
            key, list(index.maker_names), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if match:
            for maker_id in index.maker_names[match[0]]:
                _keep(found.makers, maker_id, 0.8 * match[1] / 100, text)
    if name == "model" and not found.models:
        match = process.extractOne(
            compact_key(text), list(index.models), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF + 4
        )
        if match:
            for pair in index.models[match[0]]:
                _keep(found.models, pair, 0.7 * match[1] / 100, text)
    if name == "country" and not found.countries:
        match = process.extractOne(
            key, list(index.countries), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if match:
            for code in index.countries[match[0]]:
                _keep(found.countries, code, 0.8, text)


def _scan_marks(index: Index, text: str, found: Found) -> None:
    key = name_key(text)
    if not key:
        return
    for description, code, maker_id, country, meaning in index.proofs:
        score = fuzz.token_set_ratio(key, description)
        if score >= 85 and (not code or code.lower() in key.split()):
            found.marks.append((maker_id, country, meaning or description))


@dataclass
class Candidate:
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
    score: float
    confidence: float
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "score"}


@dataclass
class Identification:
    candidates: list[Candidate]
    message: str


def _same_country(a: str | None, b: str | None) -> bool:
    return (
        a is not None
        and b is not None
        and (a == b or SUCCESSORS.get(a) == b or SUCCESSORS.get(b) == a)
    )


def _best(bucket: dict[Any, tuple[float, str]]) -> Any:
    return max(bucket, key=lambda k: bucket[k][0]) if bucket else None


def _score_option(
    index: Index, option: Option, found: Found, model_weight: float, model_words: str
) -> tuple[float, float, list[str]]:
    reasons = []
    score, possible = W_MODEL * model_weight, W_MODEL
    producer = index.makers.get(option.producer_id) if option.producer_id else None
    producer_name = producer.name if producer else _("unknown producer")
    if option.relation == "original":
        reasons.append(
            _("'%(w)s' is the %(d)s, designed by %(p)s")
            % {"w": model_words, "d": option.design_name, "p": producer_name}
        )
    else:
        reasons.append(
            _("'%(w)s' matches %(v)s: %(rel)s %(d)s made by %(p)s (%(c)s)")
            % {
                "w": model_words,
                "v": option.designation,
                "rel": option.relation,
                "d": option.design_name,
                "p": producer_name,
                "c": option.country or "?",
            }
        )
    if found.makers:
        possible += W_MAKER
        originator = index.options[option.design_id][0].producer_id
        if option.producer_id in found.makers:
            score += W_MAKER * found.makers[option.producer_id][0]
            reasons.append(
                _("manufacturer '%(w)s' is %(p)s")
                % {"w": found.makers[option.producer_id][1], "p": producer_name}
            )
        elif originator in found.makers and option.relation != "original":
            score += 0.3 * W_MAKER
            reasons.append(
                _("'%(w)s' designed the %(d)s; this one was made under licence or copied by %(p)s")
                % {"w": found.makers[originator][1], "d": option.design_name, "p": producer_name}
            )
        else:
            score -= 0.3 * W_MAKER
    if found.countries:
        possible += W_COUNTRY
        stated = _best(found.countries)
        if option.country in found.countries:
            score += W_COUNTRY * found.countries[option.country][0]
            reasons.append(_("made in %(c)s, as stated") % {"c": option.country})
        elif any(_same_country(option.country, c) for c in found.countries):
            score += 0.7 * W_COUNTRY
            reasons.append(
                _("made in %(c)s, the state that preceded %(s)s")
                % {"c": option.country, "s": stated}
            )
        else:
            score -= 0.5 * W_COUNTRY
            if option.relation != "original" and option.country:
                reasons.append(
                    _("%(v)s is made in %(c)s, not %(s)s")
                    % {"v": option.designation, "c": option.country, "s": stated}
                )
    if found.calibres:
        possible += W_CALIBRE
        known = index.design_calibres.get(option.design_id, set())
        hit = known & set(found.calibres)
        if hit:
            score += W_CALIBRE
            _key, name = index.calibre_names[next(iter(hit))]
            reasons.append(_("calibre %(c)s fits the %(d)s") % {"c": name, "d": option.design_name})
        elif known:
            score -= 0.3 * W_CALIBRE
    if found.types:
        possible += W_TYPE
        design_type = index.design_types.get(option.design_id)
        if design_type in found.types:
            score += W_TYPE
        elif design_type and any(t in design_type or design_type in t for t in found.types):
            score += 0.5 * W_TYPE
        else:
            score -= 0.2 * W_TYPE
    for maker_id, country, meaning in found.marks:
        possible += W_MARK
        if (maker_id and maker_id == option.producer_id) or _same_country(country, option.country):
            score += W_MARK
            reasons.append(_("mark: %(m)s") % {"m": meaning})
    return score, possible, reasons


def _attributes(index: Index, found: Found) -> tuple[tuple[str, str] | None, str | None]:
    calibre = _best(found.calibres)
    return (index.calibre_names.get(calibre) if calibre else None), _best(found.types)


def _design_candidates(index: Index, found: Found) -> list[Candidate]:
    calibre, weapon_type = _attributes(index, found)
    by_design: dict[int, tuple[float, str, set[int | None]]] = {}
    for (design_id, variant_id), (weight, words) in found.models.items():
        prev = by_design.get(design_id, (0.0, words, set()))
        by_design[design_id] = (
            max(prev[0], weight),
            words if weight >= prev[0] else prev[1],
            prev[2] | {variant_id},
        )
    candidates = []
    for design_id, (weight, words, variant_ids) in by_design.items():
        named = {v for v in variant_ids if v is not None}
        for option in index.options[design_id]:
            # A variant named outright outranks its siblings reached through the family name.
            model_weight = weight if (option.variant_id in named or not named) else 0.6 * weight
            if option.relation == "original" and not named:
                model_weight = weight * 1.02
            score, possible, reasons = _score_option(index, option, found, model_weight, words)
            producer = index.makers.get(option.producer_id) if option.producer_id else None
            candidates.append(
                Candidate(
                    manufacturer_key=producer.key if producer else None,
                    manufacturer=producer.name if producer else None,
                    design_key=option.design_key,
                    design=option.design_name,
                    variant=option.designation,
                    relation=option.relation,
                    calibre_key=calibre[0] if calibre else None,
                    calibre=calibre[1] if calibre else None,
                    weapon_type=weapon_type or index.design_types.get(design_id) or None,
                    country=option.country,
                    score=score,
                    confidence=round(max(0.0, min(1.0, score / possible)), 2),
                    reasons=reasons,
                )
            )
    return candidates


def _maker_candidates(index: Index, found: Found) -> list[Candidate]:
    calibre, weapon_type = _attributes(index, found)
    stated_country = _best(found.countries)
    candidates = []
    for maker_id, (weight, words) in found.makers.items():
        maker = index.makers[maker_id]
        score = weight + (0.2 if maker.curated else 0.0)
        reasons = [_("'%(w)s' is %(m)s") % {"w": words, "m": maker.name}]
        if (name_key(words), maker_id) in index.historic_names:
            reasons[0] = _("'%(w)s' is a former name of %(m)s") % {"w": words, "m": maker.name}
        if stated_country:
            if _same_country(maker.country, stated_country):
                score += 0.5
            elif maker.country:
                score -= 0.3
                reasons.append(
                    _("%(m)s is in %(c)s, not %(s)s")
                    % {"m": maker.name, "c": maker.country, "s": stated_country}
                )
        for mark_maker, _country, meaning in found.marks:
            if mark_maker == maker_id:
                score += W_MARK
                reasons.append(_("mark: %(m)s") % {"m": meaning})
        candidates.append(
            Candidate(
                manufacturer_key=maker.key,
                manufacturer=maker.name,
                design_key=None,
                design=None,
                variant=None,
                relation=None,
                calibre_key=calibre[0] if calibre else None,
                calibre=calibre[1] if calibre else None,
                weapon_type=weapon_type,
                country=maker.country or stated_country,
                score=score,
                confidence=round(max(0.0, min(1.0, score / 1.7)), 2),
                reasons=reasons,
            )
        )
    return candidates


def _mark_candidates(index: Index, found: Found) -> list[Candidate]:
    calibre, weapon_type = _attributes(index, found)
    candidates = []
    for maker_id, country, meaning in found.marks:
        maker = index.makers.get(maker_id) if maker_id else None
        candidates.append(
            Candidate(
                manufacturer_key=maker.key if maker else None,
                manufacturer=maker.name if maker else None,
                design_key=None,
                design=None,
                variant=None,
                relation=None,
                calibre_key=calibre[0] if calibre else None,
                calibre=calibre[1] if calibre else None,
                weapon_type=weapon_type,
                country=country or (maker.country if maker else None),
                score=W_MARK,
                confidence=0.6,
                reasons=[_("mark: %(m)s") % {"m": meaning}],
            )
        )
    return candidates


def _attribute_candidate(index: Index, found: Found) -> Candidate:
    calibre, weapon_type = _attributes(index, found)
    reasons = []
    if calibre:
        reasons.append(_("calibre: %(c)s") % {"c": calibre[1]})
    country = _best(found.countries)
    if country:
        reasons.append(_("country: %(c)s") % {"c": country})
    if weapon_type:
        reasons.append(_("type: %(t)s") % {"t": weapon_type})
    return Candidate(
        None,
        None,
        None,
        None,
        None,
        None,
        calibre[0] if calibre else None,
        calibre[1] if calibre else None,
        weapon_type,
        country,
        0.5,
        0.5,
        reasons,
    )


def identify(*, limit: int = 5, **fields: str) -> Identification:
    """Ranked candidates for what the user typed in any of FIELDS."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    given = {
        name: (text or "").strip()[:300] for name, text in fields.items() if text and text.strip()
    }
    if not given:
        return Identification([], _("Type a manufacturer, model, calibre, type, country or mark."))
    index = get_index()
    found = Found()
    for name, text in given.items():
        if name == "marks":
            _scan_marks(index, text, found)
        else:
            _scan_field(index, name, text, found)
    for name, text in given.items():
        _fuzzy(index, text, found, name)
    if found.empty():
        return Identification([], _("Nothing in the input matches the reference data."))
    candidates = _design_candidates(index, found) if found.models else []
    if not candidates and found.makers:
        candidates = _maker_candidates(index, found)
    if not candidates and found.marks:
        candidates = _mark_candidates(index, found)
    if not candidates:
        candidates = [_attribute_candidate(index, found)]
    candidates = _attach_country(candidates, found)
    candidates.sort(key=lambda c: (-c.score, c.manufacturer_key is None, c.variant or ""))
    return Identification(_dedupe(candidates)[:limit], "")


def _attach_country(candidates: list[Candidate], found: Found) -> list[Candidate]:
    stated = _best(found.countries)
    for c in candidates:
        if c.country is None and stated:
            c.country = stated
    return candidates


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[tuple[str | None, str | None, str | None]] = set()
    kept = []
    for c in candidates:
        key = (c.manufacturer_key, c.design_key, c.variant)
        if key not in seen:
            seen.add(key)
            kept.append(c)
    return kept
