"""The analytics' own tables: each traced recovery's outcome, each custody event of the
registry, the steps each trace request reached; kept as the traces and the registry change
(docs/domain/analytics.md, "Performance").

Derived copies, never records: they are written from the trace requests, their answers and
history, and the registry (analytics/services.py), inside the transaction that changes
them, and can be rebuilt at any time (`armstrace analytics rebuild`). The figures then read
narrow tables instead of joining millions of requests, answers and registry rows.
"""

from __future__ import annotations

from django.db import models

from armstrace.registry.choices import EventKind
from armstrace.registry.models import Event, Weapon
from armstrace.tracing.models import TraceAnswer, TraceRequest


class TracedRecovery(models.Model):
    """The trace that ends a recovery's chain (the last request of its chain of follow-ups)
    and its last released answer, with what the figures filter and group on."""

    request = models.OneToOneField(
        TraceRequest, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    answer = models.ForeignKey(TraceAnswer, on_delete=models.CASCADE, related_name="+")
    # The weapon of our registry the answer was drafted from (None: a received answer).
    weapon = models.ForeignKey(
        Weapon, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The registry weapon the recovery concerns: the one its first request was linked to
    # (SDG 16.4.2 counts it as traced when this row establishes its origin).
    recovered_weapon = models.ForeignKey(
        Weapon, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The filters: the recovery's day, the asking agency, the weapon's type.
    found_on = models.DateField()
    requesting_agency_id = models.IntegerField(null=True, blank=True)
    weapon_type = models.CharField(max_length=32)
    requesting_state = models.CharField(max_length=2)
    # Where it came from: country of manufacture (registry, else as read on the weapon),
    # the import country on our record, the importer and the first retailer (registry).
    made_in = models.CharField(max_length=2, blank=True)
    registry_import_country = models.CharField(max_length=2, blank=True)
    importer_id = models.IntegerField(null=True, blank=True)
    retailer_id = models.IntegerField(null=True, blank=True)
    # The answer's outcome columns (tracing.services.outcome_columns).
    diversion_established = models.BooleanField()
    last_legal_event = models.CharField(max_length=24, blank=True)
    last_legal_country = models.CharField(max_length=2, blank=True)
    time_to_crime_days = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["found_on"], name="analytics_traced_found")]

    def __str__(self) -> str:
        return f"{self.request_id} ({self.found_on})"


# The events by which a weapon comes into custody: SDG 16.4.2's "seized, found or
# surrendered".
CUSTODY_KINDS = (EventKind.SEIZED, EventKind.FOUND, EventKind.SURRENDERED)


class CustodyEvent(models.Model):
    """A registry event that brought a weapon into custody (seized, found, surrendered), with
    the weapon's type and agency: SDG 16.4.2's denominator and its disaggregations read
    this narrow table instead of looking up a weapon among millions for each such event.

    Kept by analytics/services.py: a row is written when the event is, and the weapon's
    columns follow a correction of the weapon."""

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24)
    occurred_on = models.DateField()
    seq = models.PositiveIntegerField()
    weapon_type = models.CharField(max_length=32, blank=True)
    agency_id = models.IntegerField(null=True, blank=True)
    # The day of the weapon's custody event before this one (None: its first). A row is the
    # weapon's first custody event of a period when this day falls before the period, so
    # each weapon counts once without sorting its events (registry events are appended in
    # date order, so a later row never changes an earlier one's).
    previous_on = models.DateField(null=True, blank=True)
    # The weapon's recovery was traced and the trace established where it left legal hands
    # (SDG 16.4.2's numerator); kept with the traced-recovery table.
    origin_established = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["occurred_on"], name="analytics_custodyevent_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.weapon_id} ({self.occurred_on})"


class RequestSteps(models.Model):
    """A trace request as the statistics count it: the filters (direction, day sent,
    agency, weapon type), where it stands (acknowledged, still open), the days it took to
    be acknowledged and answered, and what it ever reached in its history (an answer in
    part or complete, a delay, a restriction, a refusal; 1 or 0 each) with the grounds
    given. The trace statistics then read one narrow table, instead of joining the
    requests to millions of history rows each time.

    Kept by analytics/services.py from the request and its transitions, in the transaction
    that appends each event of its history; rebuilt with the other tables."""

    request = models.OneToOneField(
        TraceRequest, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    direction = models.CharField(max_length=10)
    sent_at = models.DateTimeField(null=True, blank=True)
    requesting_agency_id = models.IntegerField(null=True, blank=True)
    weapon_type = models.CharField(max_length=32, blank=True)
    acknowledged = models.PositiveSmallIntegerField()
    open = models.PositiveSmallIntegerField()  # awaiting an answer today
    to_ack = models.FloatField(null=True, blank=True)  # days from sent_at to acknowledged_at
    to_answer = models.FloatField(null=True, blank=True)  # days from sent_at to answered_at
    answered = models.PositiveSmallIntegerField()
    complete = models.PositiveSmallIntegerField()
    delayed = models.PositiveSmallIntegerField()
    restricted = models.PositiveSmallIntegerField()
    refused = models.PositiveSmallIntegerField()
    # The para 22 grounds given on the way, as " status:ground " tokens (" delayed:workload
    # refused:security "), so that a count per ground is one LIKE on a short text.
    grounds = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at"], name="analytics_steps_sent")]

    def __str__(self) -> str:
        return f"steps of {self.request_id}"
