"""The permission matrix: who files, who sees, who steps a request on."""

from __future__ import annotations

import pytest

from armstrace.core.exceptions import PermissionDenied
from armstrace.tracing import services
from armstrace.tracing.selectors import requests_for
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


def test_an_investigator_sees_only_the_requests_of_their_agency(
    investigator_a, investigator_b, poc, auditor, outsider
):
    mine, theirs = make(investigator_a), make(investigator_b)
    assert list(requests_for(investigator_a)) == [mine]
    assert list(requests_for(investigator_b)) == [theirs]
    assert set(requests_for(poc)) == {mine, theirs}
    assert set(requests_for(auditor)) == {mine, theirs}
    assert list(requests_for(outsider)) == []


def test_an_investigator_cannot_file_an_international_request(investigator_a):
    with pytest.raises(PermissionDenied) as refused:
        make(investigator_a, "outgoing")
    assert refused.value.permission == "tracing:request:international"


@pytest.mark.parametrize("persona", ["auditor", "outsider", "registrar"])
def test_those_who_do_not_investigate_cannot_file_a_request(request, persona):
    with pytest.raises(PermissionDenied):
        make(request.getfixturevalue(persona))


def test_investigator_of_agency_b_cannot_send_agency_a_request(investigator_a, investigator_b):
    trace = make(investigator_a)
    with pytest.raises(PermissionDenied):
        services.transition(request=trace, to="sent", actor=investigator_b)
    services.transition(request=trace, to="sent", actor=investigator_a)
    assert trace.status == "sent"


def test_the_investigator_cannot_acknowledge_their_own_request(investigator_a, registrar):
    trace = make(investigator_a)
    services.transition(request=trace, to="sent", actor=investigator_a)
    for actor in (investigator_a, registrar):  # a registrar of agency A is not the registry
        with pytest.raises(PermissionDenied):
            services.transition(request=trace, to="acknowledged", actor=actor)


def test_only_the_point_of_contact_steps_an_international_request(poc, national_registrar):
    trace = make(poc, "incoming")
    with pytest.raises(PermissionDenied) as refused:
        services.transition(request=trace, to="acknowledged", actor=national_registrar)
    assert refused.value.permission == "tracing:request:international"
    services.transition(request=trace, to="acknowledged", actor=poc)
