"""Sample files the demo imports, so that the *Imports*, *Data quality* and weapon pages
show the paper-to-electronic features: a county ledger with a few values no reference
entry knows, and the books and a scanned page of a dealer that closed."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from armstrace.accounts.models import Agency
from armstrace.core.context import audit_context
from armstrace.core.safefiles import write_csv
from armstrace.intake.handover import import_handover
from armstrace.intake.runs import ImportOptions
from armstrace.intake.services import import_weapons
from armstrace.quality.services import run_quality
from armstrace.registry.models import Weapon
from armstrace.registry.services import create_party

LEDGER = "county-ledger-1998.csv"
LEDGER_HEADER = (
    "Ledger No", "Serial No.", "Make", "Country", "Model", "Calibre", "Type", "Year",
    "Holder", "Status",
)  # fmt: skip
LEDGER_ROWS = [
    ("NK-1998-001", "CZ 40112", "Česká zbrojovka", "CZ", "75 B", "9mm", "pistol", "1994",
     "Wanjiku Kamau", ""),
    ("NK-1998-002", "S&W 88210", "Smith & Wesson", "USA", "Model 10", ".38 Spl", "revolver",
     "1979", "Otieno Farm Ltd", ""),
    ("NK-1998-003", "BRNO 5531", "Zbrojovka Brno", "Czechoslovakia", "ZKK 600", "7x64",
     "rifle", "1961", "", "lost"),
    ("NK-1998-004", "4471-KB", "Kenya Gunsmiths", "Kenya", "Custom", "12 bore", "shotgun",
     "1988", "Hassan Omar", ""),
    ("NK-1998-005", "A-33917", "Webley & Scott", "England", "Mk IV", ".38/200", "revolver",
     "1941", "", "stolen"),
    ("NK-1998-006", "ZX-00412", "Unknown maker", "", "", "", "muzzle-loader", "", "", ""),
]  # fmt: skip
BOOK = "mombasa-gun-house-book-1.csv"
SCAN = "mombasa-gun-house-book-1-p1.png"
BOOK_HEADER = (
    "direction", "date", "serial_number", "manufacturer", "model", "calibre", "weapon_type",
    "counterpart", "counterpart_licence", "scan",
)  # fmt: skip
# A one-pixel PNG stands in for the photographed page.
PAGE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)
DEALER_LICENCE = "DL-MSA-1987"
CLOSED_ON = dt.date(2019, 3, 1)


def _book_rows() -> list[tuple[str, ...]]:
    """Lines about three weapons the demo registered, and two it never saw."""
    known = Weapon.objects.filter(source="").order_by("serial_norm")[:3]
    rows: list[tuple[str, ...]] = [
        ("out", "2009-05-14", w.serial_number, w.manufacturer_name, w.model, w.calibre,
         w.weapon_type, "Peter Mwangi", "", SCAN)
        for w in known
    ]  # fmt: skip
    rows += [
        ("in", "2011-02-03", "TR-77123", "Beretta", "92FS", "9x19", "pistol",
         "Coast Arms Importers", "IMP-0042", SCAN),
        ("out", "2011-06-20", "TR-77123", "Beretta", "92FS", "9x19", "pistol",
         "Grace Achieng", "", SCAN),
        ("in", "2012-08-09", "MK 55190", "Baikal", "IZH-27", "12 ga", "shotgun",
         "Coast Arms Importers", "IMP-0042", ""),
    ]  # fmt: skip
    return rows


def load_samples(folder: Path, agency: Agency) -> None:
    """Import the ledger, take over the closed dealer's books, and run the quality rules."""
    folder.mkdir(parents=True, exist_ok=True)
    with audit_context(actor_id=None, actor_name="demo", channel="cli"):
        write_csv(folder / LEDGER, LEDGER_HEADER, LEDGER_ROWS)
        mapping = dict(zip(
            ("record_ref", "serial_number", "manufacturer", "country_of_manufacture", "model",
             "calibre", "weapon_type", "year_of_manufacture", "holder", "status"),
            LEDGER_HEADER, strict=True,
        ))  # fmt: skip
        options = ImportOptions(agency=agency, source="county-ledger-1998", mapping=mapping,
                                error_path=folder / f"{LEDGER}.errors.csv")  # fmt: skip
        import_weapons(folder / LEDGER, options)
        create_party(kind="dealer", name="Mombasa Gun House", licence_number=DEALER_LICENCE,
                     country="KE", address="Moi Avenue, Mombasa")  # fmt: skip
        write_csv(folder / BOOK, BOOK_HEADER, _book_rows())
        (folder / SCAN).write_bytes(PAGE)
        import_handover(
            licence=DEALER_LICENCE,
            files=[folder / BOOK, folder / SCAN],
            options=ImportOptions(agency=agency, source=f"handover:{DEALER_LICENCE}"),
            received_on=CLOSED_ON,
            notes="Business closed; books deposited with the registry.",
        )
        run_quality(profile="all")
