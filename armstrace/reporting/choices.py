"""Enumerations of national reports, diversion notices and the assistance register."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF document")
    XLSX = "xlsx", _("XLSX workbook (a sheet per section)")
    JSON = "json", _("JSON document")


class NoticeFormat(models.TextChoices):
    PDF = "pdf", _("PDF document")
    JSON = "json", _("JSON document")


class RecipientLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    INTERNATIONAL = "international", _("International")


class NoticeState(models.TextChoices):
    TO_SEND = "to_send", _("To send")
    EXPORTED = "exported", pgettext_lazy("notice state: its file was written", "Exported")
    SENT = "sent", pgettext_lazy("notice state: sent to a peer node as an alert", "Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class AssistanceKind(models.TextChoices):
    NEED = "need", _("Need")
    OFFER = "offer", _("Offer")


class AssistanceCategory(models.TextChoices):
    """What is needed or offered (mission A1; normative reference b5)."""

    MARKING_MACHINES = "marking_machines", _("Marking machines")
    RECORD_KEEPING = "record_keeping", _("Record-keeping software and training")
    DATA_ENTRY = "data_entry", _("Data-entry staff")
    LEGISLATIVE = "legislative", _("Legislative help")
    OTHER = "other", _("Other")


class AssistanceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    CLOSED = "closed", _("Closed")
