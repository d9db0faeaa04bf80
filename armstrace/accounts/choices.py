from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REGISTRAR = "registrar", _("Registrar")
    INVESTIGATOR = "investigator", _("Investigator")
    POINT_OF_CONTACT = "poc", _("National point of contact")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


class AgencyKind(models.TextChoices):
    REGISTRY = "registry", _("Firearms registry")
    POLICE = "police", _("Police")
    MILITARY = "military", _("Armed forces")
    CUSTOMS = "customs", _("Customs")
    OTHER = "other", _("Other")
