"""The fields each kind of import reads; a file's headers or a saved mapping name them."""

from armstrace.intake.models import ImportKind

WEAPON_FIELDS = (
    "record_ref", "serial_number", "manufacturer", "country_of_manufacture", "model",
    "calibre", "weapon_type", "year_of_manufacture", "import_country", "import_year",
    "holder", "holder_kind", "holder_licence", "status", "notes",
)  # fmt: skip
WEAPON_REQUIRED = ("record_ref", "serial_number", "manufacturer")
EVENT_FIELDS = (
    "record_ref", "serial_number", "manufacturer", "event", "date", "from_name",
    "from_licence", "from_kind", "to_name", "to_licence", "to_kind", "place", "country",
    "counterpart_country", "document_ref", "licence_number", "notes", "event_ref",
)  # fmt: skip
EVENT_REQUIRED = ("event", "date")
LEDGER_FIELDS = (
    "direction", "date", "serial_number", "manufacturer", "model", "calibre", "weapon_type",
    "counterpart", "counterpart_licence", "counterpart_address", "document_ref", "scan",
)  # fmt: skip
LEDGER_REQUIRED = ("direction", "serial_number", "manufacturer")
FIELDS = {
    ImportKind.WEAPONS: WEAPON_FIELDS,
    ImportKind.EVENTS: EVENT_FIELDS,
    ImportKind.HANDOVER: LEDGER_FIELDS,
}
REQUIRED = {
    ImportKind.WEAPONS: WEAPON_REQUIRED,
    ImportKind.EVENTS: EVENT_REQUIRED,
    ImportKind.HANDOVER: LEDGER_REQUIRED,
}
