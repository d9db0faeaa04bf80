"""What the clues besides the serial say: a profile of a weapon description (canonical
manufacturers, design family, calibre, type, country) and how two profiles agree.

The same identification service reads the investigator's query and the registry record,
so a query naming "Kalashnikov" meets a record made by Norinco as a Type 56: both resolve
to the AK-47 family, and licensed production explains the different maker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext as _

from armstrace.reference.identify import SUCCESSORS, Version, get_index, identify
from armstrace.reference.models import Calibre
from armstrace.reference.normalise import calibre_key, compact_key

MIN_CONFIDENCE = 0.45


@dataclass(frozen=True)
class Profile:
    makers: frozenset[str] = frozenset()
    maker_names: tuple[str, ...] = ()
    design: str | None = None
    design_name: str | None = None
    calibre: str | None = None
    weapon_type: str | None = None
    country: str | None = None
    model_text: str = ""  # the model as written, compacted: a weak clue when unresolved

    def empty(self) -> bool:
        return not (self.makers or self.design or self.calibre or self.weapon_type or self.country)


@lru_cache(maxsize=20000)
def _profile(
    manufacturer: str, model: str, calibre: str, weapon_type: str, country: str, version: Version
) -> Profile:
    makers: set[str] = set()
    names: list[str] = []
    design = design_name = None
    if manufacturer or model:
        result = identify(manufacturer=manufacturer, model=model, country=country, limit=8)
        top = result.candidates[0] if result.candidates else None
        if top is not None and top.confidence >= MIN_CONFIDENCE:
            design, design_name = top.design_key, top.design
        for c in result.candidates:
            if (
                c.manufacturer_key
                and c.confidence >= MIN_CONFIDENCE
                and (c.design_key is None or c.design_key == design)
            ):
                makers.add(c.manufacturer_key)
                names.append(c.manufacturer or c.manufacturer_key)
            if c.design_key is not None and c.design_key == design:
                break  # the best variant of the family names its maker
    found_calibre = None
    if calibre:
        hit = identify(calibre=calibre).candidates
        found_calibre = hit[0].calibre_key if hit and hit[0].calibre_key else calibre_key(calibre)
    found_type = weapon_type or None
    if weapon_type:
        hit = identify(type=weapon_type).candidates
        found_type = hit[0].weapon_type if hit and hit[0].weapon_type else weapon_type
    found_country = None
    if country:
        hit = identify(country=country).candidates
        found_country = hit[0].country if hit and hit[0].country else country.upper()[:2]
    return Profile(
        frozenset(makers),
        tuple(dict.fromkeys(names)),
        design,
        design_name,
        found_calibre,
        found_type,
        found_country,
        compact_key(model),
    )


def profile(
    *,
    manufacturer: str = "",
    model: str = "",
    calibre: str = "",
    weapon_type: str = "",
    country: str = "",
) -> Profile:
    version = get_index().version
    return _profile(
        manufacturer.strip(),
        model.strip(),
        calibre.strip(),
        weapon_type.strip(),
        country.strip(),
        version,
    )


@lru_cache(maxsize=4096)
def _related_calibres(key: str, version: Version) -> frozenset[str]:
    calibre = Calibre.objects.filter(key=key).prefetch_related("related").first()
    return frozenset(r.key for r in calibre.related.all()) if calibre else frozenset()


def family(design: str) -> tuple[str | None, set[str]]:
    """The originator and every producer of a design family, by manufacturer key."""
    return _family(design, get_index().version)


@lru_cache(maxsize=1024)
def _family(design: str, version: Version) -> tuple[str | None, set[str]]:
    index = get_index()
    for options in index.options.values():
        if options and options[0].design_key == design:
            keys = {
                index.makers[o.producer_id].key for o in options if o.producer_id in index.makers
            }
            first = options[0].producer_id
            return (index.makers[first].key if first in index.makers else None), keys
    return None, set()


def designs_of(query: Profile) -> set[str]:
    """The family the query names, or those its makers originated."""
    if query.design:
        return {query.design}
    index = get_index()
    return {
        options[0].design_key
        for options in index.options.values()
        if options
        and options[0].producer_id in index.makers
        and index.makers[options[0].producer_id].key in query.makers
    }


@dataclass
class Agreement:
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: float, reason: str = "") -> None:
        self.score += points
        if reason:
            self.reasons.append(reason)


def compare(
    query: Profile, record: Profile, year_query: int | None, year_record: int | None
) -> Agreement:
    """Points for each clue that agrees, against each that contradicts."""
    result = Agreement()
    _makers(query, record, result)
    if query.design and record.design:
        if query.design == record.design:
            result.add(0.6, _("model family %(d)s matches") % {"d": record.design_name})
        else:
            result.add(-0.4, _("model family differs (%(d)s)") % {"d": record.design_name})
    elif query.model_text and record.model_text:  # models the reference data does not know
        if query.model_text == record.model_text:
            result.add(0.3, _("model matches as written"))
        else:
            result.add(-0.2, _("model differs as written"))
    if query.calibre and record.calibre:
        version = get_index().version
        if query.calibre == record.calibre:
            result.add(0.4, _("calibre %(c)s matches") % {"c": record.calibre})
        elif record.calibre in _related_calibres(query.calibre, version):
            result.add(
                0.15,
                _("calibre %(c)s is related to %(q)s") % {"c": record.calibre, "q": query.calibre},
            )
        else:
            result.add(-0.4, _("calibre differs (%(c)s)") % {"c": record.calibre})
    if query.weapon_type and record.weapon_type:
        same = query.weapon_type == record.weapon_type
        result.add(
            0.2 if same else -0.2,
            _("type %(t)s matches") % {"t": record.weapon_type} if same else "",
        )
    if query.country and record.country:
        a, b = query.country, record.country
        if a == b or SUCCESSORS.get(a) == b or SUCCESSORS.get(b) == a:
            result.add(0.3, _("country %(c)s matches") % {"c": b})
        else:
            result.add(-0.2, _("country differs (%(c)s)") % {"c": b})
    if year_query and year_record:
        gap = abs(year_query - year_record)
        if gap == 0:
            result.add(0.2, _("year %(y)d matches") % {"y": year_record})
        elif gap <= 2:
            result.add(0.1)
        else:
            result.add(-0.1)
    return result


def _makers(query: Profile, record: Profile, result: Agreement) -> None:
    if not query.makers or not record.makers:
        return
    if query.makers & record.makers:
        result.add(1.0, _("manufacturer matches (%(m)s)") % {"m": ", ".join(record.maker_names)})
        return
    family_key = record.design or query.design
    originator, producers = family(family_key) if family_key else (None, set())
    # Investigators name the famous originator for a licensed copy or a copy.
    if originator in query.makers and record.makers & producers:
        result.add(
            0.5,
            _(
                "%(r)s makes the %(d)s under licence or as a copy; the query named "
                "its originator %(q)s"
            )
            % {
                "r": ", ".join(record.maker_names),
                "d": record.design_name or query.design_name or family_key,
                "q": ", ".join(query.maker_names),
            },
        )
        return
    result.add(-0.6, _("manufacturer differs (%(m)s)") % {"m": ", ".join(record.maker_names)})
