"""The tracing pages: the same scenario through the forms, refusals shown field by field."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from armstrace.tracing.models import TraceRequest
from armstrace.tracing.tests.helpers import content, make

pytestmark = pytest.mark.django_db
LIST, CREATE, OVERDUE = (
    reverse("tracing:trace-list"),
    reverse("tracing:trace-create"),
    reverse("tracing:overdue"),
)


def url(name: str, trace: Any, *args: Any) -> str:
    return reverse(f"tracing:{name}", args=[trace.request_id, *args])


def form_data(**changes: Any) -> dict[str, Any]:
    data = content(**changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_recovered_weapon_is_traced_through_the_pages(
    client, investigator_a, poc, weapon_factory
):
    weapon = weapon_factory(serial="M70-424242")
    client.force_login(investigator_a)
    created = client.post(CREATE, form_data(serial_as_read="M70-424242"))
    assert created.status_code == 302
    trace = TraceRequest.objects.get()
    assert created["Location"] == url("trace-detail", trace)
    assert client.post(url("trace-transition", trace), {"to": "sent"}).status_code == 302

    client.force_login(poc)
    for to in ("acknowledged", "in_progress"):
        assert client.post(url("trace-transition", trace), {"to": to}).status_code == 302
    assert client.post(url("trace-draft", trace), {}).status_code == 302
    answer = trace.answers.get()
    assert answer.weapon == weapon
    page = client.get(url("trace-detail", trace)).content.decode()
    assert "M70-424242" in page and "Release answer" in page
    released = client.post(
        url("trace-release", trace, answer.pk),
        {"completeness": "complete", "redact_personal": "on"},
    )
    assert released.status_code == 302
    trace.refresh_from_db()
    assert trace.status == "answered_complete"

    client.force_login(investigator_a)
    page = client.get(url("trace-detail", trace)).content.decode()
    assert "Answered (complete)" in page and "Released" in page


def test_the_form_refuses_missing_para_17_fields_naming_each(client, investigator_a):
    client.force_login(investigator_a)
    response = client.post(CREATE, form_data(markings="", intended_use="", found_place=""))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"markings", "intended_use", "found_place"}
    assert not TraceRequest.objects.exists()


def test_a_refusal_without_reasons_is_shown_on_the_form(client, poc):
    trace = make(poc, "incoming")
    client.force_login(poc)
    client.post(url("trace-transition", trace), {"to": "acknowledged"})
    response = client.post(url("trace-transition", trace), {"to": "refused"})
    assert response.status_code == 422
    assert set(response.context["transition_form"].errors) == {"grounds", "reasons"}
    done = client.post(
        url("trace-transition", trace),
        {"to": "refused", "grounds": ["investigation"], "reasons": "Ongoing case."},
    )
    assert done.status_code == 302
    page = client.get(url("trace-detail", trace)).content.decode()
    assert "Ongoing case." in page


def test_pages_show_only_the_agency_requests_and_refuse_outsiders(
    client, investigator_a, investigator_b, outsider
):
    mine = make(investigator_a)
    client.force_login(investigator_b)
    assert mine.request_id not in client.get(LIST).content.decode()
    assert client.get(url("trace-detail", mine)).status_code == 404
    assert client.post(url("trace-transition", mine), {"to": "sent"}).status_code == 404
    client.force_login(outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_a_registrar_cannot_release_an_international_answer_through_the_page(
    client, poc, national_registrar
):
    from armstrace.tracing import services

    trace = make(poc, "incoming")
    services.transition(request=trace, to="acknowledged", actor=poc)
    answer = services.draft_answer(request=trace, actor=national_registrar)
    client.force_login(national_registrar)
    assert "Release answer" not in client.get(url("trace-detail", trace)).content.decode()
    refused = client.post(url("trace-release", trace, answer.pk), {"completeness": "complete"})
    assert refused.status_code == 403


def test_the_overdue_dashboard_groups_by_counterpart(client, poc, settings):
    settings.ARMSTRACE_TRACE_ANSWER_DAYS = -1
    make(poc, "incoming")
    make(poc, "incoming", requesting_state="TZ", requesting_agency_name="Tanzania Police")
    client.force_login(poc)
    page = client.get(OVERDUE).content.decode()
    assert "Uganda" in page and "Tanzania" in page
