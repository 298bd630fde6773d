"""Evidence upload checks: by content, not by name.

Accepted: JPEG, PNG, GIF, WebP images; PDF; Office documents (OOXML docx/xlsx/pptx and the
old OLE doc/xls/ppt); MP4 and QuickTime video. Everything else (HTML, SVG, scripts,
executables, archives that are not Office documents) is refused with a message in Chinese.

A file is stored and served as the type found here, never as its uploaded name says: a PNG
named poly.html downloads as poly.png, image/png (`download_name`).
"""

import hashlib
import io
import math
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from PIL import Image, ImageOps

from accounts.errors import InvalidInput


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


_OOXML = {
    "word/": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
_OLE_EXT = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


# ISO base media brands (ftyp) of MP4 and QuickTime video. Other formats share the box
# structure (HEIF/AVIF images, 3GPP, JPEG 2000 …) and are not accepted as video.
_MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
        b"mp41", b"mp42", b"mp71", b"avc1", b"hvc1", b"hev1", b"av01", b"dash", b"mmp4",
        b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"f4v ", b"XAVC",
    }
)  # fmt: skip
_QUICKTIME_BRANDS = frozenset({b"qt  "})
# A video holds its index (moov) or its samples (mdat) at the top level.
_MEDIA_BOXES = frozenset({b"moov", b"mdat"})
_BOX_HEADER = 8


def _sniff_iso_media(upload: UploadedFile) -> tuple[str, str] | None:
    """MP4 or QuickTime: a known brand in the ftyp box, then a walk over every top-level box
    (sizes that add up to the file, four-character printable types), with a moov or mdat
    among them. Anything with "ftyp" at offset 4 is not enough."""
    size = upload.size or 0
    upload.seek(0)
    header = upload.read(_BOX_HEADER)
    ftyp_size = int.from_bytes(header[:4], "big")
    if ftyp_size < 16 or ftyp_size > min(size, 4096) or (ftyp_size - 16) % 4:
        return None
    ftyp = upload.read(ftyp_size - _BOX_HEADER)
    brands = {ftyp[:4]} | {ftyp[i : i + 4] for i in range(8, len(ftyp), 4)}
    if ftyp[:4] in _QUICKTIME_BRANDS:
        found = (".mov", "video/quicktime")
    elif brands & _MP4_BRANDS:
        found = (".mp4", "video/mp4")
    else:
        return None
    offset, seen = ftyp_size, set()
    while offset < size:
        upload.seek(offset)
        header = upload.read(_BOX_HEADER)
        if len(header) < _BOX_HEADER:
            return None
        box_size, kind = int.from_bytes(header[:4], "big"), header[4:]
        if not all(0x20 <= c <= 0x7E for c in kind):
            return None
        if box_size == 1:  # a 64-bit size follows the type
            large = upload.read(8)
            if len(large) < 8:
                return None
            box_size = int.from_bytes(large, "big")
            if box_size < _BOX_HEADER + 8:
                return None
        elif box_size == 0:  # the last box, to the end of the file
            box_size = size - offset
        elif box_size < _BOX_HEADER:
            return None
        if offset + box_size > size:
            return None
        seen.add(kind)
        offset += box_size
    return found if seen & _MEDIA_BOXES else None


def _sniff(head: bytes, upload: UploadedFile, name: str) -> tuple[str, str] | None:
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png", "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif", "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    if head.startswith(b"%PDF-"):
        return ".pdf", "application/pdf"
    if head[4:8] == b"ftyp":
        return _sniff_iso_media(upload)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        ext = PurePath(name).suffix.lower()
        return ext if ext in _OLE_EXT else ".doc", _OLE_EXT.get(ext, "application/msword")
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return None  # macro-enabled documents are refused
        for prefix, found in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return found
    return None


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Validate an uploaded evidence file; raise InvalidInput with a Chinese message if not fit."""
    name = upload.name or "file"
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        shown = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        raise InvalidInput(f"文件“{name}”超过大小限制（{shown}）", field="files")
    if not upload.size:
        raise InvalidInput(f"文件“{name}”是空文件", field="files")
    upload.seek(0)
    head = upload.read(64)
    found = _sniff(head, upload, name)
    if found is None:
        raise InvalidInput(
            f"文件“{name}”的类型不被接受：只能上传图片（JPG/PNG/GIF/WebP）、PDF、Office 文档或 MP4 视频",
            field="files",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    extension, content_type = found
    return CheckedFile(content_type, extension, upload.size, digest.hexdigest())


# ---------------------------------------------------------------------------------------------
# Photos: EXIF time and position, and server-side compression

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _DATETIME_DIGITIZED, _OFFSET_ORIGINAL, _DATETIME = (
    0x9003,
    0x9004,
    0x9011,
    0x0132,
)
_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG = 1, 2, 3, 4


@dataclass(frozen=True)
class PhotoMetadata:
    """What a photo says about itself: when (DateTimeOriginal) and where (GPS) it was taken."""

    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def photo_metadata(upload: UploadedFile, info: CheckedFile) -> PhotoMetadata:
    """The EXIF time and GPS position of a JPEG/PNG/WebP photo (empty for other files, and
    for photos without them or with unreadable ones: a camera's odd EXIF never refuses an
    upload)."""
    if info.content_type not in PHOTO_TYPES:
        return PhotoMetadata()
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if info.content_type == "image/png":
                image.load()  # a PNG's eXIf chunk may follow the image data
            exif = image.getexif()
            details = exif.get_ifd(_EXIF_IFD)
            gps = exif.get_ifd(_GPS_IFD)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return PhotoMetadata()
    finally:
        upload.seek(0)
    stamp = (
        details.get(_DATETIME_ORIGINAL) or details.get(_DATETIME_DIGITIZED) or exif.get(_DATETIME)
    )
    latitude = _gps_degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), 90)
    longitude = _gps_degrees(gps.get(_GPS_LNG), gps.get(_GPS_LNG_REF), 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    return PhotoMetadata(_exif_datetime(stamp, details.get(_OFFSET_ORIGINAL)), latitude, longitude)


def _exif_datetime(stamp, offset) -> datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" is the camera's local time: with OffsetTimeOriginal when
    the camera wrote it, else read in the site's time zone (where the photo was taken)."""
    if not isinstance(stamp, str):
        return None
    try:
        naive = datetime.strptime(stamp.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00" and other placeholders
    if isinstance(offset, str):
        try:
            return datetime.strptime(
                f"{naive:%Y-%m-%d %H:%M:%S}{offset.strip()}", "%Y-%m-%d %H:%M:%S%z"
            )
        except ValueError:
            pass
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _gps_degrees(value, ref, limit: int) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if isinstance(ref, str) and ref.strip().upper() in ("S", "W"):
        result = -result
    if not math.isfinite(result) or abs(result) > limit or (degrees == minutes == seconds == 0):
        return None
    return Decimal(f"{result:.6f}")


@dataclass(frozen=True)
class CompressedPhoto:
    content: ContentFile
    info: CheckedFile


def compress_photo(upload: UploadedFile, info: CheckedFile) -> CompressedPhoto | None:
    """A large photo re-encoded as JPEG (long side at most PHOTO_MAX_SIDE, quality
    PHOTO_JPEG_QUALITY), turned upright by its EXIF orientation, its other EXIF (time, GPS,
    camera) kept; None when the photo is small enough or cannot be read. The stored size and
    hash are those of what is kept (the original is not stored)."""
    if info.content_type not in PHOTO_TYPES:
        return None
    max_side = settings.PHOTO_MAX_SIDE
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if info.size <= settings.PHOTO_COMPRESS_BYTES and max(image.size) <= max_side:
                return None
            upright = ImageOps.exif_transpose(image)  # drops the orientation tag it applied
            exif = upright.getexif()
            exif.get_ifd(_EXIF_IFD)  # loaded, so that tobytes() writes them back
            exif.get_ifd(_GPS_IFD)
            if upright.mode in ("RGBA", "LA") or "transparency" in upright.info:
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            elif upright.mode != "RGB":
                upright = upright.convert("RGB")
            resized = max(upright.size) > max_side
            if resized:
                upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            upright.save(
                buffer,
                format="JPEG",
                quality=settings.PHOTO_JPEG_QUALITY,
                optimize=True,
                exif=exif.tobytes(),
            )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    data = buffer.getvalue()
    if not resized and len(data) >= info.size:
        return None  # re-encoding would not make it smaller
    checked = CheckedFile("image/jpeg", ".jpg", len(data), hashlib.sha256(data).hexdigest())
    return CompressedPhoto(ContentFile(data), checked)


# Equivalent spellings of a detected extension: a name already ending in one is kept as is.
_SAME_EXTENSION = {".jpg": {".jpg", ".jpeg", ".jpe"}}


def download_name(original_name: str, extension: str) -> str:
    """The name a stored file is handed out under: the uploaded name with the extension of the
    type detected at upload (poly.html accepted as a PNG → poly.png)."""
    path = PurePath(original_name or "file")
    if not extension:
        return path.name
    if path.suffix.lower() in _SAME_EXTENSION.get(extension, {extension}):
        return path.name
    stem = path.stem if path.suffix else path.name
    return f"{stem}{extension}"
