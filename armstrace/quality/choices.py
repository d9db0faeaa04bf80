from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    ERROR = "error", _("Error")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Information")


class Profile(models.TextChoices):
    """Sets of rules: the ITI baseline, the EU Directive, or every rule known."""

    ITI = "iti", _("ITI baseline")
    EU = "eu", _("EU Directive 2021/555")
    ALL = "all", _("All rules")


class Strata(models.TextChoices):
    """What a spot-check sample is stratified by."""

    AGENCY = "agency", _("Agency")
    SOURCE = "source", _("Source of the record")
    STATUS = "status", _("Status")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    CONFIRMED = "confirmed", _("Matches the source document")
    ERROR_FOUND = "error_found", _("Error found")
