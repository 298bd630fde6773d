"""Evidence upload checks: by content, not by name.

Accepted: JPEG, PNG, GIF, WebP images; PDF; Office documents (OOXML docx/xlsx/pptx and the
old OLE doc/xls/ppt); MP4 video. Everything else (HTML, SVG, scripts, executables, archives
that are not Office documents) is refused with a message in Chinese.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

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
        return ".mp4", "video/mp4"
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
