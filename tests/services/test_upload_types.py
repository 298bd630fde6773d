"""Uploads are judged by content and served by the type found (issue 15: poly.html, ftyp)."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import InvalidInput
from rectification import services
from rectification.models import Attachment
from rectification.uploads import check_upload, download_name
from tests.conftest import _png_bytes

pytestmark = pytest.mark.django_db

POLYGLOT = _png_bytes() + b"<html><script>alert(document.cookie)</script></html>"


def _box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    return _box(b"ftyp", major + b"\x00\x00\x02\x00" + b"".join(compatible))


def _upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _disposition_name(response) -> str:
    return response["Content-Disposition"]


def _assert_served_as_png(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="poly.png"' in response["Content-Disposition"]
    assert ".html" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def polyglot_evidence(world):
    [attachment] = services.task_add_evidence(
        task=world.task,
        actor=world.reporter,
        files=[services.EvidenceFile(_upload(POLYGLOT, "poly.html"), "BEFORE")],
    )
    return attachment


def test_polyglot_is_accepted_as_the_image_it_is(polyglot_evidence):
    assert (polyglot_evidence.extension, polyglot_evidence.content_type) == (".png", "image/png")
    assert polyglot_evidence.original_name == "poly.html"


def test_evidence_page_download_is_named_by_the_detected_type(world, polyglot_evidence):
    client = Client()
    client.force_login(world.reporter)
    url = reverse("attachment_download", args=[polyglot_evidence.pk])
    _assert_served_as_png(client.get(url))
    # the gallery's thumbnail link too: never inline
    _assert_served_as_png(client.get(url, {"inline": "1"}))


def test_evidence_api_download_is_named_by_the_detected_type(world, polyglot_evidence):
    client = APIClient()
    client.force_login(world.reporter)
    _assert_served_as_png(client.get(f"/api/v1/attachments/{polyglot_evidence.pk}/download/"))


def test_petition_attachment_download_is_named_by_the_detected_type(world):
    from inspections.models import Petition

    petition = Petition.objects.create(
        round=world.round,
        batch_no=1,
        accept_no="SD2019-XF-009",
        channel="PHONE",
        region=world.dongcheng,
        content="油烟扰民",
        handling_unit=world.dc_gov,
        pollution_types=["AIR"],
    )
    [attachment] = services.petition_add_evidence(
        actor=world.office, petition=petition, files=[_upload(POLYGLOT, "poly.html")]
    )
    client = Client()
    client.force_login(world.office)
    _assert_served_as_png(client.get(reverse("petition_attachment", args=[attachment.pk])))


def test_archive_member_is_named_by_the_detected_type(world, polyglot_evidence):
    client = Client()
    client.force_login(world.office)
    response = client.get(reverse("problem_archive", args=[world.problem.pk]))
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    evidence = [n for n in bundle.namelist() if "poly" in n]
    assert evidence and all(n.endswith("poly.png") for n in evidence), bundle.namelist()


@pytest.mark.parametrize(
    ("original", "extension", "expected"),
    [
        ("poly.html", ".png", "poly.png"),
        ("照片.JPEG", ".jpg", "照片.JPEG"),
        ("scan.PDF", ".pdf", "scan.PDF"),
        ("noext", ".pdf", "noext.pdf"),
        ("a.b.svg", ".png", "a.b.png"),
        ("report.docx", ".docx", "report.docx"),
    ],
)
def test_download_name(original, extension, expected):
    assert download_name(original, extension) == expected


# ---------------------------------------------------------------------------------------------
# MP4: the brand and the top-level boxes, not only "ftyp" at offset 4

MDAT = _box(b"mdat", b"\x00" * 64)
MOOV = _box(b"moov", _box(b"mvhd", b"\x00" * 100))


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (_ftyp(b"isom", b"isom", b"iso2", b"mp41") + MOOV + MDAT, "video/mp4"),
        (_ftyp(b"mp42", b"mp42", b"isom") + _box(b"free") + MDAT + MOOV, "video/mp4"),
        (_ftyp(b"qt  ", b"qt  ") + _box(b"wide") + MDAT + MOOV, "video/quicktime"),
        # an mdat whose size 0 means "to the end of the file" (a recording cut short)
        (_ftyp(b"mp42") + MOOV + b"\x00\x00\x00\x00mdat" + b"\x00" * 32, "video/mp4"),
        # a 64-bit box size
        (
            _ftyp(b"isom") + MOOV + struct.pack(">I4sQ", 1, b"mdat", 16 + 8) + b"\x00" * 8,
            "video/mp4",
        ),
    ],
)
def test_real_mp4_and_quicktime_pass(content, content_type):
    assert check_upload(_upload(content, "clip.mp4")).content_type == content_type


@pytest.mark.parametrize(
    "content",
    [
        # ftyp at offset 4 and nothing else of a video: the old check let these through
        b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom<html><script>alert(1)</script></html>",
        _ftyp(b"isom") + b"<html><body>not a video</body></html>",
        # an unknown brand (an image format built on the same box structure)
        _ftyp(b"heic", b"mif1", b"heic") + MOOV + MDAT,
        _ftyp(b"XXXX") + MOOV + MDAT,
        # boxes, but neither moov nor mdat
        _ftyp(b"isom") + _box(b"free", b"\x00" * 16),
        # a box that claims more bytes than the file has
        _ftyp(b"isom") + MOOV + struct.pack(">I", 4096) + b"mdat" + b"\x00" * 16,
        # a box size below its own header
        _ftyp(b"isom") + struct.pack(">I", 3) + b"moov" + b"\x00" * 16,
        # a type that is not four printable characters
        _ftyp(b"isom") + MOOV + _box(b"\x00\x01<>", b"\x00" * 8),
        # an ftyp box too small to hold a brand
        struct.pack(">I", 8) + b"ftyp" + MOOV + MDAT,
    ],
)
def test_fake_mp4_is_refused(content):
    with pytest.raises(InvalidInput, match="类型不被接受"):
        check_upload(_upload(content, "clip.mp4"))


def test_refused_fake_mp4_saves_nothing(world):
    fake = b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom<html></html>"
    with pytest.raises(InvalidInput):
        services.task_add_evidence(
            task=world.task,
            actor=world.reporter,
            files=[services.EvidenceFile(_upload(fake, "clip.mp4"), "BEFORE")],
        )
    assert not Attachment.objects.filter(task=world.task).exists()
