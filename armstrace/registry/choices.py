from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    MANUFACTURED = "manufactured", _("Manufactured, at the maker")
    IN_STOCK = "in_stock", _("In commercial stock")
    CIVILIAN = "civilian", _("In civilian possession")
    STATE_HOLDING = "state_holding", _("In state holding")
    ISSUED = "issued", _("Issued to a state unit")
    IN_TRANSIT = "in_transit", _("In transit")
    EXPORTED = "exported", _("Exported")
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    FOUND = "found", _("Found")
    SEIZED = "seized", _("Seized")
    SURRENDERED = "surrendered", _("Surrendered")
    RECOVERED = "recovered", _("Recovered")
    DEACTIVATED = "deactivated", _("Deactivated")
    DESTROYED = "destroyed", _("Destroyed")
    UNKNOWN = "unknown", _("Registered; holder and whereabouts not stated in the source")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered (existing weapon entered in the registry)")
    MANUFACTURED = "manufactured", _("Manufactured")
    IMPORTED = "imported", _("Imported")
    EXPORTED = "exported", _("Exported")
    IN_TRANSIT = "in_transit", _("In transit")
    TRANSFERRED = "transferred", _("Transferred")
    ISSUED = "issued", _("Issued to a state unit")
    RETURNED = "returned", _("Returned from a state unit")
    LOST = "lost", _("Reported lost")
    STOLEN = "stolen", _("Reported stolen")
    FOUND = "found", _("Found")
    SEIZED = "seized", _("Seized")
    SURRENDERED = "surrendered", _("Surrendered")
    RECOVERED = "recovered", _("Recovered")
    DEACTIVATED = "deactivated", _("Deactivated")
    CONVERTED = "converted", _("Converted")
    DESTROYED = "destroyed", _("Destroyed")
    RECORDS_HANDED_OVER = "records_handed_over", _("Records handed over at business closure")


class PartyKind(models.TextChoices):
    MANUFACTURER = "manufacturer", _("Manufacturer")
    IMPORTER = "importer", _("Importer")
    EXPORTER = "exporter", _("Exporter")
    DEALER = "dealer", _("Dealer")
    STATE_UNIT = "state_unit", _("State unit")
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company")


class ComponentType(models.TextChoices):
    FRAME = "frame", _("Frame")
    RECEIVER = "receiver", _("Receiver")
    UPPER_RECEIVER = "upper_receiver", _("Upper receiver")
    LOWER_RECEIVER = "lower_receiver", _("Lower receiver")
    BARREL = "barrel", _("Barrel")
    SLIDE = "slide", _("Slide")
    BOLT = "bolt", _("Bolt")
    BREECH_BLOCK = "breech_block", _("Breech block")
    CYLINDER = "cylinder", _("Cylinder")
    OTHER = "other", _("Other")


class MarkRole(models.TextChoices):
    MANUFACTURE = "manufacture", _("Manufacture")
    IMPORT = "import", _("Import")
    STATE_OWNERSHIP = "state_ownership", _("State ownership")
    STATE_TO_CIVILIAN = "state_to_civilian", _("State-to-civilian transfer")
    POST_SEIZURE = "post_seizure", _("Post-seizure")
    DEACTIVATION = "deactivation", _("Deactivation")
    PROOF = "proof", _("Proof")
    OTHER = "other", _("Other")


class MarkMethod(models.TextChoices):
    STAMPED = "stamped", _("Stamped")
    ENGRAVED = "engraved", _("Engraved")
    LASER = "laser", _("Laser")
    CAST = "cast", _("Cast")
    EMBEDDED_PLATE = "embedded_plate", _("Embedded plate")
    OTHER = "other", _("Other")


class RecordClass(models.TextChoices):
    """Retention classes of ITI para 12."""

    MANUFACTURE = "manufacture", _("Manufacture records")
    OTHER = "other", _("Other records (import, export, transfer, ...)")


class RestorationMethod(models.TextChoices):
    """How a laboratory brought an erased serial or mark back (ISACS 05.30, forensic practice)."""

    CHEMICAL_ETCHING = "chemical_etching", _("Chemical etching")
    ELECTROLYTIC_ETCHING = "electrolytic_etching", _("Electrolytic etching")
    MAGNETIC_PARTICLE = "magnetic_particle", _("Magnetic particle")
    HEAT = "heat", _("Heat treatment")
    OPTICAL = "optical", _("Optical examination (lighting, microscopy)")
    OTHER = "other", _("Other")
