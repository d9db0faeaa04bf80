"""Properties of trace request validation (tracing/services.py): whatever the content, a
request is filed or refused with errors that name its own fields, never a crash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from armstrace.core.exceptions import DomainValidationError
from armstrace.tracing import services
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.tests.helpers import incoming, outgoing, request_input

pytestmark = pytest.mark.django_db
BOUNDED = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELDS = {f.name for f in dataclasses.fields(services.RequestInput)}
TEXT_FIELDS = sorted(f.name for f in dataclasses.fields(services.RequestInput) if f.type == "str")
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "KE", "ke", "RS", "XX", "\x00", "a@b", "?", "x" * 300]),
)
CHANGES = st.dictionaries(st.sampled_from(TEXT_FIELDS), TEXT, max_size=4)
BUILD = {"domestic": request_input, "outgoing": outgoing, "incoming": incoming}


def _file(actor, direction, changes, found_on, grounds):
    data = BUILD[direction](**changes)
    data.found_on = found_on
    data.illicit_grounds = grounds
    return services.create_request(actor=actor, data=data)


@BOUNDED
@given(
    st.sampled_from(sorted(BUILD)),
    CHANGES,
    st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))),
    st.lists(st.one_of(st.sampled_from(["a", "b", "c"]), st.text(max_size=3)), max_size=3),
)
@example("outgoing", {"requested_state": "\x00"}, dt.date(2024, 3, 2), ["a"])
@example("incoming", {"requesting_state": "K\x00"}, dt.date(2024, 3, 2), ["a"])
@example("domestic", {"country_of_manufacture": "\x00"}, dt.date(2024, 3, 2), ["a"])
def test_a_request_is_filed_or_refused_field_by_field(
    investigator_a, poc, direction, changes, found_on, grounds
):
    actor = investigator_a if direction == "domestic" else poc
    try:
        request = _file(actor, direction, changes, found_on, grounds)
    except InvalidFields as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.field in FIELDS and error.message
    except DomainValidationError as exc:
        assert exc.field in FIELDS and exc.message
    else:
        assert re.fullmatch(r"[A-Z]{2}-\d{4}-\d{6}", request.request_id)
        assert request.status in ("draft", "received")


@BOUNDED
@given(st.sampled_from(TEXT_FIELDS), st.sampled_from(["\x00", "\x07", "\u200b"]))
def test_a_control_character_in_a_field_is_refused_in_that_field(investigator_a, name, char):
    data = request_input(**{name: "text" + char})
    with pytest.raises(InvalidFields) as refused:
        services.create_request(actor=investigator_a, data=data)
    assert name in {error.field for error in refused.value.errors}
