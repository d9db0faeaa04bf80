"""The synthetic demo data set: a national registry with full weapon life cycles.

Everything is written through the service layer, so the audit trail, statuses and holders
are exactly what real use would produce. The data are deterministic for a given seed.
Manufacturers, models, calibres and serial styles are real; every person, company,
dealer, unit and document number is invented.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from armstrace.accounts.choices import AgencyKind, Role
from armstrace.accounts.models import Agency
from armstrace.accounts.selectors import SECOND_FACTOR_ROLES, totp_secret
from armstrace.accounts.services import create_agency, create_totp_device, create_user
from armstrace.core.context import audit_context
from armstrace.reference.choices import WeaponType
from armstrace.registry import rules
from armstrace.registry.choices import ComponentType, EventKind, MarkMethod, MarkRole, Status
from armstrace.registry.choices import PartyKind as PK
from armstrace.registry.models import Party, Weapon
from armstrace.registry.services import (
    ComponentInput,
    EventInput,
    MarkInput,
    WeaponInput,
    add_mark,
    create_party,
    record_life_event,
    register_weapon,
    replace_component,
)
from armstrace.search.indexing import deferred_indexing

E, WT = EventKind, WeaponType
HOME = "KE"  # the demo registry's country
# Dates stop here (not at today) so that a seed gives the same data set on any day.
HORIZON = dt.date(2025, 12, 31)
FIRST_YEAR = 1950
BATCH = 250  # weapons per transaction: large enough to be fast, small enough to show progress


# --- Reference: real manufacturers, their models and serial styles ------------------------


@dataclass(frozen=True)
class Model:
    name: str
    calibre: str
    weapon_type: WeaponType
    years: tuple[int, int]  # production span


@dataclass(frozen=True)
class Maker:
    name: str
    country: str
    # str.format pattern: {n:0Wd} runs in sequence; {a} {b} {c} letters and {d} {dd} {ddd}
    # digits are fixed for a production run; {yy} is the year of manufacture.
    serial: str
    marking: str
    models: tuple[Model, ...]
    weight: int  # share of the national inventory
    country_until: tuple[tuple[int, str], ...] = ()  # dissolved states: (last year, code)
    domestic: bool = False


def _m(name: str, calibre: str, weapon_type: WeaponType, first: int, last: int = 2025) -> Model:
    return Model(name, calibre, weapon_type, (first, last))


SOVIET = ((1991, "SU"),)
MAKERS: tuple[Maker, ...] = (
    Maker("Glock Ges.m.b.H.", "AT", "{a}{b}{c}{n:03d}", "GLOCK AUSTRIA", (
        _m("Glock 17", "9x19mm", WT.PISTOL, 1982), _m("Glock 19", "9x19mm", WT.PISTOL, 1988),
        _m("Glock 26", "9x19mm", WT.PISTOL, 1995), _m("Glock 22", ".40 S&W", WT.PISTOL, 1990),
    ), 40),
    Maker("Steyr Mannlicher", "AT", "{d}{a}{n:05d}", "STEYR-MANNLICHER AUSTRIA", (
        _m("AUG A1", "5.56x45mm", WT.ASSAULT_RIFLE, 1978),
        _m("SSG 69", "7.62x51mm", WT.RIFLE, 1969, 2010), _m("M9-A1", "9x19mm", WT.PISTOL, 2000),
    ), 8),
    Maker("Hirtenberger Defence Systems", "AT", "HDS{n:05d}", "HIRTENBERGER AUSTRIA", (
        _m("M6C-210", "60mm", WT.MORTAR, 1998),
    ), 1),
    Maker("Fabbrica d'Armi Pietro Beretta", "IT", "BER{n:06d}Z", "P. BERETTA GARDONE V.T.", (
        _m("92FS", "9x19mm", WT.PISTOL, 1976), _m("Px4 Storm", "9x19mm", WT.PISTOL, 2004),
        _m("ARX160", "5.56x45mm", WT.ASSAULT_RIFLE, 2008),
        _m("686 Silver Pigeon", "12 gauge", WT.SHOTGUN, 1985),
        _m("M12", "9x19mm", WT.SUB_MACHINE_GUN, 1959, 1990),
    ), 25),
    Maker("Benelli Armi", "IT", "{a}{n:06d}", "BENELLI ARMI URBINO", (
        _m("M4 Super 90", "12 gauge", WT.SHOTGUN, 1998),
        _m("Montefeltro", "12 gauge", WT.SHOTGUN, 1987),
    ), 5),
    Maker("Česká zbrojovka", "CZ", "{a}{n:06d}", "CESKA ZBROJOVKA UHERSKY BROD", (
        _m("CZ 75 B", "9x19mm", WT.PISTOL, 1975), _m("CZ 83", ".380 ACP", WT.PISTOL, 1983, 2012),
        _m("CZ P-10 C", "9x19mm", WT.PISTOL, 2017),
        _m("Scorpion EVO 3 A1", "9x19mm", WT.SUB_MACHINE_GUN, 2009),
        _m("Sa vz. 58", "7.62x39mm", WT.ASSAULT_RIFLE, 1959, 1984),
    ), 20, ((1992, "CS"),)),
    Maker("FN Herstal", "BE", "{n:06d}", "FN HERSTAL BELGIUM", (
        _m("FAL", "7.62x51mm", WT.ASSAULT_RIFLE, 1953, 1988),
        _m("Minimi", "5.56x45mm", WT.LIGHT_MACHINE_GUN, 1974),
        _m("MAG", "7.62x51mm", WT.LIGHT_MACHINE_GUN, 1958),
        _m("P90", "5.7x28mm", WT.SUB_MACHINE_GUN, 1990),
        _m("Five-seveN", "5.7x28mm", WT.PISTOL, 1998),
        _m("High Power", "9x19mm", WT.PISTOL, 1950, 2017),
    ), 15),
    Maker("Heckler & Koch", "DE", "{dd}-{n:06d}", "HECKLER & KOCH GMBH OBERNDORF/N.", (
        _m("G3", "7.62x51mm", WT.ASSAULT_RIFLE, 1959, 1997),
        _m("MP5", "9x19mm", WT.SUB_MACHINE_GUN, 1966),
        _m("HK416", "5.56x45mm", WT.ASSAULT_RIFLE, 2005),
        _m("G36", "5.56x45mm", WT.ASSAULT_RIFLE, 1996), _m("USP", "9x19mm", WT.PISTOL, 1993),
    ), 15),
    Maker("Carl Walther", "DE", "{n:06d}{a}", "CARL WALTHER ULM/DO.", (
        _m("PP", "7.65mm Browning", WT.PISTOL, 1950, 2000),
        _m("PPK", ".380 ACP", WT.PISTOL, 1950),
        _m("P99", "9x19mm", WT.PISTOL, 1997), _m("PPQ", "9x19mm", WT.PISTOL, 2011),
    ), 8),
    Maker("Rheinmetall", "DE", "{n:06d}", "RHEINMETALL DUESSELDORF", (
        _m("MG3", "7.62x51mm", WT.LIGHT_MACHINE_GUN, 1959, 1990),
    ), 2),
    Maker("Zastava Arms", "RS", "{n:06d}", "ZASTAVA KRAGUJEVAC", (
        _m("M70", "7.62x39mm", WT.ASSAULT_RIFLE, 1970),
        _m("M70AB2", "7.62x39mm", WT.ASSAULT_RIFLE, 1974),
        _m("M76", "7.92x57mm", WT.RIFLE, 1976, 2000),
        _m("M84", "7.62x54mmR", WT.LIGHT_MACHINE_GUN, 1984),
        _m("CZ99", "9x19mm", WT.PISTOL, 1989), _m("M57", "7.62x25mm", WT.PISTOL, 1957, 2010),
    ), 30, ((2005, "YU"),)),
    Maker("Norinco", "CN", "{n:08d}", "(66) MADE IN CHINA", (
        _m("Type 56", "7.62x39mm", WT.ASSAULT_RIFLE, 1956),
        _m("Type 81", "7.62x39mm", WT.ASSAULT_RIFLE, 1981),
        _m("Type 54", "7.62x25mm", WT.PISTOL, 1954, 2010),
        _m("QBZ-95", "5.8x42mm", WT.ASSAULT_RIFLE, 1995),
        _m("Type 85", "12.7x108mm", WT.HEAVY_MACHINE_GUN, 1985),
        _m("Type 69", "40mm", WT.GRENADE_LAUNCHER, 1969, 2010),
    ), 35),
    Maker("Kalashnikov Concern", "RU", "{yy}{n:05d}", "IZHEVSK", (
        _m("AKM", "7.62x39mm", WT.ASSAULT_RIFLE, 1959, 1977),
        _m("AK-74", "5.45x39mm", WT.ASSAULT_RIFLE, 1974, 1991),
        _m("AK-74M", "5.45x39mm", WT.ASSAULT_RIFLE, 1991),
        _m("AK-103", "7.62x39mm", WT.ASSAULT_RIFLE, 2001),
        _m("RPK", "7.62x39mm", WT.LIGHT_MACHINE_GUN, 1961, 1978),
        _m("Saiga-12", "12 gauge", WT.SHOTGUN, 1997),
        _m("PP-19 Bizon", "9x18mm Makarov", WT.SUB_MACHINE_GUN, 1996),
    ), 30, SOVIET),
    Maker("Tula Arms Plant", "RU", "{yy}{a}{n:04d}", "TOZ TULA", (
        _m("TOZ-34", "12 gauge", WT.SHOTGUN, 1964, 2010),
        _m("TOZ-87", "12 gauge", WT.SHOTGUN, 1987, 2003),
    ), 6, SOVIET),
    Maker("Izhevsk Mechanical Plant", "RU", "{a}{b} {n:04d}", "BAIKAL IZHEVSK", (
        _m("PM (Makarov)", "9x18mm Makarov", WT.PISTOL, 1951),
        _m("IZh-27", "12 gauge", WT.SHOTGUN, 1973), _m("MP-153", "12 gauge", WT.SHOTGUN, 2000),
    ), 10, SOVIET),
    Maker("Degtyaryov Plant", "RU", "{yy}-{n:05d}", "KOVROV", (
        _m("PKM", "7.62x54mmR", WT.LIGHT_MACHINE_GUN, 1969),
        _m("Kord", "12.7x108mm", WT.HEAVY_MACHINE_GUN, 1998),
    ), 3, SOVIET),
    Maker("Bazalt", "RU", "{a}{b}{n:04d}", "BAZALT", (
        _m("RPG-7V", "40mm", WT.GRENADE_LAUNCHER, 1961),
    ), 2, SOVIET),
    Maker("Arsenal AD", "BG", "{a}{b}{n:06d}", "ARSENAL (10) BULGARIA", (
        _m("AR-M1", "5.56x45mm", WT.ASSAULT_RIFLE, 1998),
        _m("AKK", "7.62x39mm", WT.ASSAULT_RIFLE, 1958, 1990),
        _m("Makarov", "9x18mm Makarov", WT.PISTOL, 1970),
    ), 15),
    Maker("Uzina Mecanică Cugir", "RO", "{a}{b}-{n:04d}-{yy}", "UM CUGIR ROMANIA", (
        _m("PM md. 63", "7.62x39mm", WT.ASSAULT_RIFLE, 1963, 1990),
        _m("PA md. 86", "5.45x39mm", WT.ASSAULT_RIFLE, 1986),
        _m("Carpati md. 74", "7.65mm Browning", WT.PISTOL, 1974, 1998),
        _m("PSL", "7.62x54mmR", WT.RIFLE, 1974),
    ), 15),
    Maker("FÉG", "HU", "{n:05d}{a}", "FEG BUDAPEST", (
        _m("AMD-65", "7.62x39mm", WT.ASSAULT_RIFLE, 1965, 1990),
        _m("PA-63", "9x18mm Makarov", WT.PISTOL, 1963, 1990),
    ), 5),
    Maker("Fabryka Broni Łucznik-Radom", "PL", "{a}{b}{n:05d}", "FB RADOM", (
        _m("Beryl wz. 96", "5.56x45mm", WT.ASSAULT_RIFLE, 1997),
        _m("kbk AKM", "7.62x39mm", WT.ASSAULT_RIFLE, 1961, 1990),
        _m("P-64", "9x18mm Makarov", WT.PISTOL, 1965, 1977),
    ), 5),
    Maker("Valmet", "FI", "{n:06d}", "VALMET", (
        _m("Rk 62", "7.62x39mm", WT.ASSAULT_RIFLE, 1965, 1994),
    ), 3),
    Maker("Sako", "FI", "{a}{b}{n:04d}", "SAKO RIIHIMAKI FINLAND", (
        _m("TRG 22", ".308 Winchester", WT.RIFLE, 2000),
        _m("85", ".308 Winchester", WT.RIFLE, 2006),
        _m("Tikka T3", ".308 Winchester", WT.RIFLE, 2003),
    ), 5),
    Maker("Taurus", "BR", "{a}{b}{c}{n:05d}", "TAURUS BRASIL", (
        _m("PT92", "9x19mm", WT.PISTOL, 1983), _m("G2C", "9x19mm", WT.PISTOL, 2017),
        _m("Model 85", ".38 Special", WT.REVOLVER, 1980),
        _m("Model 66", ".357 Magnum", WT.REVOLVER, 1978),
    ), 25),
    Maker("IMBEL", "BR", "{n:06d}", "FABRICA DE ITAJUBA IMBEL BRASIL", (
        _m("MD97", "5.56x45mm", WT.ASSAULT_RIFLE, 1997),
        _m("IA2", "5.56x45mm", WT.ASSAULT_RIFLE, 2012),
        _m("M964 FAL", "7.62x51mm", WT.ASSAULT_RIFLE, 1964, 2012),
        _m("MD1", ".45 ACP", WT.PISTOL, 1990),
    ), 8),
    Maker("Smith & Wesson", "US", "{a}{b}{c}{n:04d}", "SMITH & WESSON SPRINGFIELD MA", (
        _m("Model 10", ".38 Special", WT.REVOLVER, 1950),
        _m("Model 686", ".357 Magnum", WT.REVOLVER, 1980),
        _m("M&P9", "9x19mm", WT.PISTOL, 2005), _m("SW40VE", ".40 S&W", WT.PISTOL, 1994),
    ), 15),
    Maker("Sturm, Ruger & Co.", "US", "{ddd}-{n:05d}", "STURM, RUGER & CO. SOUTHPORT CONN.", (
        _m("10/22", ".22 LR", WT.RIFLE, 1964), _m("Mini-14", "5.56x45mm", WT.RIFLE, 1973),
        _m("GP100", ".357 Magnum", WT.REVOLVER, 1985), _m("LCP", ".380 ACP", WT.PISTOL, 2008),
        _m("Security-Six", ".357 Magnum", WT.REVOLVER, 1972, 1988),
    ), 15),
    Maker("Colt's Manufacturing Company", "US", "{a}{n:06d}", "COLT'S MFG CO HARTFORD CONN", (
        _m("M16A2", "5.56x45mm", WT.ASSAULT_RIFLE, 1983),
        _m("M4 Carbine", "5.56x45mm", WT.CARBINE, 1994),
        _m("M1911A1", ".45 ACP", WT.PISTOL, 1950),
        _m("Python", ".357 Magnum", WT.REVOLVER, 1955, 2005),
    ), 10),
    Maker("Remington Arms", "US", "{a}{n:06d}M", "REMINGTON ARMS CO. ILION N.Y.", (
        _m("870", "12 gauge", WT.SHOTGUN, 1950),
        _m("700", ".308 Winchester", WT.RIFLE, 1962),
    ), 10),
    Maker("O.F. Mossberg & Sons", "US", "{a}{n:06d}", "O.F. MOSSBERG & SONS NORTH HAVEN CT", (
        _m("500", "12 gauge", WT.SHOTGUN, 1961), _m("590A1", "12 gauge", WT.SHOTGUN, 1987),
    ), 8),
    Maker("SIG Sauer", "CH", "{a}{b}{n:06d}", "SIG SAUER NEUHAUSEN", (
        _m("SG 550", "5.56x45mm", WT.ASSAULT_RIFLE, 1990),
        _m("P226", "9x19mm", WT.PISTOL, 1984), _m("P320", "9x19mm", WT.PISTOL, 2014),
    ), 10),
    Maker("Israel Weapon Industries", "IL", "{a}{n:06d}", "IWI ISRAEL", (
        _m("Uzi", "9x19mm", WT.SUB_MACHINE_GUN, 1954),
        _m("Galil ARM", "5.56x45mm", WT.ASSAULT_RIFLE, 1972),
        _m("Tavor TAR-21", "5.56x45mm", WT.ASSAULT_RIFLE, 2001),
        _m("Jericho 941", "9x19mm", WT.PISTOL, 1990),
        _m("Negev", "5.56x45mm", WT.LIGHT_MACHINE_GUN, 1997),
    ), 10),
    Maker("MKEK", "TR", "{n:06d}", "MKE ANKARA TURKIYE", (
        _m("G3A7", "7.62x51mm", WT.ASSAULT_RIFLE, 1967, 2014),
        _m("MPT-76", "7.62x51mm", WT.ASSAULT_RIFLE, 2014),
        _m("MP5", "9x19mm", WT.SUB_MACHINE_GUN, 1985),
    ), 8),
    Maker("Hatsan Arms", "TR", "{a}{n:05d}-{yy}", "HATSAN ESCORT TURKEY", (
        _m("Escort MP", "12 gauge", WT.SHOTGUN, 1993),
        _m("Escort Aimguard", "12 gauge", WT.SHOTGUN, 2000),
    ), 8),
    Maker("Denel Land Systems", "ZA", "{a}{n:06d}", "DENEL SOUTH AFRICA", (
        _m("R4", "5.56x45mm", WT.ASSAULT_RIFLE, 1980),
        _m("R5", "5.56x45mm", WT.CARBINE, 1980),
        _m("Vektor Z88", "9x19mm", WT.PISTOL, 1988, 2000),
        _m("SS-77", "7.62x51mm", WT.LIGHT_MACHINE_GUN, 1986),
    ), 10),
    Maker("Pakistan Ordnance Factories", "PK", "{a}{b}{n:05d}", "POF WAH CANTT", (
        _m("G3P4", "7.62x51mm", WT.ASSAULT_RIFLE, 1967),
        _m("MP5A3", "9x19mm", WT.SUB_MACHINE_GUN, 1985),
        _m("MG1A3P", "7.62x51mm", WT.LIGHT_MACHINE_GUN, 1980),
    ), 10),
    Maker("Ordnance Factory Board", "IN", "{a}{b}{n:05d}", "OFB INDIA", (
        _m("INSAS", "5.56x45mm", WT.ASSAULT_RIFLE, 1998),
        _m("1A1 SLR", "7.62x51mm", WT.ASSAULT_RIFLE, 1960, 2000),
    ), 5),
    Maker("S&T Motiv", "KR", "{n:07d}", "DAEWOO PRECISION KOREA", (
        _m("K2", "5.56x45mm", WT.ASSAULT_RIFLE, 1984), _m("K5", "9x19mm", WT.PISTOL, 1989),
    ), 5),
    Maker("Bersa", "AR", "{a}{n:05d}", "BERSA S.A. ARGENTINA", (
        _m("Thunder 380", ".380 ACP", WT.PISTOL, 1995),
        _m("Thunder 9 Pro", "9x19mm", WT.PISTOL, 2003),
    ), 6),
    Maker("Armscor", "PH", "RIA{n:07d}", "ARMSCOR PHILIPPINES", (
        _m("M1911 A1 FS", ".45 ACP", WT.PISTOL, 1985),
        _m("M200", ".38 Special", WT.REVOLVER, 1990),
    ), 6),
    # Two invented domestic makers (no real company), so that some weapons begin at home.
    Maker("Highland Arms Works (demo)", HOME, "HAW-{yy}-{n:05d}", "HIGHLAND ARMS WORKS KE", (
        _m("HAW SG-12", "12 gauge", WT.SHOTGUN, 2005), _m("HAW P9", "9x19mm", WT.PISTOL, 2015),
    ), 10, domestic=True),
    Maker("Savanna Precision Rifles (demo)", HOME, "SPR{yy}{n:04d}", "SAVANNA PRECISION KE", (
        _m("SPR 308", ".308 Winchester", WT.RIFLE, 2010),
    ), 5, domestic=True),
)  # fmt: skip

CIVILIAN_TYPES = frozenset({WT.PISTOL, WT.REVOLVER, WT.RIFLE, WT.SHOTGUN})
ILLICIT_TYPES = frozenset({WT.ASSAULT_RIFLE, WT.PISTOL, WT.REVOLVER, WT.SUB_MACHINE_GUN, WT.RIFLE})
STATE_TYPES = frozenset(WeaponType) - {WT.REVOLVER, WT.SHOTGUN}
AR15_FAMILY = frozenset({"M16A2", "M4 Carbine", "HK416"})
# Export destinations and transit neighbours; country codes (ISO 3166).
NEIGHBOURS = ("UG", "TZ", "RW", "SS", "ET", "SO", "CD", "BI")
PLACES = (
    "Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Garissa", "Lodwar", "Malindi",
    "Thika", "Nyeri", "Machakos", "Isiolo", "Namanga", "Busia", "Malaba", "Moyale",
)  # fmt: skip
BORDER_POSTS = ("Namanga", "Busia", "Malaba", "Moyale", "Mombasa port", "JKIA cargo")
AMNESTY = "Handed in during a firearms amnesty."
DEALER_CLOSED = "Dealer ceased trading; records deposited with the registry."
FORFEITED = "Forfeited to the state by court order."
RETURNED_TO_OWNER = "Returned to the holder after recovery."
LOSS_NOTES = ("Lost while travelling.", "Lost during a patrol.", "Lost in a house move.")
THEFT_NOTES = (
    "Stolen in a burglary at the holder's residence.", "Stolen from a parked vehicle.",
    "Taken from a guard during a robbery.", "Missing at the armoury stock check.",
)  # fmt: skip
SEIZURE_NOTES = (
    "Seized during a vehicle search.", "Seized from a suspect at a roadblock.",
    "Recovered after an exchange of fire.", "Concealed in a cargo consignment.",
)  # fmt: skip
FIND_NOTES = ("Found abandoned in a culvert.", "Handed to police by a herder.",
              "Found in a cache during an operation.")  # fmt: skip
PROOF_HOUSES = {"AT": "FERLACH", "IT": "GARDONE PSF", "BE": "ELG", "DE": "ULM", "CZ": "UB"}


# --- Invented parties ---------------------------------------------------------------------

FIRST_NAMES = (
    "Wanjiru", "Otieno", "Achieng", "Kamau", "Njeri", "Kiprono", "Chebet", "Mwangi",
    "Akinyi", "Kipchoge", "Wambui", "Odhiambo", "Nyambura", "Mutua", "Atieno", "Kariuki",
    "Jepkosgei", "Omondi", "Wairimu", "Kibet", "Moraa", "Ndungu", "Awino", "Koech", "Muthoni",
    "Barasa", "Nekesa", "Wafula", "Halima", "Abdi", "Amina", "Hassan", "Fatuma", "Juma",
)  # fmt: skip
LAST_NAMES = (
    "Gitau", "Ochieng", "Mutiso", "Kiplagat", "Njoroge", "Owino", "Kilonzo", "Rotich",
    "Wekesa", "Maina", "Onyango", "Chelimo", "Kimani", "Okoth", "Mugo", "Langat", "Nduta",
    "Simiyu", "Ouma", "Karanja", "Kosgei", "Nyaga", "Were", "Wanyama", "Ali", "Mohamed",
)  # fmt: skip
COMPANY_WORDS = (
    "Simba", "Ndovu", "Twiga", "Chui", "Kifaru", "Nyati", "Tausi", "Mawingu", "Upendo",
    "Baraka", "Jabali", "Mlima", "Pwani", "Ziwa", "Savanna", "Acacia", "Kilele", "Mto",
)  # fmt: skip
COMPANY_KINDS = ("Security Services Ltd", "Ranch Ltd", "Rifle Club", "Conservancy Trust",
                 "Guarding Company Ltd", "Cash Logistics Ltd")  # fmt: skip
IMPORTERS = ("Savanna Arms Importers Ltd", "Coastline Sporting Imports Ltd",
             "Kilele Defence Supplies Ltd", "Rift Outdoor Trading Co.",
             "Ziwa Arms & Ammunition Ltd", "Mlima Hunting Supplies Ltd")  # fmt: skip
DEALER_NAMES = ("Gun House", "Outdoor & Arms", "Sporting Arms", "Hunters' Store")
OTHER_STATE_UNITS = ("Prisons Service Armoury", "Wildlife Ranger Service Armoury")
INITIALS = "ABCDEFGHJKMNOPRSW"


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    kind: str
    national: bool = False
    armoury: str = ""  # the central armoury: receives imports and returns
    units: tuple[str, ...] = ()  # units weapons are issued to


AGENCIES = (
    AgencySpec("NFR", "National Firearms Registry", AgencyKind.REGISTRY, national=True),
    AgencySpec(
        "PNR", "Police Service, Nairobi Region", AgencyKind.POLICE,
        armoury="Nairobi Region Police Armoury",
        units=("Nairobi Central Police Station", "Rapid Deployment Unit", "Traffic Division"),
    ),
    AgencySpec(
        "PCR", "Police Service, Coast Region", AgencyKind.POLICE,
        armoury="Coast Region Police Armoury",
        units=("Mombasa Central Police Station", "Marine Police Unit", "Malindi Police Station"),
    ),
    AgencySpec(
        "DEF", "Defence Forces", AgencyKind.MILITARY, armoury="Defence Forces Central Armoury",
        units=("1st Infantry Battalion", "2nd Infantry Battalion", "Special Operations Regiment",
               "Air Base Security Squadron", "Engineers Brigade"),
    ),
    AgencySpec("CUS", "Customs and Border Control", AgencyKind.CUSTOMS),
)  # fmt: skip


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    agency: str


USERS = (
    UserSpec("registrar", Role.REGISTRAR, "NFR"),
    UserSpec("investigator.nairobi", Role.INVESTIGATOR, "PNR"),
    UserSpec("investigator.coast", Role.INVESTIGATOR, "PCR"),
    UserSpec("poc", Role.POINT_OF_CONTACT, "NFR"),
    UserSpec("auditor", Role.AUDITOR, "NFR"),
    UserSpec("admin", Role.ADMINISTRATOR, "NFR"),
)


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    role: str
    agency: str
    totp_secret: str = ""  # roles that sign in with a second factor (see docs/domain)


@dataclass
class Cast:
    """The agencies and parties every weapon plan draws on."""

    agencies: dict[str, Agency]
    makers: dict[str, Party]
    importers: list[Party]
    dealers: list[Party]
    armouries: dict[str, Party]  # agency code -> central armoury
    units: dict[str, list[Party]]  # agency code -> units
    other_state: list[Party]
    individuals: list[Party]
    companies: list[Party]


# --- Plans: each weapon's identity and life, checked against the transition table ---------


HAND_OVERS = frozenset({E.TRANSFERRED, E.ISSUED, E.RETURNED})


@dataclass
class Step:
    kind: EventKind
    on: dt.date
    to_party: Party | None = None
    from_party: Party | None = None  # set by Plan.add for hand-overs
    place: str = ""
    country: str | None = None
    counterpart: str | None = None
    document_ref: str = ""
    licence_number: str = ""
    notes: str = ""


@dataclass
class Plan:
    agency: Agency
    identity: WeaponInput
    steps: list[Step] = field(default_factory=list)
    late_marks: list[MarkInput] = field(default_factory=list)
    replacement: tuple[dt.date, str, str] | None = None  # barrel: day, new serial, reason
    status: Status | None = None
    holder: Party | None = None
    closed: bool = False  # the horizon was reached: the life story ends here

    @property
    def last_on(self) -> dt.date:
        return self.steps[-1].on

    def add(self, step: Step) -> bool:
        """Append a step if it happens by the horizon; an illegal step is a generator bug."""
        if self.closed or step.on > HORIZON:
            self.closed = True
            return False
        if self.steps and step.on < self.last_on:
            raise AssertionError(f"demo plan goes back in time: {step}")
        kind_of_party = step.to_party.kind if step.to_party else None
        self.status = rules.next_status(self.status, step.kind, to_party_kind=kind_of_party)
        if step.kind in HAND_OVERS and self.holder != step.to_party:
            step.from_party = self.holder
        self.steps.append(step)
        if step.kind in rules.CLEARS_HOLDER:
            self.holder = None
        elif step.to_party is not None:
            self.holder = step.to_party
        return True


def _event(step: Step) -> EventInput:
    return EventInput(
        kind=step.kind,
        occurred_on=step.on,
        place=step.place,
        country=step.country,
        counterpart_country=step.counterpart,
        from_party=step.from_party,
        to_party=step.to_party,
        document_ref=step.document_ref,
        licence_number=step.licence_number,
        notes=step.notes,
    )


RUNNING_NUMBER = re.compile(r"\{n:0(\d+)d\}")


class Serials:
    """Production runs of consecutive serials; a few runs reuse another maker's numbers."""

    SHARED_RUN_CHANCE = 0.02

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()
        self.runs: dict[str, list[tuple[str, dict[str, str | int]]]] = {}  # pattern -> runs

    def run(self, maker: Maker, year: int, size: int) -> list[str]:
        match = RUNNING_NUMBER.search(maker.serial)
        assert match is not None, maker.serial
        width = int(match.group(1))
        others = [r for r in self.runs.get(maker.serial, []) if r[0] != maker.name]
        for _attempt in range(20):
            if others and self.rng.random() < self.SHARED_RUN_CHANCE:
                fields = dict(self.rng.choice(others)[1])  # the same numbers, another maker
            else:
                fields = self._fields(year, width, size)
            serials = [
                maker.serial.format(**{**fields, "n": int(fields["n"]) + i}) for i in range(size)
            ]
            if not any((maker.name, s) in self.used for s in serials):
                self.used.update((maker.name, s) for s in serials)
                self.runs.setdefault(maker.serial, []).append((maker.name, fields))
                return serials
        raise RuntimeError(f"no free serial run for {maker.name}")

    def _fields(self, year: int, width: int, size: int) -> dict[str, str | int]:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q: makers avoid them
        pick = self.rng.choice
        return {
            "a": pick(letters),
            "b": pick(letters),
            "c": pick(letters),
            "d": str(self.rng.randint(1, 9)),
            "dd": f"{self.rng.randint(10, 99)}",
            "ddd": f"{self.rng.randint(100, 999)}",
            "yy": f"{year % 100:02d}",
            "n": self.rng.randint(1, 10**width - size - 1),
        }


class Planner:
    """Invents lots of weapons (a shipment, a procurement, a find) and their life stories."""

    def __init__(self, rng: random.Random, cast: Cast) -> None:
        self.rng = rng
        self.cast = cast
        self.serials = Serials(rng)
        self.doc_no = 0

    # Small helpers ---------------------------------------------------------------------

    def doc(self, prefix: str, day: dt.date) -> str:
        self.doc_no += 1
        return f"{prefix}/{day.year}/{self.doc_no:05d}"

    def later(self, day: dt.date, low: int, high: int) -> dt.date:
        return day + dt.timedelta(days=self.rng.randint(low, high))

    def day_in(self, year: int) -> dt.date:
        return min(dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randint(0, 364)), HORIZON)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def place(self) -> str:
        return self.rng.choice(PLACES)

    def pick_model(
        self, types: frozenset[WeaponType], *, domestic: bool = False, latest: int = 2025
    ) -> tuple[Maker, Model]:
        choices = [
            (maker, model)
            for maker in MAKERS
            if maker.domestic == domestic
            for model in maker.models
            if model.weapon_type in types and model.years[0] <= latest
        ]
        weights = [maker.weight / len(maker.models) for maker, _ in choices]
        return self.rng.choices(choices, weights)[0]

    def year(self, model: Model, high: int = HORIZON.year) -> int:
        low, high = max(model.years[0], FIRST_YEAR), min(high, model.years[1])
        if low >= high:
            return low
        return round(self.rng.triangular(low, high, high))  # recent weapons are commoner

    def lot_size(self, low: int, high: int) -> int:
        return min(high, low + int(self.rng.expovariate(4 / (high - low))))

    # Identity ----------------------------------------------------------------------------

    def identities(
        self, maker: Maker, model: Model, year: int, size: int, *, components: float
    ) -> list[WeaponInput]:
        made_in = next((code for last, code in maker.country_until if year <= last), maker.country)
        return [
            WeaponInput(
                serial_number=serial,
                manufacturer_name=maker.name,
                manufacturer=self.cast.makers[maker.name],
                weapon_type=model.weapon_type,
                country_of_manufacture=made_in,
                model=model.name,
                calibre=model.calibre,
                year_of_manufacture=year,
                components=self.components(model, serial, year) if self.chance(components) else [],
                marks=self.maker_marks(maker, model, serial, year),
            )
            for serial in self.serials.run(maker, year, size)
        ]

    def components(self, model: Model, serial: str, year: int) -> list[ComponentInput]:
        if model.weapon_type in (WT.GRENADE_LAUNCHER, WT.MORTAR):
            return []
        if model.name in AR15_FAMILY:
            types = [ComponentType.LOWER_RECEIVER, ComponentType.UPPER_RECEIVER]
        elif model.weapon_type == WT.PISTOL:
            types = [ComponentType.FRAME, ComponentType.SLIDE]
        elif model.weapon_type == WT.REVOLVER:
            types = [ComponentType.FRAME, ComponentType.CYLINDER]
        else:
            types = [ComponentType.RECEIVER, ComponentType.BOLT]
        barrel = serial if self.chance(0.7) else serial[-4:]  # some carry only the last digits
        installed = dt.date(year, 1, 1)
        parts = [ComponentInput(kind, serial, installed) for kind in types]
        return [*parts, ComponentInput(ComponentType.BARREL, barrel, installed)]

    def maker_marks(self, maker: Maker, model: Model, serial: str, year: int) -> list[MarkInput]:
        if not self.chance(0.75):
            return []
        day = dt.date(year, 1, 1)
        method = MarkMethod.LASER if year >= 2000 and self.chance(0.5) else MarkMethod.STAMPED
        handgun = model.weapon_type in (WT.PISTOL, WT.REVOLVER)
        where = "frame, left side" if handgun else "receiver, left side"
        text = f"{maker.marking} {model.name} {serial}"
        marks = [MarkInput(MarkRole.MANUFACTURE, text, method, where, day)]
        proof = PROOF_HOUSES.get(maker.country)
        if proof and model.weapon_type in CIVILIAN_TYPES and self.chance(0.5):
            marks.append(
                MarkInput(MarkRole.PROOF, f"{proof} {day:%y}", MarkMethod.STAMPED, "barrel")
            )
        return marks

    def mark(self, plan: Plan, role: MarkRole, text: str, where: str) -> None:
        method = MarkMethod.STAMPED if role == MarkRole.IMPORT else MarkMethod.ENGRAVED
        plan.late_marks.append(MarkInput(role, text, method, where, plan.last_on))

    # Lots --------------------------------------------------------------------------------

    def lot(self) -> list[Plan]:
        # Weights per lot (lots differ in size), so that per weapon roughly a third are
        # commercial imports, a fifth each state procurement and old civilian holdings, and a
        # sixth illicit finds; domestic production and transit make up the rest.
        scenarios = (
            (self.commercial_import, 41),
            (self.state_import, 13),
            (self.domestic, 6),
            (self.old_civilian, 180),
            (self.illicit, 150),
            (self.transit, 4),
        )
        scenario = self.rng.choices([s for s, _ in scenarios], [w for _, w in scenarios])[0]
        return scenario()

    def import_lot(
        self, types: frozenset[WeaponType], size: int, *, to: Party, agency: Agency, docs: str
    ) -> list[Plan]:
        """A shipment: one maker, model and year, consecutive serials, one import permit.

        Most arrive with their history since manufacture (export licence); some without."""
        maker, model = self.pick_model(types)
        year = self.year(model)
        with_origin = self.chance(0.6)
        made = self.day_in(year)
        shipped = self.later(made, 20, 400)
        arrived = self.later(shipped, 10, 90)
        licence, permit = self.doc(f"EL-{maker.country}", shipped), self.doc(docs, arrived)
        post = self.rng.choice(BORDER_POSTS)
        plans = []
        for identity in self.identities(maker, model, year, size, components=0.35):
            plan = Plan(agency, identity)
            if with_origin:
                plan.add(Step(E.MANUFACTURED, made, country=identity.country_of_manufacture))
                plan.add(
                    Step(E.EXPORTED, shipped, country=maker.country, counterpart=HOME,
                         document_ref=licence)
                )  # fmt: skip
            imported = Step(
                E.IMPORTED, arrived, to_party=to, place=post, country=HOME,
                counterpart=maker.country, document_ref=permit, licence_number=to.licence_number,
            )  # fmt: skip
            if plan.add(imported) and arrived.year >= 2006:  # ITI para 8(b): marked on import
                self.mark(plan, MarkRole.IMPORT, f"{HOME} {arrived:%y}", "frame, right side")
            plans.append(plan)
        return plans

    def commercial_import(self) -> list[Plan]:
        importer = self.rng.choice(self.cast.importers)
        size = self.lot_size(1, 30)
        agency = self.cast.agencies["NFR"]
        plans = self.import_lot(CIVILIAN_TYPES, size, to=importer, agency=agency, docs="IP")
        dealer = self.rng.choice(self.cast.dealers)
        for plan in plans:
            if plan.status == Status.IN_STOCK:
                day = self.later(plan.last_on, 5, 120)
                plan.add(
                    Step(E.TRANSFERRED, day, to_party=dealer, document_ref=self.doc("TR", day))
                )
                self.after_dealer(plan, dealer)
        return plans

    def after_dealer(self, plan: Plan, dealer: Party) -> None:
        roll, day = self.rng.random(), self.later(plan.last_on, 10, 700)
        if roll < 0.82:
            self.to_civilian(plan, day, place=dealer.address)
            self.civilian_tail(plan)
        elif roll < 0.92:
            agency = self.rng.choice(["PNR", "PCR"])
            armoury = self.cast.armouries[agency]
            plan.add(Step(E.TRANSFERRED, day, to_party=armoury, document_ref=self.doc("PO", day)))
            self.state_life(plan, agency)
        elif roll < 0.96:
            self.export(plan, day, notes="Sold to a dealer abroad.")
        elif self.chance(0.5):
            plan.add(Step(E.RECORDS_HANDED_OVER, day, place=dealer.address, notes=DEALER_CLOSED))

    def to_civilian(self, plan: Plan, day: dt.date, *, place: str = "") -> None:
        owner = self.rng.choice(self.cast.individuals if self.chance(0.8) else self.cast.companies)
        plan.add(
            Step(E.TRANSFERRED, day, to_party=owner, place=place or self.place(),
                 document_ref=self.doc("TR", day), licence_number=owner.licence_number)
        )  # fmt: skip

    def export(self, plan: Plan, day: dt.date, *, notes: str) -> None:
        destination = self.rng.choice(NEIGHBOURS)
        plan.add(
            Step(E.EXPORTED, day, country=HOME, counterpart=destination,
                 document_ref=self.doc("EXP", day), notes=notes)
        )  # fmt: skip

    def state_import(self) -> list[Plan]:
        code = self.rng.choices(["DEF", "PNR", "PCR"], [3, 1, 1])[0]
        armoury, agency = self.cast.armouries[code], self.cast.agencies[code]
        size = self.lot_size(5, 60)
        plans = self.import_lot(STATE_TYPES, size, to=armoury, agency=agency, docs=f"EUC-{code}")
        for plan in plans:
            self.state_life(plan, code)
        return plans

    def state_life(self, plan: Plan, agency: str) -> None:
        """Ownership mark, issue and return cycles, then what becomes of it."""
        if plan.status != Status.STATE_HOLDING:
            return
        self.mark(plan, MarkRole.STATE_OWNERSHIP, f"GK {agency}", "receiver, right side")
        armoury = self.cast.armouries[agency]
        for _cycle in range(self.rng.choice([0, 1, 1, 2, 3])):
            unit = self.rng.choice(self.cast.units[agency])
            day = self.later(plan.last_on, 5, 400)
            plan.add(Step(E.ISSUED, day, to_party=unit, document_ref=self.doc("ISS", day)))
            if self.chance(0.06):
                self.missing(plan, E.STOLEN if self.chance(0.6) else E.LOST, owner=armoury)
                return
            day = self.later(plan.last_on, 30, 900)
            plan.add(Step(E.RETURNED, day, to_party=armoury, document_ref=self.doc("RET", day)))
            if self.chance(0.05):
                self.replace_barrel(plan, "Barrel worn out; replaced by the unit armourer.")
        self.state_tail(plan, agency)

    def state_tail(self, plan: Plan, agency: str) -> None:
        roll, day = self.rng.random(), self.later(plan.last_on, 60, 2000)
        if roll < 0.15:
            plan.add(
                Step(E.DESTROYED, day, place="Central destruction facility",
                     document_ref=self.doc("DC", day), notes="Surplus destroyed.")
            )  # fmt: skip
        elif roll < 0.19:
            self.export(plan, day, notes="State surplus sale.")
        elif roll < 0.23:
            self.deactivate(plan, day)
        elif roll < 0.33:
            other = self.rng.choice(self.cast.other_state)
            plan.add(Step(E.TRANSFERRED, day, to_party=other, document_ref=self.doc("TR", day)))
        elif roll < 0.37:
            self.missing(plan, E.LOST, owner=self.cast.armouries[agency])

    def domestic(self) -> list[Plan]:
        maker, model = self.pick_model(CIVILIAN_TYPES, domestic=True)
        year = self.year(model)
        made = self.day_in(year)
        dealer = self.rng.choice(self.cast.dealers)
        plans = []
        for identity in self.identities(maker, model, year, self.lot_size(2, 25), components=0.3):
            plan = Plan(self.cast.agencies["NFR"], identity)
            plan.add(Step(E.MANUFACTURED, made, place="Nakuru", country=HOME))
            day = self.later(made, 10, 200)
            plan.add(Step(E.TRANSFERRED, day, to_party=dealer, document_ref=self.doc("TR", day)))
            self.after_dealer(plan, dealer)
            plans.append(plan)
        return plans

    def old_civilian(self) -> list[Plan]:
        """Privately held since before the registry; entered at a registration drive."""
        maker, model = self.pick_model(CIVILIAN_TYPES, latest=1995)
        year = self.year(model, high=1995)
        (identity,) = self.identities(maker, model, year, 1, components=0.2)
        plan = Plan(self.cast.agencies[self.rng.choice(["NFR", "PNR", "PCR"])], identity)
        owner = self.rng.choice(self.cast.individuals)
        day = self.day_in(self.rng.randint(max(year, 1996), 2015))
        plan.add(
            Step(E.REGISTERED, day, to_party=owner, place=self.place(),
                 document_ref=self.doc("REG", day), licence_number=owner.licence_number,
                 notes="Entered during the national registration drive.")
        )  # fmt: skip
        self.civilian_tail(plan)
        return [plan]

    def civilian_tail(self, plan: Plan) -> None:
        if plan.status != Status.CIVILIAN:
            return
        roll, day = self.rng.random(), self.later(plan.last_on, 30, 3000)
        if roll < 0.14:
            self.to_civilian(plan, day)
            if self.chance(0.3):
                self.civilian_tail(plan)
        elif roll < 0.20:
            self.missing(plan, E.LOST, owner=plan.holder)
        elif roll < 0.29:
            self.missing(plan, E.STOLEN, owner=plan.holder)
        elif roll < 0.34:
            plan.add(Step(E.SURRENDERED, day, place=self.place(), notes=AMNESTY))
            if self.chance(0.7):
                self.destroy(plan)
        elif roll < 0.37:
            self.deactivate(plan, day)
        elif roll < 0.40:
            plan.add(Step(E.DESTROYED, day, document_ref=self.doc("DC", day), notes="Unusable."))
        elif roll < 0.43:
            self.export(plan, day, notes="The owner emigrated.")
        elif roll < 0.44:
            plan.add(Step(E.CONVERTED, day, notes="Re-barrelled to another calibre."))
        elif roll < 0.47:
            self.replace_barrel(plan, "Barrel replaced by a licensed gunsmith.")

    def missing(self, plan: Plan, kind: EventKind, *, owner: Party | None) -> None:
        """Lost or stolen; often recovered, or turning up later in a seizure."""
        day = self.later(plan.last_on, 30, 2500)
        report = f"OB {self.rng.randint(1, 99)}/{day:%d/%m/%Y}"  # the police occurrence book
        notes = self.rng.choice(LOSS_NOTES if kind == E.LOST else THEFT_NOTES)
        if not plan.add(Step(kind, day, place=self.place(), document_ref=report, notes=notes)):
            return
        roll = self.rng.random()
        if roll < 0.45:
            plan.add(Step(E.RECOVERED, self.later(day, 3, 700), place=self.place()))
            if owner is not None and self.chance(0.8):
                day = self.later(plan.last_on, 10, 120)
                plan.add(Step(E.TRANSFERRED, day, to_party=owner, notes=RETURNED_TO_OWNER))
        elif roll < 0.65:
            self.seize(plan, self.later(day, 30, 3000))
            if self.chance(0.5):
                self.destroy(plan)

    def seize(self, plan: Plan, day: dt.date, *, place: str = "") -> None:
        notes = self.rng.choice(SEIZURE_NOTES)
        step = Step(E.SEIZED, day, place=place or self.place(), notes=notes,
                    document_ref=self.doc("EXH", day))  # fmt: skip
        if plan.add(step) and self.chance(0.5):
            text = f"{HOME}-PS {day.year}/{self.rng.randint(1, 9999):04d}"
            self.mark(plan, MarkRole.POST_SEIZURE, text, "receiver, right side")

    def destroy(self, plan: Plan) -> None:
        day = self.later(plan.last_on, 30, 900)
        place = self.rng.choice(("Nairobi", "Mombasa", "Kisumu"))
        plan.add(
            Step(E.DESTROYED, day, place=place, document_ref=self.doc("DC", day),
                 notes="Destroyed at a public ceremony.")
        )  # fmt: skip

    def deactivate(self, plan: Plan, day: dt.date) -> None:
        if plan.add(Step(E.DEACTIVATED, day, document_ref=self.doc("DA", day))):
            self.mark(plan, MarkRole.DEACTIVATION, f"DEACT {HOME} {day:%y}", "barrel")
            if self.chance(0.3):
                self.destroy(plan)

    def replace_barrel(self, plan: Plan, reason: str) -> None:
        kinds = [c.component_type for c in plan.identity.components]
        if ComponentType.BARREL in kinds and not plan.closed:
            plan.replacement = (plan.last_on, f"RB{self.rng.randint(10000, 99999)}", reason)

    def illicit(self) -> list[Plan]:
        """Never registered: first seen when found or seized."""
        maker, model = self.pick_model(ILLICIT_TYPES)
        year = self.year(model, high=2020)
        (identity,) = self.identities(maker, model, year, 1, components=0.3)
        code = self.rng.choices(["PNR", "PCR", "CUS"], [4, 4, 1])[0]
        plan = Plan(self.cast.agencies[code], identity)
        day = self.day_in(self.rng.randint(max(year, 2000), HORIZON.year))
        place = self.rng.choice(BORDER_POSTS) if code == "CUS" else self.place()
        if self.chance(0.65):
            self.seize(plan, day, place=place)
        else:
            notes = self.rng.choice(FIND_NOTES)
            plan.add(
                Step(E.FOUND, day, place=place, document_ref=self.doc("EXH", day), notes=notes)
            )
        roll = self.rng.random()
        if roll < 0.4:
            self.destroy(plan)
        elif roll < 0.55:
            police = self.rng.choice(["PNR", "PCR"])
            day = self.later(day, 180, 900)
            armoury = self.cast.armouries[police]
            plan.add(Step(E.TRANSFERRED, day, to_party=armoury, notes=FORFEITED))
            self.state_life(plan, police)
        elif roll < 0.62:
            self.deactivate(plan, self.later(day, 90, 700))
        return [plan]

    def transit(self) -> list[Plan]:
        """A consignment crossing the country to a neighbour under a transit permit."""
        maker, model = self.pick_model(CIVILIAN_TYPES)
        year = self.year(model)
        entered = self.day_in(max(year, 2005))
        left = self.later(entered, 2, 20)
        destination = self.rng.choice(NEIGHBOURS)
        permit = self.doc("TP", entered)
        exit_post = self.rng.choice(BORDER_POSTS)
        plans = []
        for identity in self.identities(maker, model, year, self.lot_size(5, 40), components=0.1):
            plan = Plan(self.cast.agencies["CUS"], identity)
            plan.add(
                Step(E.IN_TRANSIT, entered, place="Mombasa port", country=HOME,
                     counterpart=destination, document_ref=permit)
            )  # fmt: skip
            plan.add(
                Step(E.EXPORTED, left, place=exit_post, country=HOME, counterpart=destination,
                     document_ref=permit)
            )  # fmt: skip
            plans.append(plan)
        return plans

    def plans(self, count: int) -> Iterator[Plan]:
        made = 0
        while made < count:
            for plan in self.lot():
                if plan.steps and made < count:
                    made += 1
                    yield plan


# --- Building the cast and loading ----------------------------------------------------------


def create_cast(rng: random.Random, *, weapons: int) -> Cast:
    def party(kind: str, name: str, country: str = HOME, **fields: Any) -> Party:
        return create_party(kind=kind, name=name, country=country, **fields)

    def licence(prefix: str) -> str:
        return f"{prefix}/{rng.randint(1990, 2024)}/{rng.randint(1, 99999):05d}"

    agencies = {
        spec.code: create_agency(
            code=spec.code, name=spec.name, kind=spec.kind, country=HOME,
            national_scope=spec.national,
        )
        for spec in AGENCIES
    }  # fmt: skip
    makers = {
        m.name: party(PK.MANUFACTURER, m.name, m.country,
                      licence_number=licence("MFG") if m.domestic else "")
        for m in MAKERS
    }  # fmt: skip
    importers = [
        party(PK.IMPORTER, name, address="Nairobi", licence_number=licence("IMP"))
        for name in IMPORTERS
    ]
    dealers = [
        party(PK.DEALER, f"{town} {rng.choice(DEALER_NAMES)}", address=town,
              licence_number=licence("FD"))
        for town in PLACES[:12]
    ]  # fmt: skip
    armouries, units = {}, {}
    for spec in (s for s in AGENCIES if s.armoury):
        agency = agencies[spec.code]
        armouries[spec.code] = party(PK.STATE_UNIT, spec.armoury, agency=agency)
        units[spec.code] = [party(PK.STATE_UNIT, name, agency=agency) for name in spec.units]
    other_state = [party(PK.STATE_UNIT, name) for name in OTHER_STATE_UNITS]
    individuals = [
        party(PK.INDIVIDUAL, f"{rng.choice(FIRST_NAMES)} {rng.choice(INITIALS)}. "
              f"{rng.choice(LAST_NAMES)}", address=rng.choice(PLACES),
              licence_number=licence("FL"))
        for _ in range(max(40, weapons // 4))
    ]  # fmt: skip
    companies = [
        party(PK.COMPANY, f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}",
              address=rng.choice(PLACES), licence_number=licence("FL"))
        for _ in range(max(10, weapons // 60))
    ]  # fmt: skip
    return Cast(agencies, makers, importers, dealers, armouries, units, other_state,
                individuals, companies)  # fmt: skip


def create_users(agencies: dict[str, Agency]) -> list[Credential]:
    credentials = []
    for spec in USERS:
        password = secrets.token_urlsafe(12)
        user = create_user(
            username=spec.username,
            password=password,
            agency=agencies[spec.agency],
            roles=[spec.role],
        )
        secret = ""
        if spec.role in SECOND_FACTOR_ROLES:  # a confirmed authenticator, so sign-in works
            secret = totp_secret(create_totp_device(user=user).key)
        credentials.append(Credential(spec.username, password, spec.role, spec.agency, secret))
    return credentials


def load_plan(plan: Plan) -> Weapon:
    """Enters one plan through the services, as registrars would have done."""
    first, *rest = plan.steps
    weapon = register_weapon(agency=plan.agency, data=plan.identity, first_event=_event(first))
    for step in rest:
        record_life_event(weapon=weapon, data=_event(step))
    for mark in plan.late_marks:
        add_mark(weapon=weapon, data=mark)
    if plan.replacement is not None:
        day, serial, reason = plan.replacement
        barrel = weapon.components.get(component_type=ComponentType.BARREL)
        replace_component(
            component=barrel, new_serial_number=serial, replaced_on=day, reason=reason
        )
    return weapon


def build_demo(
    *, weapons: int, seed: int, on_progress: Callable[[int], None] | None = None
) -> list[Credential]:
    """Create agencies, users, parties and `weapons` weapons with their life cycles.

    Returns the users' credentials; passwords are random and shown only now.
    """
    rng = random.Random(seed)
    # The serial index is rebuilt once at the end rather than row by row.
    with audit_context(actor_id=None, actor_name="demo", channel="cli"), deferred_indexing():
        with transaction.atomic():
            cast = create_cast(rng, weapons=weapons)
            credentials = create_users(cast.agencies)
        planner = Planner(rng, cast)
        batch: list[Plan] = []
        for plan in planner.plans(weapons):
            batch.append(plan)
            if len(batch) == BATCH:
                _load_batch(batch, on_progress)
                batch = []
        _load_batch(batch, on_progress)
    return credentials


def _load_batch(batch: list[Plan], on_progress: Callable[[int], None] | None) -> None:
    with transaction.atomic():
        for plan in batch:
            load_plan(plan)
    if on_progress is not None and batch:
        on_progress(len(batch))
