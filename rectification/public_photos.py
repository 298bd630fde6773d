"""整改前/整改后 photos on the public notice page (/public/): which evidence may be public, and
the copies the public is served.

An attachment is public only when all of these hold:
- its kind is 整改前 (BEFORE) or 整改后 (AFTER): the two kinds the reporter files as photos of
  the site; monitoring reports, acceptance opinions, minutes, documents, penalty decisions,
  videos and "other" files are internal and never public;
- it is an image (JPEG, PNG, GIF or WebP, sniffed by content at upload, rectification.uploads);
- its task is shown on the public page today: its close-out is in its notice period or was
  closed recently (rectification.dashboard.public_closeouts).

The public never gets the uploaded bytes: each photo is re-encoded as a JPEG (no EXIF, so no
camera GPS, device or time metadata) at two sizes, a thumbnail and a view copy, made on first
request and kept next to the evidence under public/ in the media storage.
"""

from io import BytesIO

from django.core.files.base import ContentFile
from django.db.models import Prefetch, QuerySet

from accounts import clock
from rectification.choices import AttachmentKind
from rectification.models import Attachment

PUBLIC_PHOTO_KINDS = (AttachmentKind.BEFORE, AttachmentKind.AFTER)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
# Photos of each kind shown per task on the page (the newest first).
PHOTOS_PER_KIND = 3
SIZES = {"thumb": 360, "view": 1280}


def public_photo_candidates() -> QuerySet[Attachment]:
    """Attachments of a public kind and type, whatever their task (the task's part is
    checked by the caller against the public close-outs)."""
    return Attachment.objects.filter(kind__in=PUBLIC_PHOTO_KINDS, content_type__in=IMAGE_TYPES)


def photos_prefetch() -> Prefetch:
    """The public photos of each listed task, as `task.public_photos`: one query for the page."""
    return Prefetch(
        "task__attachments",
        queryset=public_photo_candidates()
        .only("id", "task_id", "kind", "taken_at", "uploaded_at")
        .order_by("-uploaded_at", "-id"),
        to_attr="public_photos",
    )


def split_photos(photos: list[Attachment]) -> tuple[list[Attachment], list[Attachment]]:
    """(整改前, 整改后), at most PHOTOS_PER_KIND of each."""
    before = [p for p in photos if p.kind == AttachmentKind.BEFORE][:PHOTOS_PER_KIND]
    after = [p for p in photos if p.kind == AttachmentKind.AFTER][:PHOTOS_PER_KIND]
    return before, after


def public_photo(pk: int, *, today=None) -> Attachment | None:
    """The attachment `pk` if the public may see it today (see the module docstring)."""
    from rectification.dashboard import public_closeouts

    shown = public_closeouts(today=today or clock.today()).values("task_id")
    return (
        public_photo_candidates()
        .filter(pk=pk, task_id__in=shown)
        .only("id", "file", "sha256", "content_type")
        .first()
    )


def public_copy(attachment: Attachment, size: str) -> bytes:
    """The re-encoded JPEG of `attachment` at `size` (thumb or view), made once and kept."""
    from PIL import Image, ImageOps

    storage = attachment.file.storage
    name = f"public/{attachment.sha256[:2]}/{attachment.sha256}-{SIZES[size]}.jpg"
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read()
    with attachment.file.open("rb") as handle, Image.open(handle) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((SIZES[size], SIZES[size]))
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = BytesIO()
        image.save(buffer, format="JPEG", quality=82, optimize=True)
    data = buffer.getvalue()
    if not storage.exists(name):
        storage.save(name, ContentFile(data))
    return data
