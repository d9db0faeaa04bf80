"""Regions of the world for matching assistance: the UN M49 geographic regions and
sub-regions (unstats.un.org/unsd/methodology/m49). Dissolved states (ISO 3166-3) sit where
their territory lies; Antarctica belongs to none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SubRegion:
    code: str
    name: str | Promise
    region: str
    countries: frozenset[str]


def _sub(code: str, name: str | Promise, region: str, countries: str) -> SubRegion:
    return SubRegion(code, name, region, frozenset(countries.split()))


REGIONS: dict[str, str | Promise] = {
    "africa": _("Africa"),
    "americas": _("Americas"),
    "asia": _("Asia"),
    "europe": _("Europe"),
    "oceania": _("Oceania"),
}

SUB_REGIONS = (
    _sub("northern_africa", _("Northern Africa"), "africa", "DZ EG LY MA SD TN EH"),
    _sub("eastern_africa", _("Eastern Africa"), "africa",
         "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW"),
    _sub("middle_africa", _("Middle Africa"), "africa", "AO CM CF TD CG CD GQ GA ST"),
    _sub("southern_africa", _("Southern Africa"), "africa", "BW SZ LS NA ZA"),
    _sub("western_africa", _("Western Africa"), "africa",
         "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
    _sub("caribbean", _("Caribbean"), "americas",
         "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"),
    _sub("central_america", _("Central America"), "americas", "BZ CR SV GT HN MX NI PA"),
    _sub("south_america", _("South America"), "americas",
         "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"),
    _sub("northern_america", _("Northern America"), "americas", "BM CA GL PM US"),
    _sub("central_asia", _("Central Asia"), "asia", "KZ KG TJ TM UZ"),
    _sub("eastern_asia", _("Eastern Asia"), "asia", "CN HK MO KP JP MN KR TW"),
    _sub("south_eastern_asia", _("South-eastern Asia"), "asia",
         "BN KH ID LA MY MM PH SG TH TL VN"),
    _sub("southern_asia", _("Southern Asia"), "asia", "AF BD BT IN IR MV NP PK LK"),
    _sub("western_asia", _("Western Asia"), "asia",
         "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"),
    _sub("eastern_europe", _("Eastern Europe"), "europe", "BY BG CZ HU PL MD RO RU SK UA SU"),
    _sub("northern_europe", _("Northern Europe"), "europe",
         "AX DK EE FO FI GG IS IE IM LV LT NO SJ SE GB JE"),
    _sub("southern_europe", _("Southern Europe"), "europe",
         "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES YU CS"),
    _sub("western_europe", _("Western Europe"), "europe", "AT BE FR DE LI LU MC NL CH DD"),
    _sub("australia_nz", _("Australia and New Zealand"), "oceania", "AU CX CC HM NZ NF"),
    _sub("melanesia", _("Melanesia"), "oceania", "FJ NC PG SB VU"),
    _sub("micronesia", _("Micronesia"), "oceania", "GU KI MH FM NR MP PW UM"),
    _sub("polynesia", _("Polynesia"), "oceania", "AS CK PF NU PN WS TK TO TV WF"),
)  # fmt: skip

_BY_COUNTRY = {country: sub for sub in SUB_REGIONS for country in sub.countries}


def sub_region_of(country: str) -> SubRegion | None:
    return _BY_COUNTRY.get(country.upper())


def region_of(country: str) -> str:
    """The M49 region code of an ISO 3166 code, '' when it has none (or is unknown)."""
    sub = sub_region_of(country)
    return sub.region if sub else ""
