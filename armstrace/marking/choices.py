"""Enumerations of marking campaigns, found or seized weapons and destructions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.registry.choices import EventKind, MarkRole


class CampaignPurpose(models.TextChoices):
    STATE_OWNERSHIP = "state_ownership", _("State ownership mark (ITI 8(d))")
    STATE_TO_CIVILIAN = "state_to_civilian", _("State-to-civilian transfer mark (ITI 8(c))")
    POST_SEIZURE = "post_seizure", _("Post-seizure mark (ITI 9)")


# The registry mark role a campaign's marks take.
PURPOSE_ROLE = {
    CampaignPurpose.STATE_OWNERSHIP: MarkRole.STATE_OWNERSHIP,
    CampaignPurpose.STATE_TO_CIVILIAN: MarkRole.STATE_TO_CIVILIAN,
    CampaignPurpose.POST_SEIZURE: MarkRole.POST_SEIZURE,
}


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: selecting weapons")
    ALLOCATED = "allocated", _("Marks allocated")
    IN_PROGRESS = "in_progress", _("Marking in progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ItemStatus(models.TextChoices):
    SELECTED = "selected", _("Selected, no mark yet")
    ALLOCATED = "allocated", _("Mark allocated, to engrave")
    DONE = "done", _("Marked")
    FAILED = "failed", _("Failed")
    REDO = "redo", _("To redo")


# Results a person or a machine reports for one weapon.
RESULTS = (ItemStatus.DONE, ItemStatus.FAILED, ItemStatus.REDO)


class FindKind(models.TextChoices):
    FOUND = EventKind.FOUND.value, _("Found")
    SEIZED = EventKind.SEIZED.value, _("Seized")
    SURRENDERED = EventKind.SURRENDERED.value, _("Surrendered")


class FindOutcome(models.TextChoices):
    OPEN = "open", _("Open: to mark and record, or destroy")
    MARKED = "marked", _("Marked and recorded")
    DESTROYED = "destroyed", _("Destroyed")


class Route(models.TextChoices):
    PENDING = "pending", _("Not yet routed")
    MARKING = "marking", _("Sent to marking")
    DESTRUCTION = "destruction", _("Sent to destruction")
    REJECTED = "rejected", _("Not registered (see reason)")


class DestructionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Destroyed")
