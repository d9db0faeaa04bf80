"""Photographs of marks and weapons: what is accepted, what is refused and why, what is
stored (location removed, by hash), and who may upload and see them."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image as Pillow
from PIL import ImageFile

from armstrace.accounts.services import issue_token
from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.registry import images
from armstrace.registry.images import ImageUpload, add_image, has_location
from armstrace.registry.models import Image
from armstrace.registry.services import EventInput, MarkInput, add_mark, record_life_event

GPS = {1: "N", 2: (1.0, 17.0, 3.0), 3: "E", 4: (36.0, 49.0, 2.0)}


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def photo(fmt: str = "JPEG", *, size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    """A small photograph with EXIF (orientation, maker, and a GPS position)."""
    exif = Pillow.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "Canon"
    if gps:
        exif[0x8825] = GPS
    out = io.BytesIO()
    extra = {"xmp": b"<x:xmpmeta>exif:GPSLatitude</x:xmpmeta>"} if fmt != "PNG" else {}
    Pillow.new("RGB", size, "orange").save(out, fmt, exif=exif.tobytes(), **extra)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size and holds almost no pixels: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(weapon: Any, content: bytes, name: str = "mark.jpg", **kw: Any) -> Image:
    return add_image(weapon=weapon, upload=ImageUpload(content=content, file_name=name, **kw))


def refusal(weapon: Any, content: bytes, name: str, declared: str = "") -> DomainValidationError:
    with pytest.raises(DomainValidationError) as caught:
        upload(weapon, content, name, declared_type=declared)
    assert caught.value.field == "file"
    assert not Image.objects.exists()
    return caught.value


# --- what is accepted and stored ------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("JPEG", "a.jpg", "image/jpeg"),
        ("PNG", "a.png", "image/png"),
        ("WEBP", "a.webp", "image/webp"),
    ],
)
def test_jpeg_png_and_webp_are_stored_by_hash_without_their_location(
    weapon_factory, fmt, name, content_type
):
    weapon = weapon_factory()
    original = photo(fmt)
    assert has_location(original)
    image = upload(weapon, original, name)
    stored = images.image_path(image).read_bytes()
    assert image.content_type == content_type
    assert image.sha256 == hashlib.sha256(stored).hexdigest()
    assert image.original_sha256 == hashlib.sha256(original).hexdigest() != image.sha256
    assert images.image_path(image).parent.name == image.sha256[:2]
    assert not has_location(stored)
    kept = Pillow.open(io.BytesIO(stored))
    assert kept.getexif()[0x010F] == "Canon"  # only the location goes
    assert (image.width, image.height) == (64, 48) == kept.size
    assert not image.location_kept


def test_the_thumbnail_is_small_and_carries_no_metadata(weapon_factory):
    image = upload(weapon_factory(), photo(size=(1200, 800)))
    thumb = Pillow.open(images.thumbnail_path(image))
    assert thumb.format == "JPEG"
    assert max(thumb.size) == 320
    assert not thumb.getexif()


def test_an_uploader_may_keep_the_location_on_purpose_and_the_audit_says_so(weapon_factory):
    original = photo()
    image = upload(weapon_factory(), original, keep_location=True)
    assert image.location_kept
    assert images.image_path(image).read_bytes() == original
    event = AuditEntry.objects.get(tag="registry:image:added")
    assert event.data["location_kept"] is True
    assert event.data["original_sha256"] == image.sha256


def test_the_same_photograph_twice_is_stored_once(weapon_factory):
    first = upload(weapon_factory(), photo())
    second = upload(weapon_factory(), photo())
    assert first.sha256 == second.sha256
    assert len(list(images.images_dir().glob("??/*.jpg"))) == 1


def test_an_image_is_attached_to_a_mark_or_an_event_of_the_same_weapon(weapon_factory):
    weapon, other = weapon_factory(), weapon_factory()
    mark = add_mark(weapon=weapon, data=MarkInput(role="import", text="KE 24"))
    event = record_life_event(
        weapon=weapon, data=EventInput(kind="seized", occurred_on=dt.date(2024, 1, 2))
    )
    assert upload(weapon, photo(), mark=mark).mark == mark
    assert upload(weapon, photo(), event=event).event == event
    with pytest.raises(DomainValidationError, match="not a mark of this weapon"):
        upload(other, photo(), mark=mark)
    with pytest.raises(DomainValidationError, match="mark or an event, not both"):
        upload(weapon, photo(), mark=mark, event=event)


# --- what is refused ------------------------------------------------------------------


def test_a_file_that_is_not_an_image_is_refused(weapon_factory):
    error = refusal(weapon_factory(), b"%PDF-1.7 not a photograph", "scan.jpg")
    assert error.code == "not_an_image"
    assert "is not a JPEG, PNG or WebP image" in error.message


def test_another_image_format_is_refused(weapon_factory):
    out = io.BytesIO()
    Pillow.new("RGB", (8, 8)).save(out, "GIF")
    assert refusal(weapon_factory(), out.getvalue(), "a.gif").code == "not_an_image"


def test_a_png_named_jpeg_is_refused_as_not_what_it_claims(weapon_factory):
    error = refusal(weapon_factory(), photo("PNG"), "mark.jpg")
    assert error.code == "type_mismatch"
    assert error.message == "claims to be image/jpeg but its content is image/png"


def test_a_declared_content_type_that_disagrees_with_the_content_is_refused(weapon_factory):
    error = refusal(weapon_factory(), photo("JPEG"), "upload", declared="image/webp")
    assert error.code == "type_mismatch"
    error = refusal(weapon_factory(), photo("JPEG"), "report.pdf", declared="image/jpeg")
    assert error.message == "claims to be application/pdf but its content is image/jpeg"


def test_a_generic_declared_type_and_no_suffix_claim_nothing(weapon_factory):
    image = upload(
        weapon_factory(), photo("WEBP"), "upload.2024", declared_type="application/octet-stream"
    )
    assert image.content_type == "image/webp"


def test_a_file_over_the_size_limit_is_refused(weapon_factory, settings):
    settings.ARMSTRACE_IMAGE_MAX_BYTES = 1000
    error = refusal(weapon_factory(), photo(size=(400, 400)), "big.jpg")
    assert error.code == "too_large"
    assert "the limit is 0.0 MB" in error.message


def test_an_image_over_the_pixel_limit_is_refused_before_its_pixels_are_decoded(
    weapon_factory, settings, monkeypatch
):
    settings.ARMSTRACE_IMAGE_MAX_PIXELS = 1_000_000
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    error = refusal(weapon_factory(), png_header_only(2000, 1000), "bomb.png")
    assert error.code == "too_many_pixels"
    assert error.message == "is 2000 by 1000 pixels; the limit is 1 million pixels"


def test_a_decompression_bomb_far_beyond_any_limit_is_refused(weapon_factory):
    error = refusal(weapon_factory(), png_header_only(100_000, 100_000), "bomb.png")
    assert error.code == "too_many_pixels"


def test_a_damaged_image_is_refused(weapon_factory):
    out = io.BytesIO()
    Pillow.effect_noise((300, 200), 80).save(out, "JPEG")
    cut = out.getvalue()[: len(out.getvalue()) // 2]
    assert refusal(weapon_factory(), cut, "cut.jpg").code == "damaged"


# --- the weapon page, the upload form and the file view ------------------------------


def test_the_registrar_uploads_from_the_weapon_page_and_sees_the_thumbnail(
    client, registrar, weapon_factory
):
    weapon = weapon_factory()
    client.force_login(registrar)
    url = reverse("registry:image-create", args=[weapon.pk])
    file = SimpleUploadedFile("whole.jpg", photo(), content_type="image/jpeg")
    response = client.post(url, {"file": file, "shows": "", "caption": "Left side"})
    assert response.status_code == 302, response.content
    image = Image.objects.get()
    html = client.get(reverse("registry:weapon-detail", args=[weapon.pk])).content.decode()
    assert reverse("registry:image-thumbnail", args=[image.pk]) in html
    assert "Left side" in html
    thumb = client.get(reverse("registry:image-thumbnail", args=[image.pk]))
    assert thumb.status_code == 200
    assert thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"] == "private, no-store"


def test_the_upload_form_shows_a_refusal_on_the_file_field(client, registrar, weapon_factory):
    weapon = weapon_factory()
    client.force_login(registrar)
    file = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    url = reverse("registry:image-create", args=[weapon.pk])
    response = client.post(url, {"file": file, "shows": ""})
    assert response.status_code == 422
    assert "Is not a JPEG, PNG or WebP image" in response.content.decode()


def test_a_registrar_of_another_agency_cannot_upload(client, registrar_b, weapon_factory):
    weapon = weapon_factory(agency="a")
    client.force_login(registrar_b)
    file = SimpleUploadedFile("a.jpg", photo(), content_type="image/jpeg")
    response = client.post(reverse("registry:image-create", args=[weapon.pk]), {"file": file})
    assert response.status_code == 403
    assert not Image.objects.exists()


def test_an_investigator_sees_images_only_through_the_checked_view(
    client, investigator_b, outsider, weapon_factory
):
    image = upload(weapon_factory(), photo())
    url = reverse("registry:image-file", args=[image.pk])
    client.force_login(investigator_b)
    response = client.get(url)
    assert response.status_code == 200
    assert response.getvalue() == images.image_path(image).read_bytes()
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# --- the API --------------------------------------------------------------------------


def api_client(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_api_takes_a_multipart_upload_and_lists_it(registrar, weapon_factory):
    weapon = weapon_factory()
    mark = add_mark(weapon=weapon, data=MarkInput(role="manufacture", text="M70 123"))
    client = api_client(registrar)
    file = SimpleUploadedFile("m.webp", photo("WEBP"), content_type="image/webp")
    response = client.post(
        f"/api/v1/weapons/{weapon.pk}/images", {"file": file, "mark_id": mark.pk, "caption": "A"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mark_id"] == mark.pk
    assert body["content_type"] == "image/webp"
    assert body["location_kept"] is False
    listed = client.get(f"/api/v1/weapons/{weapon.pk}/images").json()
    assert [i["id"] for i in listed] == [body["id"]]
    content = client.get(body["file_url"])
    assert content.status_code == 200
    assert hashlib.sha256(content.getvalue()).hexdigest() == body["sha256"]


def test_the_api_refuses_a_bomb_with_a_clear_message(registrar, weapon_factory):
    weapon = weapon_factory()
    file = SimpleUploadedFile("b.png", png_header_only(100_000, 100_000), content_type="image/png")
    response = api_client(registrar).post(f"/api/v1/weapons/{weapon.pk}/images", {"file": file})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "file"]
    assert error["type"] == "too_many_pixels"


def test_the_api_refuses_an_upload_by_an_investigator(investigator_a, weapon_factory):
    weapon = weapon_factory()
    file = SimpleUploadedFile("a.jpg", photo(), content_type="image/jpeg")
    response = api_client(investigator_a).post(
        f"/api/v1/weapons/{weapon.pk}/images", {"file": file}
    )
    assert response.status_code == 403
