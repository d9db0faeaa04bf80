"""Photographs of marks, of whole weapons and taken at events (M9, T13).

An upload is judged by its content, never by its name or declared type: Pillow reads the
header to learn the format and the size in pixels, and a file over the pixel limit is
refused before its pixels are decoded (a decompression bomb never reaches memory). The
stored file is the upload with its location removed, losslessly: the GPS block of its EXIF,
its XMP and its text chunks go, the pixels and the rest of the EXIF (date, orientation)
stay. An uploader who needs the location ticks "keep", and the audit says so.

Files live under DATA_DIR/images by content hash, as intake stores documents, and are
served only through a view that checks the reader's permissions.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import ExifTags, ImageOps, UnidentifiedImageError
from PIL import Image as Pillow

from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_change, record_event
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters
from armstrace.registry.models import Event, Image, Mark, Weapon

# Pillow format -> (content type, stored suffix). MPO is a camera's multi-picture JPEG.
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "MPO": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
# Names clients give a type, reduced to one name each; an empty or generic type claims nothing.
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
OPENERS = ["JPEG", "PNG", "WEBP"]  # Pillow's JPEG opener also returns MPO files
GENERIC = frozenset({"", "application/octet-stream", "binary/octet-stream"})
THUMBNAIL_SIZE = (320, 320)
GPS_IFD = ExifTags.IFD.GPSInfo
EXIF_PREFIX = b"Exif\x00\x00"


def max_bytes() -> int:
    return int(getattr(settings, "ARMSTRACE_IMAGE_MAX_BYTES", 20 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "ARMSTRACE_IMAGE_MAX_PIXELS", 50_000_000))


def images_dir() -> Path:
    return Path(settings.DATA_DIR) / "images"


def image_path(image: Image) -> Path:
    suffix = mimetypes.guess_extension(image.content_type) or ""
    suffix = ".jpg" if suffix in (".jpe", ".jpeg") else suffix
    return images_dir() / image.sha256[:2] / f"{image.sha256}{suffix}"


def thumbnail_path(image: Image) -> Path:
    return images_dir() / "thumbnails" / image.sha256[:2] / f"{image.sha256}.jpg"


@dataclass
class ImageUpload:
    content: bytes
    file_name: str
    declared_type: str = ""  # the content type the client sent, if any
    mark: Mark | None = None
    event: Event | None = None
    caption: str = ""
    keep_location: bool = False


@dataclass(frozen=True)
class Checked:
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def refuse(code: str, message: str) -> DomainValidationError:
    return DomainValidationError("file", message, code=code)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def _claims(file_name: str, declared_type: str) -> set[str]:
    """The content types the file's name (a suffix known to `mimetypes`) and its declared
    type claim; a generic type or an unknown suffix claims nothing."""
    by_name = mimetypes.guess_type(file_name)[0] or ""
    claims = {by_name, declared_type.split(";")[0].strip().lower()}
    return {ALIASES.get(c, c) for c in claims} - GENERIC


def _open(content: bytes) -> Pillow.Image:
    """The image with its header read and its pixels not yet decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Pillow.DecompressionBombWarning)  # our limit rules
            return Pillow.open(io.BytesIO(content), formats=OPENERS)
    except Pillow.DecompressionBombError as exc:
        raise refuse(
            "too_many_pixels",
            _("declares more pixels than any photograph has; it is refused undecoded"),
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise refuse("not_an_image", _("is not a JPEG, PNG or WebP image")) from exc


def check_size(size: int) -> None:
    if size > max_bytes():
        raise refuse(
            "too_large",
            _("is %(size)s MB; the limit is %(limit)s MB")
            % {"size": _megabytes(size), "limit": _megabytes(max_bytes())},
        )


def check(content: bytes, *, file_name: str, declared_type: str = "") -> Checked:
    """Refuse what is not an accepted image, claims another type, or is too large; else
    decode it once (a damaged file fails here) and make its thumbnail."""
    check_size(len(content))
    image = _open(content)
    content_type = FORMATS[str(image.format)][0]
    width, height = image.size
    if width * height > max_pixels():
        raise refuse(
            "too_many_pixels",
            _("is %(width)d by %(height)d pixels; the limit is %(limit)d million pixels")
            % {"width": width, "height": height, "limit": max_pixels() // 1_000_000},
        )
    wrong = sorted(c for c in _claims(file_name, declared_type) if c != content_type)
    if wrong:
        raise refuse(
            "type_mismatch",
            _("claims to be %(claimed)s but its content is %(actual)s")
            % {"claimed": ", ".join(wrong), "actual": content_type},
        )
    return Checked(content_type, width, height, _thumbnail(image))


def _thumbnail(image: Pillow.Image) -> bytes:
    try:
        image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced scale
        image.load()
        small = ImageOps.exif_transpose(image)
        small.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        small.convert("RGB").save(out, "JPEG", quality=85)
    except (OSError, SyntaxError, ValueError) as exc:
        raise refuse("damaged", _("is damaged or cut short: it cannot be decoded")) from exc
    return out.getvalue()


# --- location metadata, removed without re-encoding ----------------------------------


def _exif_without_gps(exif_bytes: bytes, *, prefixed: bool) -> bytes:
    """The EXIF block without its GPS directory (the rest, such as the date, stays)."""
    exif = Pillow.Exif()
    exif.load(exif_bytes)
    if GPS_IFD not in exif:
        return exif_bytes
    del exif[GPS_IFD]
    data = exif.tobytes()
    return data if prefixed else data.removeprefix(EXIF_PREFIX)


def _strip_jpeg(data: bytes) -> bytes:
    """Keep the first picture only (a multi-picture file's others carry their own EXIF),
    drop XMP, Photoshop/IPTC and multi-picture segments, and the GPS part of the EXIF."""
    out, pos = bytearray(data[:2]), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the pixels follow, up to the end-of-image
            end = data.find(b"\xff\xd9", pos)
            out += data[pos : end + 2] if end >= 0 else data[pos:]
            return bytes(out)
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        body = data[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and body.startswith(EXIF_PREFIX):
            body = _exif_without_gps(body, prefixed=True)
            out += bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body
        elif not (marker in (0xE1, 0xED) or (marker == 0xE2 and body.startswith(b"MPF\x00"))):
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    return bytes(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def _strip_png(data: bytes) -> bytes:
    """Drop text chunks (XMP and raw EXIF profiles live there) and the EXIF's GPS part."""
    out, pos = bytearray(data[:8]), 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind == b"eXIf":
            body = _exif_without_gps(data[pos + 8 : end - 4], prefixed=False)
            out += _png_chunk(kind, body)
        elif kind not in (b"tEXt", b"zTXt", b"iTXt"):
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    return bytes(out)


VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def _strip_webp(data: bytes) -> bytes:
    """Drop the XMP chunk and the EXIF's GPS part; the VP8X flags and RIFF size follow."""
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = data[pos + 8 : pos + 8 + length]
        pos += 8 + length + (length & 1)
        if kind == b"EXIF":
            body = _exif_without_gps(body, prefixed=body.startswith(EXIF_PREFIX))
        if kind != b"XMP ":
            chunks.append((kind, body))
    out = bytearray()
    for kind, body in chunks:
        if kind == b"VP8X":
            body = bytes([body[0] & ~VP8X_XMP]) + body[1:]
        out += kind + len(body).to_bytes(4, "little") + body + (b"\x00" if len(body) & 1 else b"")
    return b"RIFF" + (len(out) + 4).to_bytes(4, "little") + b"WEBP" + bytes(out)


STRIP = {"image/jpeg": _strip_jpeg, "image/png": _strip_png, "image/webp": _strip_webp}


def _located(image: Pillow.Image) -> bool:
    return GPS_IFD in image.getexif() or bool(image.info.get("xmp"))


def has_location(content: bytes) -> bool:
    """Whether the file still holds a GPS position or an XMP packet (which may hold one)."""
    return _located(_open(content))


def strip_location(content: bytes, content_type: str) -> bytes:
    stripped = STRIP[content_type](content)
    image = _open(stripped)
    if image.size != _open(content).size or _located(image):
        # a layout the stripper did not foresee: store nothing rather than leak or damage
        raise refuse("location_not_removed", _("its location metadata could not be removed"))
    return stripped


# --- storing --------------------------------------------------------------------------


def _write_once(path: Path, content: bytes) -> None:
    """Files are named by their hash: one already there holds the same bytes."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(content)
    Path(tmp.name).replace(path)


def _caption(text: str) -> str:
    text = text.strip()
    if has_control_characters(text):
        raise DomainValidationError("caption", _("contains control characters"))
    if len(text) > 200:
        raise DomainValidationError(
            "caption", _("is longer than %(max)d characters") % {"max": 200}
        )
    return text


def _target(weapon: Weapon, upload: ImageUpload) -> None:
    if upload.mark is not None and upload.event is not None:
        raise DomainValidationError("mark", _("an image shows a mark or an event, not both"))
    if upload.mark is not None and upload.mark.weapon_id != weapon.pk:
        raise DomainValidationError("mark", _("is not a mark of this weapon"), code="wrong_weapon")
    if upload.event is not None and upload.event.weapon_id != weapon.pk:
        raise DomainValidationError(
            "event", _("is not an event of this weapon"), code="wrong_weapon"
        )


def add_image(*, weapon: Weapon, upload: ImageUpload) -> Image:
    """Check, strip (unless kept on purpose), store by hash and record one photograph."""
    _target(weapon, upload)
    caption = _caption(upload.caption)
    checked = check(upload.content, file_name=upload.file_name, declared_type=upload.declared_type)
    content = upload.content
    if not upload.keep_location:
        content = strip_location(content, checked.content_type)
    sha = hashlib.sha256(content).hexdigest()
    ctx = current_context()
    image = Image(
        weapon=weapon,
        mark=upload.mark,
        event=upload.event,
        sha256=sha,
        original_sha256=hashlib.sha256(upload.content).hexdigest(),
        content_type=checked.content_type,
        file_name=Path(upload.file_name).name[:200] or sha,
        size=len(content),
        width=checked.width,
        height=checked.height,
        caption=caption,
        location_kept=upload.keep_location,
        uploaded_by_id=ctx.actor_id,
        uploaded_by_name=ctx.actor_name,
    )
    _write_once(image_path(image), content)
    _write_once(thumbnail_path(image), checked.thumbnail)
    with transaction.atomic(), audit_batch():
        image.save()
        record_change(image, action="created", before=None)
        record_event(
            "registry:image:added",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={
                "image_id": image.pk,
                "sha256": sha,
                "original_sha256": image.original_sha256,
                "location_kept": image.location_kept,
                "mark_id": image.mark_id,
                "event_id": image.event_id,
            },
        )
    return image
