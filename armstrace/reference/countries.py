"""ISO 3166 countries from pycountry, so an empty database needs no set-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pycountry

SOURCE = "ISO 3166-1 and ISO 3166-3 via pycountry"
LICENCE = "LGPL-2.1 (pycountry)"
# Dissolved states still stamped on weapons in circulation.
HISTORIC = {
    "SU": "USSR",
    "YU": "Yugoslavia",
    "CS": "Czechoslovakia",
    "DD": "German Democratic Republic",
}


def country_rows() -> list[dict[str, Any]]:
    retrieved = dt.date(2026, 11, 27)
    rows = [
        {
            "code": c.alpha_2,
            "alpha3": c.alpha_3,
            "name": getattr(c, "common_name", c.name),
            "historic": False,
            "source": SOURCE,
            "licence": LICENCE,
            "retrieved_on": retrieved,
        }
        for c in pycountry.countries
    ]
    for code, name in HISTORIC.items():
        rows.append(
            {
                "code": code,
                "alpha3": "",
                "name": name,
                "historic": True,
                "source": SOURCE,
                "licence": LICENCE,
                "retrieved_on": retrieved,
            }
        )
    return rows
