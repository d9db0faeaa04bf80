"""Weapon identification: free text in, ranked canonical candidates with reasons out.

Each input field is scanned for every kind of name (investigators put the model in the
manufacturer field and the country in the model field); a name found in its own field
weighs more. Designs are then expanded into the variants that produced them, and each
variant is scored against the evidence: the stated manufacturer, country, calibre, type
and marks. Licensed production is how "Beretta 92 made in Brazil" becomes the Taurus PT92.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
# How a design's producer relates to its originator (ManufacturerDesign.relation), in words.
RELATIONS = {
    "licensed": gettext_lazy("licensed"),
    "copy": gettext_lazy("copy"),
    "derivative": gettext_lazy("derivative"),
}
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


# The reference data's state: the load's id and the admin edits since (None before any load).
Version = tuple[int, int] | None


@dataclass
class Index:
    version: Version
    makers: dict[int, Maker] = field(default_factory=dict)
    maker_ids: dict[str, int] = field(default_factory=dict)
    maker_names: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    historic_names: set[tuple[str, int]] = field(default_factory=set)
    maker_codes: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    maker_prefixes: list[str] = field(default_factory=list)
    models: dict[str, set[tuple[int, int | None]]] = field(default_factory=lambda: defaultdict(set))
    options: dict[int, list[Option]] = field(default_factory=lambda: defaultdict(list))
    design_calibres: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    design_types: dict[int, str] = field(default_factory=dict)
    design_names: dict[int, str] = field(default_factory=dict)
    calibres: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    calibre_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    calibre_categories: dict[int, str] = field(default_factory=dict)
    variant_calibres: dict[int, set[int]] = field(default_factory=dict)
    model_terms: list[str] = field(default_factory=list)
    countries: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    proofs: list[tuple[str, str, int | None, str | None, str]] = field(default_factory=list)


_cache: dict[str, Index] = {}


def _build(version: Version) -> Index:
    index = Index(version=version)
    for m in Manufacturer.objects.values("id", "key", "name", "country_id", "kind"):
        index.maker_ids[m["key"]] = m["id"]
        index.makers[m["id"]] = Maker(
            m["id"], m["key"], m["name"], m["country_id"], m["kind"] != "ncic"
        )
    for alias, norm, maker_id, kind in ManufacturerAlias.objects.values_list(
        "alias", "alias_norm", "manufacturer_id", "kind"
    ):
        if kind == "ncic":  # codes count only when a whole field is the code
            index.maker_codes[norm].add(maker_id)
            continue
        index.maker_names[norm].add(maker_id)
        index.maker_names[compact_key(alias)].add(maker_id)
        if kind == "historic":
            index.historic_names.add((norm, maker_id))
    index.maker_prefixes = sorted(k for k in index.maker_names if " " in k)
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
    index.model_terms = sorted(index.models)
    for design_id, calibre_id in Design.calibres.through.objects.values_list(
        "design_id", "calibre_id"
    ):
        index.design_calibres[design_id].add(calibre_id)
    by_key = {}
    for c in Calibre.objects.values("id", "key", "name", "category"):
        index.calibre_names[c["id"]] = (c["key"], c["name"])
        index.calibre_categories[c["id"]] = c["category"]
        by_key[c["key"]] = c["id"]
    for variant_id, keys in Variant.objects.exclude(calibres=[]).values_list("id", "calibres"):
        index.variant_calibres[variant_id] = {by_key[k] for k in keys if k in by_key}
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


VERSION_CHECK_SECONDS = 5.0
_checked_at: dict[str, float] = {}


def get_index() -> Index:
    """The in-memory index, rebuilt when another load or an admin edit of the reference data
    is seen (the version is checked at most every few seconds, not on every call)."""
    cached = _cache.get("index")
    now = time.monotonic()
    if cached is not None and now - _checked_at.get("index", 0.0) < VERSION_CHECK_SECONDS:
        return cached
    row = ReferenceVersion.objects.values_list("pk", "edits").first()
    latest = (row[0], row[1]) if row else None
    _checked_at["index"] = now
    if cached is None or cached.version != latest:
        cached = _cache["index"] = _build(latest)
    return cached


def reset_index() -> None:
    """Forget the cached index (after a load or an edit in this process)."""
    _cache.pop("index", None)


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
    words: list[str],
    table: dict[str, set[Any]],
    min_length: int = 2,
    used: set[int] | None = None,
) -> list[tuple[set[Any], str, set[int]]]:
    """Longest spans of `words` naming something in `table`, spaced ('heckler koch') or run
    together ('h k' -> 'hk'); each word is used once. Lengths count bytes, so two Chinese
    characters are as telling as three Latin letters."""
    taken = set(used or ())
    hits = []
    for i, j in _spans(words):
        if taken & set(range(i, j)):
            continue
        for key in (" ".join(words[i:j]), "".join(words[i:j])):
            if len(key.encode()) >= min_length and key in table:
                hits.append((table[key], " ".join(words[i:j]), set(range(i, j))))
                taken |= set(range(i, j))
                break
    return hits


def _scan_field(index: Index, name: str, text: str, found: Found) -> None:
    """Every kind of name in one field. In its own field a kind claims its words first:
    in the manufacturer field 'Kalashnikov USA' is a maker, not the Kalashnikov design;
    in the model field 'Sistema Colt Modelo 1927' is a model, not the maker Colt."""
    words = name_key(text).split()
    claimed: set[int] = set()

    def weight(kind: str) -> float:
        return OWN_FIELD if name == kind else OTHER_FIELD

    def makers() -> None:
        # Short names only count in their own field ("M" is no maker).
        min_len = 1 if name == "manufacturer" else 4
        for ids, words_found, span in _scan(words, index.maker_names, min_len, claimed):
            if name == "manufacturer":
                claimed.update(span)
            for maker_id in ids:
                _keep(found.makers, maker_id, weight("manufacturer"), words_found)

    def models() -> None:
        for ids, words_found, span in _scan(words, index.models, 2, claimed):
            if name == "model":
                claimed.update(span)
            for pair in ids:
                _keep(found.models, pair, weight("model"), words_found)

    if name == "model":
        models()
        makers()
    else:
        makers()
        models()
    calibre_words = calibre_key(text).split()
    min_calibre = 1 if name == "calibre" else 3
    for ids, words_found, _span in _scan(calibre_words, index.calibres, min_calibre):
        for calibre_id in ids:
            _keep(found.calibres, calibre_id, weight("calibre") / len(ids), words_found)
    if name == "calibre" and len(calibre_words) == 1 and BARE_NUMBER.match(calibre_words[0]):
        _bare_calibre(index, calibre_words[0], found)
    min_country = 2 if name == "country" else 4
    for codes, words_found, _span in _scan(words, index.countries, min_country, claimed):
        for code in codes:
            _keep(found.countries, code, weight("country"), words_found)
    for kinds, words_found, _span in _scan(words, index.types, 3, claimed):
        for kind in kinds:
            _keep(found.types, kind, weight("type"), words_found)


BARE_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _bare_calibre(index: Index, number: str, found: Found) -> None:
    """'7.62' or '40 mm' alone: every cartridge of that bore is possible, weakly; the
    design, if known, picks among them."""
    ids = [i for i, (key, _name) in index.calibre_names.items() if key.startswith(number + "x")]
    for calibre_id in ids:
        _keep(found.calibres, calibre_id, 0.5 / len(ids), number)


def _model_prefixes(index: Index, text: str, found: Found) -> None:
    """Suffixed or shortened designations: 'G36KV' is a G36, 'Type 54' may be the
    'Type 54 HMG'. Weaker than a full name, so other clues decide between them."""
    compact = compact_key(text)
    if len(compact) < 3:
        return
    for cut in range(len(compact) - 1, 2, -1):  # the longest known name the text begins with
        if compact[:cut] in index.models:
            for pair in index.models[compact[:cut]]:
                _keep(found.models, pair, 0.6, text)
            break
    start = bisect.bisect_left(index.model_terms, compact)
    for term in index.model_terms[start : start + 30]:
        if not term.startswith(compact):
            break
        if term != compact:
            for pair in index.models[term]:
                _keep(found.models, pair, 0.6, text)


def _near_ties(key: str, choices: list[str], cutoff: float) -> list[tuple[str, float]]:
    matches = process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5)
    if not matches:
        return []
    best = matches[0][1]
    return [(m[0], m[1]) for m in matches if m[1] >= best - 2]


def _fuzzy(index: Index, text: str, found: Found, name: str) -> None:
    """Close spellings ('Izmash', 'Zastawa') and longer names that begin with the words
    given ('Springfield Armory' -> 'Springfield Armory Inc')."""
    key = name_key(text)
    if len(key.encode()) < 4:
        return
    if name == "manufacturer":
        for alias in _word_prefixed(index.maker_prefixes, key):
            for maker_id in index.maker_names[alias]:
                _keep(found.makers, maker_id, 0.7, text)
        if not found.makers:
            for alias, score in _near_ties(key, list(index.maker_names), FUZZY_CUTOFF):
                for maker_id in index.maker_names[alias]:
                    _keep(found.makers, maker_id, 0.8 * score / 100, text)
    if name == "model":
        _model_prefixes(index, text, found)
    if name == "model" and not found.models:
        compact = compact_key(text)
        for term, score in _near_ties(compact, list(index.models), FUZZY_CUTOFF + 4):
            for pair in index.models[term]:
                _keep(found.models, pair, 0.7 * score / 100, text)
        if not found.models and len(compact) >= 4:  # '91/30' within 'M91/30'
            for term in (t for t in index.models if compact in t and len(t) <= len(compact) + 3):
                for pair in index.models[term]:
                    _keep(found.models, pair, 0.6, text)
    if name == "country" and not found.countries:
        for alias, _score in _near_ties(key, list(index.countries), FUZZY_CUTOFF):
            for code in index.countries[alias]:
                _keep(found.countries, code, 0.8, text)


def _word_prefixed(prefixes: list[str], key: str) -> list[str]:
    """Aliases that start with all the words of `key` and go on."""
    start = bisect.bisect_left(prefixes, key + " ")
    hits = []
    for alias in prefixes[start : start + 20]:
        if not alias.startswith(key + " "):
            break
        hits.append(alias)
    return hits


def _digits(words: list[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w)}


# Shapes typed with punctuation: /66\\ is 66 in a triangle, (10) in a circle, ((10)) in a
# double circle.
DRAWN = [
    (re.compile(r"\(\(\s*(\w+)\s*\)\)"), r" \1 in a double circle "),
    (re.compile(r"/\s*(\w+)\s*\\"), r" \1 in a triangle "),
    (re.compile(r"\(\s*(\w+)\s*\)"), r" \1 in a circle "),
]


def _describe_drawn(text: str) -> str:
    for pattern, words in DRAWN:
        text = pattern.sub(words, text)
    return text


def _scan_marks(index: Index, text: str, found: Found) -> None:
    """Proof marks and factory codes described in words; numbers must agree both ways."""
    words = name_key(_describe_drawn(text)).split()
    if not words:
        return
    for description, code, maker_id, country, meaning in index.proofs:
        described = description.split() + ([code.lower()] if code else [])
        if _digits(words) != _digits(described):
            continue
        if fuzz.token_set_ratio(" ".join(words), description) >= 85:
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
    index: Index,
    option: Option,
    found: Found,
    model_weight: float,
    model_words: str,
    direct: bool = True,
) -> tuple[float, float, list[str]]:
    reasons = []
    score, possible = W_MODEL * model_weight, W_MODEL
    producer = index.makers.get(option.producer_id) if option.producer_id else None
    producer_name = producer.name if producer else _("unknown producer")
    if not direct:
        reasons.append(
            _("'%(w)s' names another %(d)s; %(v)s is the one made by %(p)s (%(c)s)")
            % {
                "w": model_words,
                "d": option.design_name,
                "v": option.designation,
                "p": producer_name,
                "c": option.country or "?",
            }
        )
    elif option.relation == "original":
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
                "rel": RELATIONS.get(option.relation, option.relation),
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
        known = index.variant_calibres.get(option.variant_id or -1) or index.design_calibres.get(
            option.design_id, set()
        )
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


# Ammunition that only one kind of weapon fires tells the type.
TYPE_BY_CATEGORY = {
    "grenade": "grenade-launcher",
    "mortar": "mortar",
    "heavy-machine-gun": "heavy-machine-gun",
}


def _attributes(index: Index, found: Found) -> tuple[tuple[str, str] | None, str | None]:
    calibre = _best(found.calibres)
    weapon_type = _best(found.types)
    if weapon_type is None and calibre is not None:
        weapon_type = TYPE_BY_CATEGORY.get(index.calibre_categories.get(calibre, ""))
    return (index.calibre_names.get(calibre) if calibre else None), weapon_type


def _design_calibre(
    index: Index, design_id: int, found: Found, variant_id: int | None = None
) -> tuple[tuple[str, str] | None, str]:
    """The calibre stated, preferring one the design is made in ('40mm' on an M79 is
    40x46, not .40 S&W); else the variant's or the design's only calibre."""
    known = index.variant_calibres.get(variant_id or -1) or index.design_calibres.get(
        design_id, set()
    )
    fitting = [c for c in found.calibres if c in known]
    if fitting:
        return index.calibre_names[max(fitting, key=lambda c: found.calibres[c][0])], ""
    if found.calibres:
        return index.calibre_names[_best(found.calibres)], ""
    if len(known) == 1:
        name = index.calibre_names[next(iter(known))]
        return name, _("calibre %(c)s: the only one this model is made in") % {"c": name[1]}
    return None, ""


def _mark_maker(index: Index, option: Option, found: Found) -> Maker | None:
    """A factory mark naming another maker of the same country names the real producer
    (Chinese factory 26 on an SKS: Jianshe, not Norinco)."""
    for maker_id, _country, _meaning in found.marks:
        maker = index.makers.get(maker_id) if maker_id else None
        if (
            maker
            and maker.id != option.producer_id
            and _same_country(maker.country, option.country)
        ):
            return maker
    return None


def _model_weight(
    option: Option,
    hits: dict[int | None, tuple[float, str]],
    family: tuple[float, str],
    named_best: float,
) -> tuple[float, str]:
    """How strongly the text names this option: by its own name, by the family name (the
    original slightly ahead), or only as a sibling of a variant named outright."""
    own = hits.get(option.variant_id) if option.variant_id is not None else None
    words = own[1] if own else (family[1] or next(iter(hits.values()))[1])
    if named_best >= family[0] and named_best > 0:
        # A variant named outright (M1A, Type 81-1): its unnamed siblings are only family.
        shared = 0.5 * named_best
    else:
        shared = family[0] * (1.02 if option.relation == "original" else 1.0)
    return max(own[0] if own else 0.0, shared), words


def _design_candidates(index: Index, found: Found) -> list[Candidate]:
    weapon_type = _best(found.types)
    stated_country = _best(found.countries)
    by_design: dict[int, dict[int | None, tuple[float, str]]] = {}
    for (design_id, variant_id), hit in found.models.items():
        by_design.setdefault(design_id, {})[variant_id] = hit
    candidates = []
    for design_id, hits in by_design.items():
        family = hits.get(None, (0.0, ""))
        named_best = max((w for v, (w, _t) in hits.items() if v is not None), default=0.0)
        for option in index.options[design_id]:
            calibre, calibre_reason = _design_calibre(index, design_id, found, option.variant_id)
            model_weight, words = _model_weight(option, hits, family, named_best)
            direct = option.variant_id in hits or family[0] >= named_best
            score, possible, reasons = _score_option(
                index, option, found, model_weight, words, direct
            )
            producer = index.makers.get(option.producer_id) if option.producer_id else None
            marked = _mark_maker(index, option, found)
            if marked is not None:
                producer = marked
                reasons.append(_("the factory mark names %(m)s") % {"m": marked.name})
            country = option.country
            if stated_country and SUCCESSORS.get(country or "") == stated_country:
                country = stated_country  # made when the state had its former name
            if calibre_reason:
                reasons.append(calibre_reason)
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
                    country=country,
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
    return identify_in(get_index(), fields, limit=limit)


def identify_in(index: Index, fields: dict[str, str], *, limit: int = 5) -> Identification:
    """identify() with an index the caller holds: an import resolving thousands of names
    skips get_index's periodic version check."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    given = {
        name: (text or "").strip()[:300] for name, text in fields.items() if text and text.strip()
    }
    if not given:
        return Identification([], _("Type a manufacturer, model, calibre, type, country or mark."))
    found = Found()
    for name, text in given.items():
        if name == "marks":
            _scan_marks(index, text, found)
        _scan_field(index, name, text, found)
    code = name_key(given.get("manufacturer", ""))
    for maker_id in index.maker_codes.get(code, set()) if not found.makers else set():
        _keep(found.makers, maker_id, 0.9, given["manufacturer"])
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
