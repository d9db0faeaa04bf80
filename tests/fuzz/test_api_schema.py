"""Schemathesis against the served OpenAPI schema: every operation, called by a persona of
each role that may call it, with generated parameters and bodies (valid and invalid).

No answer may be a 5xx, and every answer must be one the schema documents: its status code,
content type and body. The error answers (400, 401, 403, 404, 422) are documented for every
operation by armstrace/api.py, so their bodies are checked too.

Examples are bounded and derandomised: the run is the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import core as hypothesis_core
from hypothesis import strategies as st
from hypothesis.vendor import pretty
from PIL import Image as Pillow
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis import setup as schemathesis_setup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from armstrace.accounts.api import PERMISSION_OBJECT, operations
from armstrace.accounts.choices import Role
from armstrace.api import api

# Schemathesis swaps Hypothesis' printer of failing examples, for the whole process, for
# one that prints nothing (a speed-up for its own long runs), the first time it builds a
# strategy; let it do so now, then put the printer back: every property test of the suite
# must still say which example failed.
schemathesis_setup()
hypothesis_core.RepresentationPrinter = pretty.RepresentationPrinter

pytestmark = pytest.mark.django_db
SCHEMA_PATH = "/api/v1/openapi.json"
EXAMPLES = 10  # per operation, persona and generation mode: bounds the suite's time
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The persona fixture that plays each role.
PLAYERS = {
    Role.REGISTRAR: "registrar",
    Role.INVESTIGATOR: "investigator_a",
    Role.POINT_OF_CONTACT: "poc",
    Role.AUDITOR: "auditor",
    Role.ADMINISTRATOR: "administrator",
}
# Operations left out of the run, each with the bug that keeps it out.
LEFT_OUT: dict[tuple[str, str], str] = {}


def _calls() -> Iterator[tuple[str, str, str]]:
    """(METHOD, path, persona) for every operation and every role that may call it."""
    for path, operation in operations(api):
        perm = getattr(operation.view_func, PERMISSION_OBJECT, None)
        roles = sorted(Role) if perm is None else sorted(perm.roles)
        for method in operation.methods:
            for role in roles:
                yield method, f"/api/v1{path}", PLAYERS[role]


CALLS = sorted(call for call in _calls() if call[:2] not in LEFT_OUT)


@cache
def _app() -> Any:
    return get_wsgi_application()


@cache
def _schema() -> Any:
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, _app())


def _png() -> bytes:
    out = io.BytesIO()
    Pillow.new("RGB", (8, 8), "orange").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(
    agencies: Any,
    investigator_a: Any,
    poc: Any,
    weapon_factory: Any,
    settings: Any,
    tmp_path: Any,
) -> dict[str, list[Any]]:
    """One of each object a path can name, so generated calls reach real records too."""
    settings.DATA_DIR = tmp_path / "data"
    from armstrace.marking.services import campaigns
    from armstrace.registry import images, restoration, services
    from armstrace.tracing import services as tracing
    from armstrace.tracing.tests.helpers import make

    weapon = weapon_factory(serial="M70-100001")
    component = services.add_component(
        weapon=weapon,
        data=services.ComponentInput(component_type="barrel", serial_number="B-1"),
    )
    image = images.add_image(
        weapon=weapon, upload=images.ImageUpload(content=_png(), file_name="mark.png")
    )
    restoration.record_restoration(
        weapon=weapon,
        data=restoration.RestorationInput(
            reading="M70-1[08]0?01",
            laboratory="Forensic Lab",
            examiner="J. Doe",
            examined_on=dt.date(2024, 1, 2),
            method="chemical_etching",
        ),
    )
    party = services.create_party(kind="individual", name="Peter Otieno")
    campaign = campaigns.create_campaign(
        agency=agencies["a"], name="Stock", purpose="state_ownership", mark_template="KE-"
    )
    trace = make(investigator_a, serial_as_read="M70-100001")
    tracing.transition(request=trace, to="sent", actor=investigator_a)
    for to in ("acknowledged", "in_progress"):
        tracing.transition(request=trace, to=to, actor=poc)
    answer = tracing.draft_answer(request=trace, actor=poc, weapon_id=str(weapon.pk))
    return {
        "weapon_id": [str(weapon.pk)],
        "component_id": [component.pk],
        "image_id": [image.pk],
        "party_id": [party.pk],
        "campaign_id": [campaign.pk],
        "request_id": [trace.request_id],
        "answer_id": [answer.pk],
    }


def _known(operation: Any, world: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    names = [p.name for p in operation.path_parameters]
    return st.fixed_dictionaries({n: st.sampled_from(world[n]) for n in names if n in world})


def _cases(operation: Any, world: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """Valid and invalid cases, on real objects and on generated ids."""
    generated = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    if not operation.path_parameters:
        return st.one_of(generated)

    def on_real(known: dict[str, Any]) -> st.SearchStrategy[Any]:
        return operation.as_strategy(path_parameters=known)

    return st.one_of(_known(operation, world).flatmap(on_real), *generated)


@pytest.fixture
def connections_kept() -> Iterator[None]:
    """The WSGI handler closes old database connections as each request starts and ends,
    which on PostgreSQL would close the test's transaction; Django's test client does this
    too."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize(("method", "path", "persona"), CALLS)
@pytest.mark.usefixtures("connections_kept")
def test_every_operation_answers_as_its_schema_says(method, path, persona, world, request):
    from armstrace.accounts.services import issue_token

    user = request.getfixturevalue(persona)
    _, secret = issue_token(user=user, name="fuzz")
    headers = {"Authorization": f"Bearer {secret}"}
    operation = _schema()[path][method]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(operation, world))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def _named_types(annotation: Any, found: dict[str, set[str]], seen: set[int]) -> None:
    """Every enum and schema class reachable from a type, by the name OpenAPI gives it."""
    import enum
    import typing

    import pydantic

    for arg in typing.get_args(annotation):
        _named_types(arg, found, seen)
    if not isinstance(annotation, type) or id(annotation) in seen:
        return
    seen.add(id(annotation))
    if issubclass(annotation, enum.Enum | pydantic.BaseModel):
        found.setdefault(annotation.__name__, set()).add(annotation.__module__)
    if issubclass(annotation, pydantic.BaseModel):
        for field in annotation.model_fields.values():
            _named_types(field.annotation, found, seen)


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI document keys schemas by class name: two classes of one name (the
    registry's and tracing's Status) would make one of them describe the other's values."""
    found: dict[str, set[str]] = {}
    seen: set[int] = set()
    for _path, operation in operations(api):
        for model in [*operation.models, *operation.response_models.values()]:
            fields = getattr(model, "model_fields", {})  # a file response has no model
            for field in fields.values():  # past ninja's generated wrappers
                _named_types(field.annotation, found, seen)
    assert {name: modules for name, modules in found.items() if len(modules) > 1} == {}
