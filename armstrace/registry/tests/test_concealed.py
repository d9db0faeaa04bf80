"""Concealed marks are seen only with registry:mark:concealed for the weapon's agency:
on the weapon page, through the API, in exports and in search results; their images and
restorations are concealed with them."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image as Pillow

from armstrace.accounts.permissions import has_permission
from armstrace.accounts.services import issue_token
from armstrace.registry import images
from armstrace.registry.forms import ImageForm
from armstrace.registry.models import Image, Mark, Weapon
from armstrace.registry.permissions import MARK_CONCEALED
from armstrace.registry.restoration import RestorationInput, record_restoration
from armstrace.registry.selectors import concealed_agencies, image_for, marks_for
from armstrace.registry.services import MarkInput, add_mark

HIDDEN = "QZ7731K"  # the concealed mark's text; it must appear nowhere it is not allowed
OPEN = "M70 OPEN 55"
SEARCH = reverse("search:weapons")


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return Path(settings.DATA_DIR)


@pytest.fixture
def weapon(weapon_factory: Any) -> Weapon:
    """A weapon of agency A with an open mark and a concealed one, photographed."""
    weapon: Weapon = weapon_factory(agency="a")
    add_mark(weapon=weapon, data=MarkInput(role="manufacture", text=OPEN))
    hidden = add_mark(weapon=weapon, data=MarkInput(role="other", text=HIDDEN, concealed=True))
    out = io.BytesIO()
    Pillow.new("RGB", (20, 20), "grey").save(out, "PNG")
    images.add_image(
        weapon=weapon, upload=images.ImageUpload(out.getvalue(), "hidden.png", mark=hidden)
    )
    record_restoration(
        weapon=weapon,
        data=RestorationInput(
            reading="QZ77?1K",
            laboratory="Forensic lab",
            examiner="Dr Kamau",
            examined_on=dt.date(2025, 3, 1),
            method="chemical_etching",
            mark=hidden,
        ),
    )
    return weapon


def page(client: Client, user: Any, weapon: Weapon) -> str:
    client.force_login(user)
    response = client.get(reverse("registry:weapon-detail", args=[weapon.pk]))
    assert response.status_code == 200
    return response.content.decode()


def api(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


# --- who holds the permission ----------------------------------------------------------


def test_only_registrars_and_administrators_hold_the_permission(
    registrar, administrator, investigator_a, auditor, poc, outsider
):
    assert has_permission(registrar, MARK_CONCEALED)
    assert has_permission(administrator, MARK_CONCEALED)
    for user in (investigator_a, auditor, poc, outsider):
        assert not has_permission(user, MARK_CONCEALED)


def test_the_permission_reaches_the_holders_agency_only(
    agencies, registrar, registrar_b, national_registrar, administrator
):
    everyone = {a.pk for a in agencies.values()}
    assert concealed_agencies(registrar) == {agencies["a"].pk}
    assert concealed_agencies(registrar_b) == {agencies["b"].pk}
    assert concealed_agencies(national_registrar) == everyone
    assert concealed_agencies(administrator) == everyone


# --- the weapon page --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["investigator_a", "auditor", "poc", "registrar_b"])
def test_the_weapon_page_hides_the_concealed_mark_its_image_and_restoration(
    request, client, weapon, persona
):
    html = page(client, request.getfixturevalue(persona), weapon)
    assert OPEN in html
    assert HIDDEN not in html
    assert "QZ77?1K" not in html
    assert "Concealed" not in html
    image = Image.objects.get()
    assert reverse("registry:image-thumbnail", args=[image.pk]) not in html


@pytest.mark.parametrize("persona", ["registrar", "administrator"])
def test_the_weapon_page_shows_the_concealed_mark_to_those_allowed(
    request, client, weapon, persona
):
    html = page(client, request.getfixturevalue(persona), weapon)
    assert HIDDEN in html
    assert "Concealed" in html
    assert "QZ77?1K" in html
    assert reverse("registry:image-thumbnail", args=[Image.objects.get().pk]) in html


def test_the_image_of_a_concealed_mark_is_not_served_without_the_permission(
    client, weapon, investigator_a, registrar
):
    image = Image.objects.get()
    for name in ("registry:image-file", "registry:image-thumbnail"):
        client.force_login(investigator_a)
        assert client.get(reverse(name, args=[image.pk])).status_code == 404
        client.force_login(registrar)
        assert client.get(reverse(name, args=[image.pk])).status_code == 200
    assert image_for(investigator_a, image.pk) is None


def test_only_those_allowed_are_offered_the_concealed_checkbox(client, weapon, registrar):
    client.force_login(registrar)
    url = reverse("registry:mark-create", args=[weapon.pk])
    assert 'name="concealed"' in client.get(url).content.decode()
    response = client.post(url, {"role": "other", "text": "SECRET 2", "concealed": "on"})
    assert response.status_code == 302
    assert Mark.objects.get(text="SECRET 2").concealed


def test_the_upload_form_does_not_offer_a_concealed_mark_to_others(
    client, weapon, investigator_a, registrar
):
    hidden = Mark.objects.get(text=HIDDEN)

    def offered(user: Any) -> bool:
        field = ImageForm(user=user, weapon=weapon).fields["shows"]
        assert isinstance(field, forms.ChoiceField)
        return field.valid_value(f"mark:{hidden.pk}")

    assert not offered(investigator_a)
    assert offered(registrar)


# --- the API ----------------------------------------------------------------------------


def test_the_api_hides_the_concealed_mark_from_an_investigator(weapon, investigator_a):
    client = api(investigator_a)
    body = client.get(f"/api/v1/weapons/{weapon.pk}").json()
    assert [m["text"] for m in body["marks"]] == [OPEN]
    assert body["images"] == []
    assert body["restorations"] == []
    assert HIDDEN not in json.dumps(body)
    assert client.get(f"/api/v1/weapons/{weapon.pk}/images").json() == []
    assert client.get(f"/api/v1/weapons/{weapon.pk}/restorations").json() == []
    image = Image.objects.get()
    assert client.get(f"/api/v1/images/{image.pk}/file").status_code == 404


def test_the_api_shows_the_concealed_mark_to_the_registrar(weapon, registrar):
    client = api(registrar)
    body = client.get(f"/api/v1/weapons/{weapon.pk}").json()
    assert {m["text"]: m["concealed"] for m in body["marks"]} == {OPEN: False, HIDDEN: True}
    assert len(body["images"]) == 1
    assert body["restorations"][0]["search_pattern"] == "QZ77?1K"
    assert client.get(body["images"][0]["file_url"]).status_code == 200


def test_a_token_without_the_concealed_scope_sees_no_concealed_mark(weapon, registrar):
    _, secret = issue_token(user=registrar, name="narrow", scopes=["registry:weapon:view"])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    body = client.get(f"/api/v1/weapons/{weapon.pk}").json()
    assert [m["text"] for m in body["marks"]] == [OPEN]


def test_recording_a_concealed_mark_by_api_takes_the_permission(weapon, registrar):
    _, secret = issue_token(
        user=registrar, name="narrow", scopes=["registry:weapon:edit", "registry:weapon:view"]
    )
    narrow = Client(headers={"Authorization": f"Bearer {secret}"})
    body = {"role": "other", "text": "HIDDEN 3", "concealed": True}
    path = f"/api/v1/weapons/{weapon.pk}/marks"
    response = narrow.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    response = api(registrar).post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["concealed"] is True


def test_an_image_cannot_be_attached_by_api_to_a_mark_the_caller_cannot_see(
    weapon, registrar_b, registrar
):
    hidden = Mark.objects.get(text=HIDDEN)
    file = SimpleUploadedFile("a.png", b"x", content_type="image/png")
    # registrar_b may not even upload to agency A's weapon
    response = api(registrar_b).post(
        f"/api/v1/weapons/{weapon.pk}/images", {"file": file, "mark_id": hidden.pk}
    )
    assert response.status_code == 403
    assert marks_for(registrar_b, weapon).filter(pk=hidden.pk).count() == 0
    assert marks_for(registrar, weapon).filter(pk=hidden.pk).count() == 1


# --- exports ----------------------------------------------------------------------------


def test_the_weapons_export_writes_no_mark_text(weapon, tmp_path):
    target = tmp_path / "weapons.csv"
    call_command("export", "weapons", str(target))  # `armstrace export weapons FILE`
    text = target.read_text(encoding="utf-8-sig")
    assert weapon.serial_number in text
    assert HIDDEN not in text
    assert OPEN not in text  # the export holds no marks at all


# --- search ------------------------------------------------------------------------------


def search_page(client: Client, user: Any, serial: str) -> str:
    client.force_login(user)
    response = client.get(SEARCH, {"serial": serial, "purpose": "CASE-9"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("serial", [HIDDEN, "QZ773?K", "QZ7731X"])  # exact, pattern, one edit
def test_a_search_does_not_find_a_weapon_through_a_concealed_mark_without_the_permission(
    client, weapon, investigator_a, serial
):
    html = search_page(client, investigator_a, serial)
    assert str(weapon.pk) not in html
    assert HIDDEN not in html.replace(serial, "")
    body = api(investigator_a).get("/api/v1/search/weapons", {"serial": serial}).json()
    assert body["candidates"] == []
    assert body["total"] == 0


def test_a_search_finds_the_weapon_for_the_registrar_without_showing_the_mark_text(
    client, weapon, registrar
):
    html = search_page(client, registrar, "QZ773?K")
    assert str(weapon.pk) in html
    assert HIDDEN not in html
    assert "a concealed mark matches" in html
    body = api(registrar).get("/api/v1/search/weapons", {"serial": HIDDEN}).json()
    [candidate] = body["candidates"]
    assert candidate["weapon_id"] == str(weapon.pk)
    assert candidate["matched_on"] == "concealed"
    assert HIDDEN not in json.dumps(candidate["reasons"]).replace(f"matches {HIDDEN}", "")


def test_a_search_by_an_open_mark_still_finds_the_weapon(client, weapon, investigator_a):
    body = api(investigator_a).get("/api/v1/search/weapons", {"serial": OPEN}).json()
    assert [c["weapon_id"] for c in body["candidates"]] == [str(weapon.pk)]
    assert HIDDEN not in json.dumps(body)


def test_a_registrar_of_another_agency_does_not_find_it_through_the_concealed_mark(
    weapon, registrar_b
):
    body = api(registrar_b).get("/api/v1/search/weapons", {"serial": HIDDEN}).json()
    assert body["candidates"] == []
