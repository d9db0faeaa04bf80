"""The tracing API: a recovered weapon from the investigator's request to the released
answer, the 422 naming every missing field, and the refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.services import issue_token
from armstrace.registry.services import EventInput, create_party, record_life_event
from armstrace.tracing.api import router
from armstrace.tracing.tests.helpers import FOUND_ON, content

API = "/api/v1/traces"
pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def test_a_recovered_weapon_is_traced_from_request_to_released_answer(
    investigator_a, poc, weapon_factory
):
    weapon = weapon_factory(serial="M70-555001")
    owner = create_party(kind="individual", name="Peter Otieno")
    record_life_event(
        weapon=weapon,
        data=EventInput(
            kind="transferred", occurred_on=FOUND_ON.replace(year=2010), to_party=owner
        ),
    )
    record_life_event(
        weapon=weapon, data=EventInput(kind="stolen", occurred_on=FOUND_ON.replace(year=2020))
    )
    investigator, point = client_for(investigator_a), client_for(poc)

    created = post(investigator, "", content(serial_as_read="M70-555?01"))
    assert created.status_code == 201, created.json()
    request_id = created.json()["request_id"]
    assert created.json()["status"] == "draft"
    assert created.json()["next_statuses"] == ["sent", "closed"]

    sent = post(investigator, f"/{request_id}/transitions", {"to": "sent"})
    assert sent.status_code == 200, sent.json()
    assert sent.json()["ack_due_at"] and sent.json()["answer_due_at"]
    for to in ("acknowledged", "in_progress"):
        assert post(point, f"/{request_id}/transitions", {"to": to}).status_code == 200

    drafted = post(point, f"/{request_id}/answers", {"weapon_id": str(weapon.pk)})
    assert drafted.status_code == 201, drafted.json()
    draft = drafted.json()["draft"]
    assert draft["point_of_diversion"]["established"] is True
    assert draft["last_legal_record"]["holder"]["name"] == "Peter Otieno"

    seen_early = investigator.get(f"{API}/{request_id}").json()
    assert seen_early["answers"] == []  # drafts stay with the registry until released

    answer_id = drafted.json()["id"]
    released = post(
        point, f"/{request_id}/answers/{answer_id}/release", {"completeness": "complete"}
    )
    assert released.status_code == 200, released.json()
    final = investigator.get(f"{API}/{request_id}").json()
    assert final["status"] == "answered_complete"
    assert final["weapon_id"] == str(weapon.pk)
    assert final["answers"][0]["released"]["last_legal_record"]["holder"]["name"] == "[redacted]"
    assert [e["status_after"] for e in final["events"]][:5] == [
        "draft",
        "sent",
        "acknowledged",
        "in_progress",
        "in_progress",
    ]


def test_a_request_missing_para_17_fields_is_answered_422_with_every_field(investigator_a):
    body = content(markings="", calibre="", intended_use="")
    del body["illicit_grounds"]
    response = post(client_for(investigator_a), "", body)
    assert response.status_code == 422
    locations = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert locations == {
        ("body", "markings"),
        ("body", "calibre"),
        ("body", "intended_use"),
        ("body", "illicit_grounds"),
    }


def test_a_refusal_without_ground_or_reasons_is_answered_422(poc):
    client = client_for(poc)
    body = content(
        direction="incoming", channel="un_panel", requesting_state="SO",
        requesting_agency_name="Panel of Experts on Somalia",
    )  # fmt: skip
    request_id = post(client, "", body).json()["request_id"]
    assert post(client, f"/{request_id}/transitions", {"to": "acknowledged"}).status_code == 200
    refused = post(client, f"/{request_id}/transitions", {"to": "refused"})
    assert refused.status_code == 422
    assert {e["loc"][1] for e in refused.json()["detail"]} == {"grounds", "reasons"}
    forbidden = post(client, f"/{request_id}/transitions", {"to": "sent"})
    assert forbidden.status_code == 422
    assert forbidden.json()["detail"][0]["type"] == "transition_table"


def test_another_agency_cannot_see_or_step_a_request(investigator_a, investigator_b):
    request_id = post(client_for(investigator_a), "", content()).json()["request_id"]
    other = client_for(investigator_b)
    assert other.get(f"{API}/{request_id}").status_code == 404
    assert post(other, f"/{request_id}/transitions", {"to": "sent"}).status_code == 404
    assert other.get(API).json()["count"] == 0


def test_the_auditor_reads_but_cannot_file_or_step(investigator_a, auditor):
    request_id = post(client_for(investigator_a), "", content()).json()["request_id"]
    reader = client_for(auditor)
    assert reader.get(f"{API}/{request_id}").status_code == 200
    assert post(reader, "", content()).status_code == 403
    assert post(reader, f"/{request_id}/transitions", {"to": "sent"}).status_code == 403


def test_a_registrar_cannot_release_an_answer_to_another_state(poc, national_registrar):
    point = client_for(poc)
    body = content(direction="incoming", channel="interpol", requesting_state="UG",
                   requesting_agency_name="Uganda Police Force")  # fmt: skip
    request_id = post(point, "", body).json()["request_id"]
    post(point, f"/{request_id}/transitions", {"to": "acknowledged"})
    registrar = client_for(national_registrar)
    drafted = post(registrar, f"/{request_id}/answers", {})
    assert drafted.status_code == 201
    path = f"/{request_id}/answers/{drafted.json()['id']}/release"
    refused = post(registrar, path, {"completeness": "complete"})
    assert refused.status_code == 403
    assert refused.json()["permission"] == "tracing:answer:release"


def test_the_list_filters_overdue_requests(poc, settings):
    settings.ARMSTRACE_TRACE_ANSWER_DAYS = -1  # every new deadline is already past
    client = client_for(poc)
    body = content(direction="incoming", channel="interpol", requesting_state="UG",
                   requesting_agency_name="Uganda Police Force")  # fmt: skip
    post(client, "", body)
    post(client, "", content())  # a draft is never overdue
    assert client.get(API).json()["count"] == 2
    overdue = client.get(f"{API}?overdue=true").json()
    assert overdue["count"] == 1
    assert overdue["items"][0]["direction"] == "incoming"


def test_every_handler_declares_its_permission():
    handlers = [
        operation.view_func
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert len(handlers) == 11
    assert [h.__name__ for h in handlers if not getattr(h, PERMISSION_ATTR, "")] == []
