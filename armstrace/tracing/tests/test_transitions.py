"""The life cycle, cell by cell: every (direction, from, to) is driven through the services.

The allowed steps are written out here by hand, independently of rules.TABLE; every other
cell must be refused. Answers to incoming and domestic requests are given by releasing a
drafted answer, so those cells go through draft_answer and release_answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from armstrace.audit.models import AuditEntry
from armstrace.tracing import rules, services
from armstrace.tracing.choices import Direction, Status
from armstrace.tracing.exceptions import InvalidFields, TransitionRefused
from armstrace.tracing.models import TraceEvent
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db

WAITING = ["acknowledged", "in_progress", "delayed"]
OUTCOMES = ["answered_complete", "answered_partial", "restricted", "refused"]
COMMON = {
    ("acknowledged", "in_progress"),
    ("delayed", "in_progress"),
    ("acknowledged", "delayed"),
    ("in_progress", "delayed"),
    ("answered_partial", "answered_complete"),
    *{(src, dst) for src in WAITING for dst in OUTCOMES},
    *{(src, "closed") for src in OUTCOMES},
}
ALLOWED = {
    "outgoing": COMMON | {("draft", "sent"), ("draft", "closed"), ("sent", "acknowledged")},
    "domestic": COMMON | {("draft", "sent"), ("draft", "closed"), ("sent", "acknowledged")},
    "incoming": COMMON | {("received", "acknowledged")},
}
# How each direction reaches each status from where it starts.
PATHS = {
    "outgoing": {
        "draft": [],
        "sent": ["sent"],
        "acknowledged": ["sent", "acknowledged"],
        "in_progress": ["sent", "acknowledged", "in_progress"],
        "delayed": ["sent", "acknowledged", "delayed"],
        "answered_complete": ["sent", "acknowledged", "answered_complete"],
        "answered_partial": ["sent", "acknowledged", "answered_partial"],
        "restricted": ["sent", "acknowledged", "restricted"],
        "refused": ["sent", "acknowledged", "refused"],
        "closed": ["closed"],
    },
    "incoming": {
        "received": [],
        "acknowledged": ["acknowledged"],
        "in_progress": ["acknowledged", "in_progress"],
        "delayed": ["acknowledged", "delayed"],
        "answered_complete": ["acknowledged", "answered_complete"],
        "answered_partial": ["acknowledged", "answered_partial"],
        "restricted": ["acknowledged", "restricted"],
        "refused": ["acknowledged", "refused"],
        "closed": ["acknowledged", "refused", "closed"],
    },
}
PATHS["domestic"] = PATHS["outgoing"]
CELLS = [(d, src) for d, paths in PATHS.items() for src in paths]


class Undo(Exception):
    """Raised to roll a tried step back."""


def step(trace: Any, target: str, actor: Any) -> None:
    if target in {"answered_complete", "answered_partial"} and trace.direction != "outgoing":
        answer = services.draft_answer(request=trace, actor=actor)
        completeness = "complete" if target == "answered_complete" else "partial"
        services.release_answer(answer=answer, actor=actor, completeness=completeness)
        trace.refresh_from_db()
        return
    reasoned = target in {"delayed", "restricted", "refused"}
    services.transition(
        request=trace,
        to=target,
        actor=actor,
        grounds=["investigation"] if reasoned else [],
        reasons="The suspect's accomplices are still at large." if reasoned else "",
    )


@pytest.mark.parametrize(("direction", "source"), CELLS)
def test_every_cell_of_the_table_is_allowed_or_refused_as_written(poc, direction, source):
    trace = make(poc, direction)
    for target in PATHS[direction][source]:
        step(trace, target, poc)
    assert trace.status == source
    for target in Status:
        expected = (source, target.value) in ALLOWED[direction]
        try:
            with transaction.atomic():
                try:
                    step(trace, target.value, poc)
                except TransitionRefused:
                    assert not expected, (direction, source, target)
                else:
                    assert expected, (direction, source, target)
                    assert trace.status == target
                    assert TraceEvent.objects.filter(
                        request=trace, status_before=source, status_after=target
                    ).exists()
                raise Undo
        except Undo:
            trace.refresh_from_db()


def test_the_written_table_and_the_rules_agree():
    for direction, allowed in ALLOWED.items():
        computed = {
            (src.value, dst.value)
            for src in Status
            for dst in rules.targets(Direction(direction), src)
        }
        assert computed == allowed


def test_a_refused_step_names_the_rule(poc):
    trace = make(poc, "outgoing")
    with pytest.raises(TransitionRefused) as refused:
        services.transition(request=trace, to="acknowledged", actor=poc)
    assert refused.value.field == "status"
    assert "Draft" in refused.value.message and "Acknowledged" in refused.value.message
    incoming = make(poc, "incoming")
    with pytest.raises(TransitionRefused) as wrong_way:
        services.transition(request=incoming, to="sent", actor=poc)
    assert wrong_way.value.code == "transition_table"


def test_a_step_of_another_direction_is_refused_by_its_rule_name():
    with pytest.raises(TransitionRefused) as refused:
        rules.rule_for(Direction.INCOMING, Status.DRAFT, Status.SENT)
    assert refused.value.code == "send"
    assert "Incoming" in refused.value.message


def test_our_answer_is_given_by_release_not_by_a_status_change(poc):
    trace = make(poc, "incoming")
    services.transition(request=trace, to="acknowledged", actor=poc)
    with pytest.raises(TransitionRefused) as refused:
        services.transition(request=trace, to="answered_complete", actor=poc)
    assert refused.value.code == "answer_through_release"


@pytest.mark.parametrize("target", ["delayed", "restricted", "refused"])
def test_delay_restriction_and_refusal_require_a_ground_and_reasons(poc, target):
    trace = make(poc, "incoming")
    services.transition(request=trace, to="acknowledged", actor=poc)
    with pytest.raises(InvalidFields) as refused:
        services.transition(request=trace, to=target, actor=poc)
    assert {e.field for e in refused.value.errors} == {"grounds", "reasons"}
    with pytest.raises(InvalidFields) as no_reason:
        services.transition(request=trace, to=target, actor=poc, grounds=["other"])
    assert [e.field for e in no_reason.value.errors] == ["reasons"]
    with pytest.raises(InvalidFields) as bad_ground:
        services.transition(request=trace, to=target, actor=poc, grounds=["boredom"], reasons="x")
    assert [e.field for e in bad_ground.value.errors] == ["grounds"]
    trace.refresh_from_db()
    assert trace.status == "acknowledged"


def test_a_refusal_keeps_its_grounds_and_reasons_in_history_and_audit(poc):
    trace = make(poc, "incoming")
    services.transition(request=trace, to="acknowledged", actor=poc)
    services.transition(
        request=trace,
        to="refused",
        actor=poc,
        grounds=["national_security", "legal_protection"],
        reasons="Records of state holdings are classified.",
    )
    event = trace.events.get(status_after="refused")
    assert event.grounds == ["legal_protection", "national_security"]
    assert event.reasons == "Records of state holdings are classified."
    assert event.actor_name == "test-setup"
    audit = AuditEntry.objects.get(tag="tracing:request:refused", object_id=trace.request_id)
    assert audit.data["grounds"] == ["legal_protection", "national_security"]
    assert audit.correlation_id == event.correlation_id


def test_grounds_are_refused_on_a_step_that_needs_none(poc):
    trace = make(poc, "outgoing")
    with pytest.raises(InvalidFields) as refused:
        services.transition(request=trace, to="sent", actor=poc, grounds=["other"])
    assert refused.value.code == "not_reasoned"


def test_history_is_appended_never_rewritten(poc):
    trace = make(poc, "outgoing")
    for target in ["sent", "acknowledged", "in_progress"]:
        services.transition(request=trace, to=target, actor=poc)
    rows = list(trace.events.values_list("seq", "kind", "status_before", "status_after"))
    assert rows == [
        (1, "created", "", "draft"),
        (2, "transition", "draft", "sent"),
        (3, "transition", "sent", "acknowledged"),
        (4, "transition", "acknowledged", "in_progress"),
    ]
