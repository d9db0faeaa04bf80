"""Pages and commands for found, seized and collected weapons and their destruction."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from armstrace.marking.models import CollectionBatch, Destruction, Find
from armstrace.marking.services import campaigns, found
from armstrace.registry.services import WeaponInput

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
def late_find(agencies: Any) -> Find:
    return found.register_find(
        agency=agencies["a"],
        circumstances=found.Circumstances(
            kind="found", occurred_on=dt.date(2020, 1, 1), case_number="OB-7"
        ),
        data=WeaponInput(serial_number="LATE-1", manufacturer_name="X", weapon_type="pistol"),
    )


@pytest.mark.parametrize("persona", ["registrar", "investigator_b", "auditor"])
def test_registrars_investigators_and_auditors_see_the_overdue_list(
    persona, request, as_user, late_find
):
    page = as_user(request.getfixturevalue(persona)).get(url("find-list") + "?overdue=1")
    assert page.status_code == 200 and "LATE-1" in page.content.decode()


@pytest.mark.parametrize("persona", ["poc", "outsider"])
def test_other_roles_cannot_see_finds(persona, request, as_user, late_find):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(url("find-list")).status_code == 403
    assert client.get(url("collection-list")).status_code == 403


def test_a_registrar_registers_a_seizure_from_the_page(registrar, as_user, weapon_factory):
    weapon = weapon_factory()
    response = as_user(registrar).post(
        url("find-create"),
        {
            "kind": "seized",
            "occurred_on": "2025-02-01",
            "place": "Eldoret",
            "case_number": "CR-1",
            "weapon_id": str(weapon.pk),
        },
    )
    assert response.status_code == 302
    find = Find.objects.get()
    assert find.weapon == weapon and find.case_number == "CR-1"


def test_a_registrar_registers_an_unknown_weapon_found(registrar, as_user):
    response = as_user(registrar).post(
        url("find-create"), {"kind": "found", "occurred_on": "2025-02-01", "serial_number": "ZZ-1"}
    )
    assert response.status_code == 302 and Find.objects.get().weapon.serial_number == "ZZ-1"


def test_an_investigator_cannot_register_and_a_registrar_of_b_cannot_seize_a_weapon_of_a(
    investigator_a, registrar_b, as_user, weapon_factory
):
    weapon = weapon_factory()
    body = {"kind": "seized", "occurred_on": "2025-02-01", "weapon_id": str(weapon.pk)}
    assert as_user(investigator_a).post(url("find-create"), body).status_code == 403
    assert as_user(registrar_b).post(url("find-create"), body).status_code == 403
    assert not Find.objects.exists()


def test_a_collection_goes_from_upload_to_destruction_certificate(
    registrar, as_user, weapon_factory
):
    weapon_factory(serial="COL-1")
    client = as_user(registrar)
    upload = SimpleUploadedFile(
        "list.csv", b"serial_number,manufacturer\nCOL-1,Zastava Arms\nCOL-2,\n"
    )
    response = client.post(
        url("collection-create"),
        {
            "name": "Amnesty 2025",
            "kind": "surrendered",
            "collected_on": "2025-03-01",
            "file": upload,
        },
    )
    batch = CollectionBatch.objects.get()
    assert response.status_code == 302 and response.url == url("collection-detail", batch.pk)
    page = client.get(url("collection-detail", batch.pk)).content.decode()
    assert "COL-1" in page and "exact" in page
    response = client.post(
        url("collection-route", batch.pk), {"action": "destruction", "reason": "amnesty"}
    )
    destruction = Destruction.objects.get()
    assert response.status_code == 302 and destruction.items.count() == 2
    response = client.post(
        url("destruction-record", destruction.pk),
        {"destroyed_on": "2025-04-01", "method": "cutting", "witnesses": "A\nB"},
    )
    assert response.status_code == 302
    certificate = client.get(url("destruction-certificate", destruction.pk))
    destruction.refresh_from_db()
    assert certificate.content.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(certificate.content).hexdigest() == destruction.certificate_sha256


def test_a_collection_item_is_sent_to_a_campaign_from_the_page(registrar, agencies, as_user):
    client = as_user(registrar)
    upload = SimpleUploadedFile("list.csv", b"serial_number\nCM-1\nCM-2\n")
    client.post(
        url("collection-create"),
        {"name": "c", "kind": "found", "collected_on": "2025-03-01", "file": upload},
    )
    batch = CollectionBatch.objects.get()
    campaign = campaigns.create_campaign(
        agency=agencies["a"], name="p", purpose="post_seizure", mark_template="P-"
    )
    item = batch.items.get(row_number=2)
    response = client.post(
        url("collection-route", batch.pk),
        {"action": "marking", "campaign": campaign.pk, "reason": "collected", "items": [item.pk]},
    )
    assert response.status_code == 302
    assert list(campaign.items.values_list("weapon_id", flat=True)) == [item.weapon_id]


def test_an_auditor_sees_a_destruction_but_cannot_record_it(
    auditor, registrar_b, as_user, weapon_factory
):
    destruction = found.schedule_destruction([weapon_factory().pk], reason="x")
    assert as_user(auditor).get(url("destruction-detail", destruction.pk)).status_code == 200
    body = {"destroyed_on": "2025-04-01", "method": "cut", "witnesses": "A"}
    assert as_user(auditor).post(url("destruction-record", destruction.pk), body).status_code == 403
    assert (
        as_user(registrar_b).post(url("destruction-record", destruction.pk), body).status_code
        == 403
    )


def test_the_overdue_command_lists_and_writes_late_finds(late_find, tmp_path):
    out = io.StringIO()
    call_command("found", "overdue", stdout=out)
    assert "LATE-1" in out.getvalue() and "1 overdue" in out.getvalue()
    call_command("found", "overdue", "--out", str(tmp_path / "o.csv"), stdout=io.StringIO())
    assert "LATE-1" in (tmp_path / "o.csv").read_text(encoding="utf-8-sig")


def test_the_collect_and_destroy_commands(agencies, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("serial_number\nK-1\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "found",
        "collect",
        str(path),
        "--agency",
        "PA",
        "--name",
        "x",
        "--collected-on",
        "2025-01-01",
        stdout=out,
    )
    assert "1 registered" in out.getvalue()
    batch = CollectionBatch.objects.get()
    destruction = found.send_to_destruction(list(batch.items.all()), reason="x")
    call_command(
        "found",
        "destroy",
        str(destruction.pk),
        "--on",
        "2025-02-01",
        "--method",
        "cut",
        "--witness",
        "A",
        "--certificate",
        str(tmp_path / "c.pdf"),
        stdout=io.StringIO(),
    )
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
