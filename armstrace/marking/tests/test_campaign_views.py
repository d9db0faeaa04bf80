"""A user runs a whole campaign from the pages; other roles and agencies are refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.permissions import VOCABULARY
from armstrace.audit.models import AuditEntry
from armstrace.marking import urls
from armstrace.marking.models import Campaign
from armstrace.marking.services import campaigns
from armstrace.registry.services import EventInput, create_party, record_life_event

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"marking:{name}", args=args)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def campaign(agencies):
    return campaigns.create_campaign(
        agency=agencies["a"], name="Police stock", purpose="state_ownership", mark_template="KE-"
    )


def test_every_marking_page_declares_a_permission_of_the_vocabulary():
    patterns = urls.urlpatterns
    assert len(patterns) == 22 and all(isinstance(p, URLPattern) for p in patterns)
    for pattern in patterns:
        assert getattr(pattern.callback, PERMISSION_ATTR) in VOCABULARY, pattern


def test_a_registrar_runs_a_whole_campaign_from_the_pages(
    registrar, agencies, weapon_factory, as_user
):
    unit = create_party(
        kind="state_unit", name="GSU Recce", licence_number="GSU", agency=agencies["a"]
    )
    held = weapon_factory()
    record_life_event(
        weapon=held,
        data=EventInput(kind="transferred", occurred_on=dt.date(2001, 1, 1), to_party=unit),
    )
    listed = weapon_factory(serial="PASTE-1")
    in_file = weapon_factory(serial="FILE-1")
    client = as_user(registrar)

    response = client.post(
        url("campaign-create"),
        {
            "name": "GSU 2026",
            "purpose": "state_ownership",
            "mark_template": "KE-{unit}-",
            "sequence_width": 4,
            "component": "receiver",
            "location": "left",
            "method": "laser",
        },
    )
    campaign = Campaign.objects.get(name="GSU 2026")
    assert response.status_code == 302 and response.url == url("campaign-detail", campaign.pk)

    upload = SimpleUploadedFile("list.csv", b"serial\nFILE-1\n", content_type="text/csv")
    response = client.post(
        url("campaign-select", campaign.pk),
        {"unit": unit.pk, "identifiers": "PASTE-1\nNO-SUCH", "file": upload, "reason": "annual"},
    )
    assert response.status_code == 302
    assert set(campaign.items.values_list("weapon_id", flat=True)) == {
        held.pk,
        listed.pk,
        in_file.pk,
    }
    page = client.get(url("campaign-detail", campaign.pk)).content.decode()
    assert "Not added: NO-SUCH" in page and "0 of 3 weapons marked" in page

    assert client.post(url("campaign-allocate", campaign.pk)).status_code == 302
    marks = dict(campaign.items.values_list("weapon_id", "mark_text"))
    assert marks[held.pk] == "KE-GSU-0001"

    job = client.get(url("campaign-job", campaign.pk))
    assert job.status_code == 200 and job["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(job.content.decode("utf-8-sig"))))
    assert len(rows) == 3 and {r["mark_text"] for r in rows} == set(marks.values())
    checklist = client.get(url("campaign-checklist", campaign.pk))
    assert checklist.status_code == 200 and checklist.content.startswith(b"%PDF")

    log = (
        "weapon_id,result,timestamp\n"
        + "".join(
            f"{r['weapon_id']},{'failed' if r['serial'] == 'FILE-1' else 'done'},2026-01-02\n"
            for r in rows
        )
        + "not-a-uuid,done,\n"
    )
    response = client.post(
        url("campaign-log", campaign.pk), {"file": SimpleUploadedFile("log.csv", log.encode())}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Row 5" in page and "is not a UUID" in page
    assert "2 of 3 weapons marked" in page
    assert held.marks.get().text == "KE-GSU-0001"

    failed = campaign.items.get(weapon=in_file)
    client.post(url("campaign-result", campaign.pk, failed.pk), {"result": "done"})
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    assert (
        "3 of 3 weapons marked" in client.get(url("campaign-detail", campaign.pk)).content.decode()
    )
    assert AuditEntry.objects.filter(tag="marking:campaign:printed").exists()


def test_a_bad_mark_format_is_shown_on_the_form(registrar, as_user):
    response = as_user(registrar).post(
        url("campaign-create"),
        {"name": "x", "purpose": "post_seizure", "mark_template": "{serial}", "sequence_width": 4},
    )
    assert (
        response.status_code == 422 and "nknown placeholder {serial}" in response.content.decode()
    )


@pytest.mark.parametrize("persona", ["auditor", "administrator", "registrar"])
def test_auditors_and_registrars_see_campaigns(persona, request, as_user, campaign):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(url("campaign-list")).status_code == 200
    assert client.get(url("campaign-detail", campaign.pk)).status_code == 200


@pytest.mark.parametrize("persona", ["investigator_a", "poc", "outsider"])
def test_other_roles_cannot_see_campaigns(persona, request, as_user, campaign):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(url("campaign-list")).status_code == 403
    assert client.get(url("campaign-detail", campaign.pk)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, campaign):
    assert client.get(url("campaign-detail", campaign.pk)).status_code == 302


@pytest.mark.parametrize("persona", ["auditor", "registrar_b", "investigator_a"])
def test_auditors_and_registrars_of_another_agency_cannot_run_the_campaign(
    persona, request, as_user, campaign, weapon_factory
):
    weapon = weapon_factory()
    client = as_user(request.getfixturevalue(persona))
    assert (
        client.post(
            url("campaign-select", campaign.pk), {"identifiers": str(weapon.pk)}
        ).status_code
        == 403
    )
    assert client.post(url("campaign-allocate", campaign.pk)).status_code == 403
    assert client.get(url("campaign-job", campaign.pk)).status_code == 403
    assert client.get(url("campaign-checklist", campaign.pk)).status_code == 403
    assert not campaign.items.exists()


def test_a_national_registrar_may_run_any_agencys_campaign(
    national_registrar, as_user, campaign, weapon_factory
):
    weapon = weapon_factory()
    response = as_user(national_registrar).post(
        url("campaign-select", campaign.pk), {"identifiers": str(weapon.pk)}
    )
    assert response.status_code == 302 and campaign.items.count() == 1


def test_an_auditor_cannot_create_a_campaign(auditor, as_user):
    assert as_user(auditor).get(url("campaign-create")).status_code == 403
