"""A small fixed registry with traces, built through the services, for the report and the
notices; and two recipients of diversion notices.

The data set (every date in 2024, the requests sent today):
- W1 M70-000101: manufactured 1990, stolen 2024-01-10, seized 2024-03-02; a domestic trace
  request, answered from the registry: diversion established (stolen).
- W2 M70-000102: manufactured 1990, found 2024-04-05; a domestic request refused on the
  ground of an ongoing investigation.
- W3 M70-000103: manufactured 1990, surrendered 2024-05-06; never traced.
- W4 CZ-000201 (pistol): exported from CZ 2024-01-20, imported 2024-02-01 with a generated
  import mark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from armstrace.analytics.selectors import Period
from armstrace.core import clock
from armstrace.marking.services.importmarks import record_import
from armstrace.registry.services import EventInput, create_party, record_life_event
from armstrace.reporting.services import RecipientInput, save_recipient
from armstrace.tracing import services as tracing
from armstrace.tracing.models import TraceAnswer, TraceRequest
from armstrace.tracing.tests.helpers import make


@dataclass
class DataSet:
    period: Period
    diverted: TraceRequest
    answer: TraceAnswer
    refused: TraceRequest
    weapons: list[Any]


def _event(weapon: Any, kind: str, day: dt.date) -> None:
    record_life_event(weapon=weapon, data=EventInput(kind=kind, occurred_on=day, country="KE"))


def _answered(request: TraceRequest, investigator: Any, poc: Any) -> TraceAnswer:
    tracing.transition(request=request, to="sent", actor=investigator)
    tracing.transition(request=request, to="acknowledged", actor=poc)
    answer = tracing.draft_answer(request=request, actor=poc)
    return tracing.release_answer(answer=answer, actor=poc, completeness="complete")


@pytest.fixture
def recipients(db: Any) -> list[Any]:
    return [
        save_recipient(
            actor=None,
            data=RecipientInput(
                name="National Focal Point on Small Arms", level="national", email="nfp@example.ke"
            ),
        ),
        save_recipient(
            actor=None,
            data=RecipientInput(
                name="Regional Centre on Small Arms",
                level="regional",
                address="PO Box 7039, Nairobi",
                languages="fr en",
            ),
        ),
    ]


@pytest.fixture
def data_set(
    weapon_factory: Any,
    investigator_a: Any,
    poc: Any,
    django_capture_on_commit_callbacks: Any,
) -> DataSet:
    w1 = weapon_factory(serial="M70-000101")
    _event(w1, "stolen", dt.date(2024, 1, 10))
    _event(w1, "seized", dt.date(2024, 3, 2))
    w2 = weapon_factory(serial="M70-000102")
    _event(w2, "found", dt.date(2024, 4, 5))
    w3 = weapon_factory(serial="M70-000103")
    _event(w3, "surrendered", dt.date(2024, 5, 6))
    w4 = weapon_factory(
        serial="CZ-000201", weapon_type="pistol", model="CZ 75", calibre="9x19",
        country_of_manufacture="CZ",
    )  # fmt: skip
    exported = EventInput(
        kind="exported", occurred_on=dt.date(2024, 1, 20), country="CZ", counterpart_country="KE"
    )
    record_life_event(weapon=w4, data=exported)
    importer = create_party(kind="importer", name="Nairobi Arms Ltd", country="KE")
    record_import(
        w4, occurred_on=dt.date(2024, 2, 1), country="KE", importer=importer, reason="licence 7"
    )
    diverted = make(investigator_a, serial_as_read="M70-000101", found_on="2024-03-02")
    with django_capture_on_commit_callbacks(execute=True):
        answer = _answered(diverted, investigator_a, poc)
    refused = make(
        investigator_a,
        serial_as_read="M70-000102",
        found_on="2024-04-05",
        found_context="found",
        case_ref="PA/CR/2024/200",
    )
    tracing.transition(request=refused, to="sent", actor=investigator_a)
    tracing.transition(request=refused, to="acknowledged", actor=poc)
    tracing.transition(
        request=refused,
        to="refused",
        actor=poc,
        grounds=["investigation"],
        reasons="An investigation into the dealer is under way.",
    )
    answer.refresh_from_db()
    return DataSet(
        period=Period(dt.date(2024, 1, 1), clock.today()),
        diverted=diverted,
        answer=answer,
        refused=refused,
        weapons=[w1, w2, w3, w4],
    )
