"""Files chosen on a form that came back with an error are kept, not silently dropped.

A browser cannot re-fill a file input, so a form re-rendered after a validation error (or a
service's refusal) used to lose the photos a reporter had taken. Each acceptable file is put
aside under var/media/pending/ and the form carries a signed token for it (tied to the user,
valid for PENDING_UPLOAD_MAX_AGE); sending the form again with the token attaches the kept
file as if it had been chosen again. Unticking it drops it. The service still checks every
file (check_upload) when it is finally saved.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath
from uuid import uuid4

from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from accounts.errors import InvalidInput
from rectification.uploads import check_upload

SALT = "rectification.pending-upload"
# A form is sent again within minutes; a day covers a reporter interrupted in the field.
PENDING_UPLOAD_MAX_AGE = 24 * 3600
STALE_MESSAGE = "已保留的文件无效或已过期，请重新选择文件"


@dataclass(frozen=True)
class KeptFile:
    """A file put aside for a form: the form field it was chosen in, its name, its token."""

    field: str
    name: str
    size: int
    token: str
    path: str


def keep(user, field: str, upload: UploadedFile) -> KeptFile | None:
    """Put an acceptable upload aside for `user`; None for a file the service would refuse
    anyway (its error is on the form, and keeping it would only fail again)."""
    try:
        info = check_upload(upload)
    except InvalidInput:
        return None
    _sweep(user)
    name = PurePath(upload.name or "file").name[:255]
    upload.seek(0)
    path = default_storage.save(f"pending/{user.pk}/{uuid4().hex}{info.extension}", upload)
    upload.seek(0)
    token = signing.dumps({"u": user.pk, "p": path, "f": field, "n": name}, salt=SALT)
    return KeptFile(field, name, info.size, token, path)


def reopen(user, tokens: list[str]) -> list[KeptFile]:
    """The kept files the form sent back; InvalidInput if a token is forged, someone else's,
    expired, or its file is gone."""
    found = []
    for token in dict.fromkeys(tokens):  # a token sent twice is one file
        try:
            data = signing.loads(token, salt=SALT, max_age=PENDING_UPLOAD_MAX_AGE)
        except signing.BadSignature as exc:
            raise InvalidInput(STALE_MESSAGE, field="files") from exc
        if data.get("u") != user.pk or not default_storage.exists(data["p"]):
            raise InvalidInput(STALE_MESSAGE, field="files")
        size = default_storage.size(data["p"])
        found.append(KeptFile(data["f"], data["n"], size, token, data["p"]))
    return found


def open_file(kept: KeptFile) -> File:
    """The kept file, named as the user chose it (what the attachment's original_name shows)."""
    return File(default_storage.open(kept.path, "rb"), name=kept.name)


def discard(kept: list[KeptFile]) -> None:
    for item in kept:
        default_storage.delete(item.path)


def _sweep(user) -> None:
    """Drop the user's kept files whose tokens have expired (forms never sent again): each
    user's folder is tidied when they next keep a file, so no job is needed."""
    folder = f"pending/{user.pk}"
    try:
        _dirs, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    # Real time, not accounts.clock: file times and the tokens' signatures are real time.
    cutoff = timezone.now() - timedelta(seconds=PENDING_UPLOAD_MAX_AGE)
    for name in names:
        path = f"{folder}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
