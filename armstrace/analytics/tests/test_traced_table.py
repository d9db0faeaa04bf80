"""The traced-recovery table (analytics/models.py), kept by the traces of the fixed world,
equals what a rebuild from scratch writes."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from armstrace.analytics.models import TracedRecovery
from armstrace.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
FIELDS = [f.attname for f in TracedRecovery._meta.concrete_fields]


def rows() -> set[tuple[Any, ...]]:
    return set(TracedRecovery.objects.values_list(*FIELDS))


def test_the_table_the_traces_kept_equals_a_rebuild_from_the_cli(world, db):
    kept = rows()
    ids = set(TracedRecovery.objects.values_list("request__request_id", flat=True))
    t = {key: r.request_id for key, r in world.requests.items()}
    # T7 ends in an export to TZ and was followed up: its follow-up T7F ends the chain.
    # T14's answer is not released; T8, T9, T11 and T13 have none.
    assert ids == {t[k] for k in ("T1", "T2", "T3", "T4", "T5", "T7F", "T10")}
    out = StringIO()
    call_command("analytics", "rebuild", stdout=out)
    assert out.getvalue().startswith("7 traced recoveries")
    assert rows() == kept
    assert AuditEntry.objects.filter(tag="analytics:traced:rebuilt", data__rows=7).exists()
