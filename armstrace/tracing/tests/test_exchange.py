"""States without ArmsTrace (items 7-8): PDF and JSON exports are audited disclosures that
carry the confidentiality and use restrictions; answers received by e-mail are entered or
imported, checked field by field."""

from __future__ import annotations

import copy
import io
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from armstrace.accounts.services import issue_token
from armstrace.audit.models import AuditEntry
from armstrace.core import pdffonts
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.tracing import exchange, services
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.pdf import language_of
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


def released_incoming(poc: Any, **changes: Any) -> Any:
    trace = make(poc, "incoming", **changes)
    services.transition(request=trace, to="acknowledged", actor=poc)
    answer = services.draft_answer(request=trace, actor=poc)
    services.release_answer(
        answer=answer, actor=poc, completeness="partial", use_restrictions="Court use only"
    )
    answer.refresh_from_db()
    return answer


def sent_outgoing(poc: Any) -> Any:
    trace = make(poc, "outgoing")
    services.transition(request=trace, to="sent", actor=poc)
    return trace


def answer_doc(poc: Any, request_id: str) -> dict[str, Any]:
    """An answer document as another state's ArmsTrace would send it."""
    document = exchange.answer_document(released_incoming(poc))
    document["request"]["request_id"] = request_id
    document["answer"]["supply_chain"] = [
        {"event": "manufactured", "date": "1990-06-01", "to": {"name": "Zastava Arms"}},
        {"event": "exported", "date": "1995-01-01", "counterpart_country": "UG"},
    ]
    document["answer"]["leads_to_state"] = "UG"
    document["answer"]["responder_ref"] = "RS-MUP-17"
    return document


def test_the_request_document_is_versioned_and_carries_its_restrictions(poc):
    trace = make(poc, "outgoing")
    data = json.loads(exchange.export_request(request=trace, actor=poc, fmt="json"))
    assert data["schema"] == "armstrace.trace-request" and data["version"] == 1
    assert data["confidentiality"] == {
        "level": "restricted",
        "use_restrictions": "Law enforcement use only; no onward disclosure",
    }
    assert data["request"]["weapon"]["markings"] == trace.markings
    assert data["request"]["circumstances"]["illicit_grounds"] == ["a"]
    assert data["request"]["requested"] == {"state": "RS", "reason": "manufacture"}


def test_every_export_is_an_audited_disclosure(poc):
    trace = make(poc, "outgoing")
    exchange.export_request(request=trace, actor=poc, fmt="pdf")
    exchange.export_request(request=trace, actor=poc, fmt="json", to="Interpol NCB Belgrade")
    entries = AuditEntry.objects.filter(tag="tracing:request:disclosed").order_by("seq")
    assert [(e.data["via"], e.data["to"]) for e in entries] == [
        ("pdf", "RS"),
        ("json", "Interpol NCB Belgrade"),
    ]
    assert entries[0].data["confidentiality"] == "restricted"
    assert trace.events.filter(kind="disclosed").count() == 2


def test_the_pdf_is_a_form_in_the_requests_language(poc):
    trace = make(poc, "outgoing", language="fr")
    pdf = exchange.export_request(request=trace, actor=poc, fmt="pdf")
    assert pdf.startswith(b"%PDF")
    assert language_of(trace) == "fr"
    trace.language = "xx"
    assert language_of(trace) == "en"


def test_a_draft_never_leaves(poc):
    trace = make(poc, "incoming")
    services.transition(request=trace, to="acknowledged", actor=poc)
    answer = services.draft_answer(request=trace, actor=poc)
    with pytest.raises(DomainValidationError) as refused:
        exchange.export_answer(answer=answer, actor=poc, fmt="json")
    assert refused.value.code == "not_released"


def test_the_released_answer_exports_with_its_own_restrictions(poc):
    answer = released_incoming(poc)
    document = json.loads(exchange.export_answer(answer=answer, actor=poc, fmt="json"))
    assert document["schema"] == "armstrace.trace-answer"
    assert document["confidentiality"]["use_restrictions"] == "Court use only"
    assert document["answer"]["completeness"] == "partial"
    assert exchange.export_answer(answer=answer, actor=poc, fmt="pdf").startswith(b"%PDF")
    disclosed = AuditEntry.objects.filter(tag="tracing:answer:disclosed", data__via="json")
    assert disclosed.get().data["to"] == "UG"


def test_only_the_point_of_contact_discloses_an_international_request(poc, national_registrar):
    trace = make(poc, "outgoing")
    with pytest.raises(PermissionDenied):
        exchange.export_request(request=trace, actor=national_registrar, fmt="json")
    assert not AuditEntry.objects.filter(tag="tracing:request:disclosed").exists()


def test_an_investigator_exports_their_domestic_request_but_not_another_agencys(
    investigator_a, investigator_b
):
    trace = make(investigator_a)
    assert exchange.export_request(request=trace, actor=investigator_a, fmt="json")
    with pytest.raises(PermissionDenied):
        exchange.export_request(request=trace, actor=investigator_b, fmt="json")


def test_an_imported_answer_answers_our_request(poc):
    trace = sent_outgoing(poc)
    data = exchange.parse_answer_document(answer_doc(poc, trace.request_id))
    answer = exchange.record_received_answer(request=trace, actor=poc, data=data)
    trace.refresh_from_db()
    assert trace.status == "answered_partial" and trace.acknowledged_at is not None
    assert answer.source == "received" and answer.responder_ref == "RS-MUP-17"
    assert answer.use_restrictions == "Court use only"
    released: Any = answer.released
    assert [link["event"] for link in released["supply_chain"]] == [
        "manufactured",
        "exported",
    ]
    assert AuditEntry.objects.get(tag="tracing:answer:received").data["leads_to_state"] == "UG"
    assert trace.events.filter(kind="answer_received").exists()


def test_an_answer_document_is_checked_field_by_field(poc):
    trace = sent_outgoing(poc)
    bad = answer_doc(poc, trace.request_id)
    bad["answer"]["completeness"] = "mostly"
    bad["answer"]["supply_chain"][1]["date"] = "1995-13-01"
    del bad["answer"]["supply_chain"][0]["event"]
    bad["answer"]["leads_to_state"] = "QQ"
    bad["confidentiality"]["use_restrictions"] = ""
    with pytest.raises(InvalidFields) as refused:
        exchange.parse_answer_document(bad)
    fields = {e.field for e in refused.value.errors}
    assert fields == {
        "answer.completeness",
        "answer.supply_chain[1].date",
        "answer.supply_chain[0].event",
        "answer.leads_to_state",
        "confidentiality.use_restrictions",
    }


def test_a_document_of_another_schema_or_version_is_refused(poc):
    good = answer_doc(poc, "KE-2026-000009")
    for key, value in [("schema", "other"), ("version", 2)]:
        wrong = copy.deepcopy(good)
        wrong[key] = value
        with pytest.raises(InvalidFields) as refused:
            exchange.parse_answer_document(wrong)
        assert refused.value.errors[0].field == key


def test_an_answer_for_another_request_or_one_we_answer_is_refused(poc):
    trace = sent_outgoing(poc)
    data = exchange.parse_answer_document(answer_doc(poc, "KE-2026-999999"))
    with pytest.raises(DomainValidationError) as other:
        exchange.record_received_answer(request=trace, actor=poc, data=data)
    assert other.value.code == "other_request"
    ours = make(poc, "incoming")
    data.request_id = ""
    with pytest.raises(DomainValidationError) as not_outgoing:
        exchange.record_received_answer(request=ours, actor=poc, data=data)
    assert not_outgoing.value.code == "not_outgoing"


def test_the_cli_imports_an_answer_file_as_the_point_of_contact(poc, tmp_path):
    trace = sent_outgoing(poc)
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer_doc(poc, trace.request_id)), encoding="utf-8")
    out = io.StringIO()
    call_command("trace", "import-answer", str(path), "--user", "poc", stdout=out)
    assert trace.request_id in out.getvalue()
    entry = AuditEntry.objects.get(tag="tracing:answer:received")
    assert entry.channel == "cli" and entry.actor_name == "poc"


def test_the_cli_lists_every_wrong_field_and_writes_nothing(poc, tmp_path):
    trace = sent_outgoing(poc)
    bad = answer_doc(poc, trace.request_id)
    bad["answer"]["completeness"] = ""
    bad["answer"]["answered_on"] = "tomorrow"
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("trace", "import-answer", str(path), "--user", "poc")
    assert "answer.completeness" in str(refused.value)
    assert "answer.answered_on" in str(refused.value)
    trace.refresh_from_db()
    assert trace.status == "sent"


def test_an_answer_received_by_email_is_typed_into_the_form(client, poc):
    trace = sent_outgoing(poc)
    client.force_login(poc)
    page = reverse("tracing:trace-receive", args=[trace.request_id])
    refused = client.post(page, {"completeness": "complete"})
    assert refused.status_code == 422
    assert set(refused.context["form"].errors) >= {"summary", "confidentiality"}
    done = client.post(
        page,
        {
            "completeness": "complete",
            "summary": "Sold 2003 to Dealer X, Belgrade; stolen 2010.",
            "diversion_established": "on",
            "diversion_how": "Theft report 2010",
            "confidentiality": "confidential",
            "use_restrictions": "Not for court use",
        },
    )
    assert done.status_code == 302
    detail = client.get(reverse("tracing:trace-detail", args=[trace.request_id])).content.decode()
    assert "Not for court use" in detail and "Sold 2003 to Dealer X" in detail


def test_an_answer_document_is_uploaded_through_the_form(client, poc):
    trace = sent_outgoing(poc)
    client.force_login(poc)
    upload = SimpleUploadedFile(
        "answer.json", json.dumps(answer_doc(poc, trace.request_id)).encode(), "application/json"
    )
    page = reverse("tracing:trace-receive", args=[trace.request_id])
    assert client.post(page, {"document": upload}).status_code == 302
    trace.refresh_from_db()
    assert trace.status == "answered_partial"


def test_the_api_exports_and_imports_documents(poc):
    _, secret = issue_token(user=poc, name="t")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    trace = sent_outgoing(poc)
    base = f"/api/v1/traces/{trace.request_id}"
    pdf = api.get(f"{base}/export?format=pdf&to=NCB%20Belgrade")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    bad = answer_doc(poc, trace.request_id)
    bad["answer"]["completeness"] = "mostly"
    refused = api.post(f"{base}/received-answers", json.dumps(bad), "application/json")
    assert refused.status_code == 422
    assert ["body", "answer.completeness"] in [d["loc"] for d in refused.json()["detail"]]
    good = answer_doc(poc, trace.request_id)
    created = api.post(f"{base}/received-answers", json.dumps(good), "application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["source"] == "received" and body["use_restrictions"] == "Court use only"
    detail = api.get(base).json()
    assert detail["answers"][0]["confidentiality"] == "restricted"
    exported = api.get(f"{base}/answers/{body['id']}/export?format=json")
    assert exported.json()["answer"]["responder_ref"] == "RS-MUP-17"


def test_the_restrictions_of_a_released_answer_show_on_the_request_page(client, poc):
    answer = released_incoming(poc)
    client.force_login(poc)
    page = client.get(reverse("tracing:trace-detail", args=[answer.request.request_id]))
    assert "Court use only" in page.content.decode()
    export = reverse("tracing:answer-export", args=[answer.request.request_id, answer.pk])
    download = client.get(export, {"format": "json", "to": "Uganda NCB"})
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith(f'-answer-{answer.pk}.json"')
    assert AuditEntry.objects.filter(tag="tracing:answer:disclosed", data__to="Uganda NCB")


@pytest.mark.parametrize("language", ["ar", "zh-hans", "ru"])
def test_the_pdf_prints_in_every_offered_language(poc, language):
    trace = make(poc, "outgoing", language=language, found_place="Момбаса 蒙巴萨 مومباسا")
    answer = released_incoming(poc, language=language)
    assert exchange.export_request(request=trace, actor=poc, fmt="pdf").startswith(b"%PDF")
    assert exchange.export_answer(answer=answer, actor=poc, fmt="pdf").startswith(b"%PDF")


def printed_characters(pdf: bytes) -> set[str]:
    """Every character the PDF prints, read from its fonts' ToUnicode maps."""
    chars = set()
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", pdf, re.S):
        for _glyph, code in re.findall(rb"<([0-9A-F]+)>\s*<([0-9A-F]+)>", section):
            chars.add(bytes.fromhex(code.decode()).decode("utf-16-be"))
    return chars


def test_the_pdf_form_is_printed_in_the_requests_language(poc):
    """Latin-only content, so Chinese or Arabic letters can come only from the form's words."""
    pdfs = {
        language: exchange.export_request(
            request=make(poc, "outgoing", language=language, found_place="Mombasa"),
            actor=poc,
            fmt="pdf",
        )
        for language in ("en", "zh-hans", "ar")
    }
    assert pdffonts.fallback_fonts(), "no CJK font: apt-get install fonts-wqy-microhei"
    for language, pdf in pdfs.items():
        with translation.override(language):
            heading = set(gettext("Requesting agency and officer").replace(" ", ""))
        assert heading <= printed_characters(pdf), language
    assert not any("\u4e00" <= c <= "\u9fff" for c in printed_characters(pdfs["en"]))
    assert any("\u0600" <= c <= "\u06ff" for c in printed_characters(pdfs["ar"]))
