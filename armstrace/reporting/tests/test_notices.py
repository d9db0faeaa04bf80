"""Diversion notices (T13): one per answer establishing diversion and per active recipient,
never twice, without personal data; exported by the point of contact only, each export
audited; acknowledged once exported."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.reporting import services
from armstrace.reporting.models import DiversionNotice, NoticeRecipient
from armstrace.reporting.receivers import diversion_notices
from armstrace.tracing.models import TraceAnswer
from armstrace.tracing.signals import outcome_recorded

pytestmark = pytest.mark.django_db


def _first() -> DiversionNotice:
    return DiversionNotice.objects.order_by("pk")[0]


@pytest.fixture
def inactive(recipients):
    data = services.RecipientInput(
        name="Dormant body", level="international", email="x@example.org", active=False
    )
    return services.save_recipient(actor=None, data=data)


@pytest.fixture
def noticed(recipients, inactive, data_set):
    return data_set


def test_a_diversion_established_notifies_each_active_recipient_once(noticed, recipients):
    notices = DiversionNotice.objects.order_by("recipient__pk")
    assert [n.recipient for n in notices] == recipients
    assert all(n.state == "to_send" for n in notices)
    assert {n.request_id for n in notices} == {noticed.diverted.request_id}
    created = AuditEntry.objects.filter(tag="reporting:notice:created")
    assert created.count() == 2


def test_the_same_outcome_heard_again_creates_nothing_more(noticed):
    outcome_recorded.send(sender=TraceAnswer, answer=noticed.answer)
    assert services.create_notices(answer=noticed.answer) == []
    assert DiversionNotice.objects.count() == 2


def test_the_database_refuses_a_second_notice_for_one_answer_and_recipient(noticed):
    first = _first()
    with pytest.raises(IntegrityError), transaction.atomic():
        DiversionNotice.objects.create(
            answer=first.answer,
            recipient=first.recipient,
            request_id=first.request_id,
            case_ref=first.case_ref,
            document={},
            created_at=first.created_at,
        )


def test_a_recipient_added_later_is_told_of_the_next_outcome_only_once(noticed):
    late = services.save_recipient(
        actor=None,
        data=services.RecipientInput(name="INTERPOL NCB", level="international", email="n@i.int"),
    )
    diversion_notices(TraceAnswer, answer=noticed.answer)
    diversion_notices(TraceAnswer, answer=noticed.answer)
    assert DiversionNotice.objects.filter(recipient=late).count() == 1


def test_an_answer_without_diversion_notifies_nobody(recipients, data_set):
    answer = data_set.answer
    answer.diversion_established = False
    assert services.create_notices(answer=answer) == []


def test_a_notice_names_the_weapon_and_the_diversion_without_personal_data(noticed):
    notice = _first()
    doc = notice.document
    assert doc["schema"] == "armstrace.diversion-notice" and doc["version"] == 1
    assert doc["trace"]["request_id"] == noticed.diverted.request_id
    assert doc["trace"]["case_ref"] == "PA/CR/2024/117"
    assert doc["weapon"]["serial_number"] == "M70-000101"
    assert doc["weapon"]["manufacturer"] == "Zastava Arms"
    assert doc["diversion"] == {
        "event": "stolen",
        "date": "2024-01-10",
        "last_legal_event": "manufactured",
        "last_legal_on": "1990-06-01",
        "last_legal_country": noticed.answer.last_legal_country,
    }
    assert doc["confidentiality"]["use_restrictions"] == (
        "Law enforcement use only; no onward disclosure"
    )
    text = json.dumps(doc)
    for personal in ("Wanjiru", "officer", "holder", "Eastleigh"):
        assert personal not in text


def test_the_point_of_contact_exports_a_notice_and_each_export_is_audited(noticed, poc):
    notice = _first()
    pdf = services.export_notice(notice=notice, actor=poc, fmt="pdf")
    data = services.export_notice(notice=notice, actor=poc, fmt="json")
    assert pdf.startswith(b"%PDF-")
    assert json.loads(data) == notice.document
    notice.refresh_from_db()
    assert notice.state == "exported" and notice.exported_by_name == "test-setup"
    exports = AuditEntry.objects.filter(tag="reporting:notice:exported").order_by("seq")
    assert [e.data["format"] for e in exports] == ["pdf", "json"]
    assert exports.reverse()[0].data["sha256"] == hashlib.sha256(data).hexdigest()


def test_only_the_point_of_contact_may_export_or_acknowledge(noticed, administrator, auditor):
    notice = _first()
    for user in (administrator, auditor):
        with pytest.raises(PermissionDenied):
            services.export_notice(notice=notice, actor=user, fmt="json")
        with pytest.raises(PermissionDenied):
            services.acknowledge_notice(notice=notice, actor=user)
    assert not AuditEntry.objects.filter(tag="reporting:notice:exported").exists()


def test_a_notice_is_acknowledged_only_after_it_was_exported(noticed, poc):
    notice = _first()
    with pytest.raises(DomainValidationError, match="exported"):
        services.acknowledge_notice(notice=notice, actor=poc)
    services.export_notice(notice=notice, actor=poc, fmt="json")
    services.acknowledge_notice(notice=notice, actor=poc, note="Receipt confirmed by e-mail")
    notice.refresh_from_db()
    assert notice.state == "acknowledged"
    assert notice.acknowledgement_note == "Receipt confirmed by e-mail"
    services.export_notice(notice=notice, actor=poc, fmt="pdf")  # a copy again: still acknowledged
    notice.refresh_from_db()
    assert notice.state == "acknowledged"


def test_the_pages_list_notices_export_them_and_record_acknowledgements(client, noticed, poc):
    notice = _first()
    client.force_login(poc)
    listing = client.get(reverse("reporting:notice-list"), {"state": "to_send"})
    assert noticed.diverted.request_id in listing.content.decode()
    detail = client.get(reverse("reporting:notice-detail", args=[notice.pk])).content.decode()
    assert "M70-000101" in detail and "Reported stolen" in detail
    download = client.get(reverse("reporting:notice-export", args=[notice.pk]), {"format": "pdf"})
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    acknowledged = client.post(
        reverse("reporting:notice-acknowledge", args=[notice.pk]), {"note": "By phone"}
    )
    assert acknowledged.status_code == 302
    notice.refresh_from_db()
    assert notice.state == "acknowledged"
    assert "Acknowledged" in client.get(reverse("reporting:notice-list")).content.decode()


def test_an_auditor_reads_notices_but_cannot_download_them(client, noticed, auditor):
    notice = _first()
    client.force_login(auditor)
    detail = client.get(reverse("reporting:notice-detail", args=[notice.pk]))
    assert detail.status_code == 200 and "notice-export" not in detail.content.decode()
    assert client.get(reverse("reporting:notice-export", args=[notice.pk])).status_code == 403


def test_recipients_are_kept_on_a_page_and_checked(client, poc):
    client.force_login(poc)
    url = reverse("reporting:recipient-create")
    refused = client.post(url, {"name": "UNODA", "level": "international", "languages": ["en"]})
    assert refused.status_code == 422  # neither e-mail nor address
    saved = client.post(
        url,
        {
            "name": "UNODA",
            "level": "international",
            "email": "conventionalarms-unoda@un.org",
            "languages": ["fr", "en"],
            "active": "on",
        },
    )
    assert saved.status_code == 302
    recipient = NoticeRecipient.objects.get(name="UNODA")
    assert recipient.languages == "fr en" and recipient.language == "fr"
    assert AuditEntry.objects.filter(tag="reporting:noticerecipient:created").exists()
    edit = client.post(
        reverse("reporting:recipient-edit", args=[recipient.pk]),
        {"name": "UNODA", "level": "international", "email": "a@un.org", "languages": ["en"]},
    )
    assert edit.status_code == 302
    recipient.refresh_from_db()
    assert recipient.active is False
    assert "UNODA" in client.get(reverse("reporting:recipient-list")).content.decode()
