"""Quality runs with their counts per rule, and spot checks of records against their sources.

Failing records are not stored: they are recomputed on demand from the rules, so a
correction shows at once. Only the counts are kept, to show the trend over time (R9).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import User
from armstrace.quality.choices import Outcome, Profile, Strata
from armstrace.registry.models import Weapon


class QualityRun(models.Model):
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    run_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run_by_name = models.CharField(_("run by"), max_length=150)
    profile = models.CharField(_("profile"), max_length=8, choices=Profile.choices)
    checked = models.PositiveIntegerField(_("records checked"))

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["profile", "-started_at"], name="quality_run_profile")]

    def __str__(self) -> str:
        return f"{self.profile} {self.started_at:%Y-%m-%d %H:%M}"


class QualityCount(models.Model):
    """How many records failed one rule in one run."""

    run = models.ForeignKey(QualityRun, on_delete=models.PROTECT, related_name="counts")
    rule_code = models.CharField(_("rule"), max_length=40)
    failures = models.PositiveIntegerField(_("failing records"))

    class Meta:
        ordering = ["run", "rule_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rule_code"], name="quality_count_unique_rule")
        ]
        indexes = [models.Index(fields=["rule_code", "run"], name="quality_count_rule")]

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.failures}"


class SpotCheck(models.Model):
    """One stratified random draw of records to compare with their source documents."""

    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drawn_by_name = models.CharField(_("drawn by"), max_length=150)
    strata = models.CharField(_("stratified by"), max_length=8, choices=Strata.choices)
    size = models.PositiveIntegerField(_("sample size"))
    seed = models.BigIntegerField(_("random seed"))
    # {stratum: number of records in it when drawn}: the weights of the estimate.
    population = models.JSONField(_("population per stratum"), default=dict)

    class Meta:
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"spot check {self.pk}"


class SpotCheckItem(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="items")
    # A record purged under the retention policy leaves the item, with the serial it had.
    weapon = models.ForeignKey(
        Weapon, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    serial_number = models.CharField(_("serial number when drawn"), max_length=64)
    stratum = models.CharField(_("stratum"), max_length=120)
    position = models.PositiveIntegerField()
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="spot_check_items", verbose_name=_("clerk")
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    corrected_fields = models.JSONField(_("corrected fields"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["spot_check", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["spot_check", "position"], name="spot_check_item_unique_position"
            )
        ]
        indexes = [models.Index(fields=["assigned_to", "outcome"], name="spot_item_clerk")]

    def __str__(self) -> str:
        return f"{self.spot_check} #{self.position}: {self.serial_number}"
