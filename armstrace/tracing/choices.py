"""Enumerations of trace requests (ITI paras 5, 14-23; normative reference b2/b3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing (we ask another state)")
    INCOMING = "incoming", _("Incoming (another state asks us)")
    DOMESTIC = "domestic", _("Domestic (an agency asks the national registry)")


class Channel(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic")
    BILATERAL_NPC = "bilateral_npc", _("Bilateral, between national points of contact")
    INTERPOL = "interpol", _("INTERPOL (iARMS, National Central Bureaus)")
    UN_PANEL = "un_panel", _("UN sanctions-committee panel of experts")
    REGIONAL = "regional", _("Regional system")
    DIPLOMATIC = "diplomatic", _("Diplomatic channel")


class RoutingReason(models.TextChoices):
    """Why this state is asked (iARMS practice; ISACS 05.31)."""

    MANUFACTURE = "manufacture", _("Country of manufacture")
    LAST_IMPORT = "last_import", _("Country of last legal import")
    OTHER = "other", _("Other connected country")
    DOMESTIC = "domestic", _("National registry")


class Priority(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")


class IllicitGround(models.TextChoices):
    """ITI para 5: why the weapon is considered illicit."""

    A = "a", _("(a) Illicit under the law of the state where found")
    B = "b", _("(b) Transferred in breach of a UN Security Council embargo")
    C = "c", _("(c) Not marked in accordance with the Instrument")
    D = "d", _("(d) Manufactured or assembled without licence or authorisation")
    E = "e", _("(e) Transferred without licence or authorisation")


class FoundContext(models.TextChoices):
    SEIZED = "seized", _("Seized")
    FOUND = "found", _("Found")
    SURRENDERED = "surrendered", _("Surrendered")


class Confidentiality(models.TextChoices):
    UNRESTRICTED = "unrestricted", _("Unrestricted")
    RESTRICTED = "restricted", _("Restricted: law enforcement only")
    CONFIDENTIAL = "confidential", _("Confidential: named recipients only")


class TraceStatus(models.TextChoices):
    """Named apart from the registry's Status: the OpenAPI document names each enum by its
    class, and two enums of one name would share one schema."""

    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED_COMPLETE = "answered_complete", _("Answered (complete)")
    ANSWERED_PARTIAL = "answered_partial", _("Answered (partial)")
    DELAYED = "delayed", _("Delayed")
    RESTRICTED = "restricted", _("Restricted")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Closed")


Status = TraceStatus  # the name the app's code uses


class Ground(models.TextChoices):
    """ITI para 22: the only grounds to delay, restrict or refuse an answer."""

    INVESTIGATION = "investigation", _("Would compromise an ongoing criminal investigation")
    NATIONAL_SECURITY = "national_security", _("Would be contrary to national security")
    LEGAL_PROTECTION = "legal_protection", _("Would violate legal protections")
    OTHER = "other", _("Other (stated in the reasons)")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status changed")
    REMINDER = "reminder", _("Reminder")
    ESCALATED = "escalated", _("Escalated")
    ANSWER_DRAFTED = "answer_drafted", _("Answer drafted")
    ANSWER_RELEASED = "answer_released", _("Answer released")
    ANSWER_RECEIVED = "answer_received", _("Answer received from the requested state")
    DISCLOSED = "disclosed", _("Disclosed (exported)")
    FOLLOW_UP = "follow_up", _("Follow-up request filed")
    QUESTION_SENT = "question_sent", _("Question sent to a manufacturer or dealer")
    CONTRIBUTION = "contribution", _("Answer from a manufacturer or dealer")


class Completeness(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    PARTIAL = "partial", _("Partial")


class AnswerSource(models.TextChoices):
    DRAFTED = "drafted", _("Drafted from our registry")
    RECEIVED = "received", _("Received from the requested state (entered or imported)")


class ExportFormat(models.TextChoices):
    PDF = "pdf", _("PDF form")
    JSON = "json", _("JSON document")


class BooksAnswer(models.TextChoices):
    """What a manufacturer or dealer found in its own books (T11)."""

    SOLD = "sold", _("Found: sold or transferred (say to whom and when)")
    IN_STOCK = "in_stock", _("Found: still in our stock")
    NOT_FOUND = "not_found", _("Not in our books")
