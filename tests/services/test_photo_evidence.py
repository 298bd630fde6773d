"""Photo evidence: the EXIF time and GPS position are kept, photos that look out of place are
flagged, and large photos are compressed on the server with their EXIF (docs: README 手机填报)."""

import hashlib
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from accounts import clock
from rectification import services
from rectification.models import Attachment, Task
from rectification.services import EvidenceFile
from tests.photos import DATETIME_ORIGINAL, EXIF_IFD, GPS_IFD, ORIENTATION, photo

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 清溪河东城区段1#排口, and a point about 15 km north of it
SITE = (30.26, 120.17)
FAR = (30.40, 120.17)


@pytest.fixture
def located_task(world):
    Task.objects.filter(pk=world.task.pk).update(
        lat=Decimal("30.260000"), lng=Decimal("120.170000")
    )
    world.task.refresh_from_db()
    return world.task


def add(world, *uploads, kind="AFTER"):
    task = Task.objects.get(pk=world.task.pk)
    return services.task_add_evidence(
        task=task,
        actor=world.reporter,
        files=[EvidenceFile(u, kind) for u in uploads],
        expected_version=task.version,
    )


def stored(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def test_exif_time_and_gps_are_kept_on_the_attachment(world, located_task):
    # given a phone photo taken yesterday at the task's site
    upload = photo(taken="2020:02:14 10:30:00", lat=SITE[0], lng=SITE[1])
    # when it is uploaded
    (attachment,) = add(world, upload)
    # then its time (camera local time, read in the site's zone) and position are stored
    attachment.refresh_from_db()
    assert attachment.photo_taken_at == datetime(2020, 2, 14, 10, 30, tzinfo=SHANGHAI)
    assert attachment.taken_at.isoformat() == "2020-02-14"
    assert attachment.latitude == Decimal("30.260000")
    assert attachment.longitude == Decimal("120.170000")
    # and nothing about it is odd
    assert attachment.photo_flags == ""


def test_png_exif_is_read_too(world, located_task):
    (attachment,) = add(world, photo("shot.png", fmt="PNG", lat=SITE[0], lng=SITE[1]))
    assert attachment.photo_taken_at == datetime(2020, 2, 14, 10, 30, tzinfo=SHANGHAI)
    assert attachment.latitude == Decimal("30.260000")


def test_southern_and_western_positions_are_negative(world):
    (attachment,) = add(world, photo(lat=-33.8568, lng=-70.6693))
    assert attachment.latitude == Decimal("-33.856800")
    assert attachment.longitude == Decimal("-70.669300")


def test_a_photo_without_exif_or_a_document_has_no_metadata(world, pdf_file):
    saved = add(world, photo(taken=None), pdf_file())
    for attachment in saved:
        assert attachment.photo_taken_at is None and attachment.latitude is None
        assert attachment.photo_flags == ""


def test_a_photo_far_from_the_task_is_flagged(world, located_task):
    (attachment,) = add(world, photo(lat=FAR[0], lng=FAR[1]))
    assert "拍摄位置距任务点位约 15.6 公里" in attachment.photo_flags


def test_a_far_photo_is_not_flagged_when_the_task_has_no_coordinates(world):
    (attachment,) = add(world, photo(lat=FAR[0], lng=FAR[1]))
    assert attachment.latitude is not None
    assert attachment.photo_flags == ""


def test_a_photo_older_than_the_limit_is_flagged(world, located_task, settings):
    settings.PHOTO_MAX_AGE_DAYS = 30
    (attachment,) = add(world, photo(taken="2019:12:01 09:00:00", lat=SITE[0], lng=SITE[1]))
    assert attachment.photo_flags.startswith("拍摄于 2019-12-01，早于上传 7")
    assert "（超过 30 天）" in attachment.photo_flags


def test_an_old_before_photo_is_expected(world, located_task):
    # 整改前 photos show the state before the work: old by nature
    (attachment,) = add(world, photo(taken="2019:06:01 09:00:00"), kind="BEFORE")
    assert attachment.photo_flags == ""


def test_a_photo_taken_before_the_previous_report_is_flagged(world, located_task):
    # given a progress report sent on 2020-02-15
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="管网铺设过半", progress_pct=50
    )
    # when a photo taken on 2020-02-10 (within the age limit) is added afterwards
    (attachment,) = add(world, photo(taken="2020:02:10 09:00:00"))
    # then it is flagged as older than the last report
    assert attachment.photo_flags == "拍摄于 2020-02-10，早于上次报送（2020-02-15）"


def test_the_report_being_sent_is_not_its_own_previous_report(world, located_task):
    report = services.task_report_progress(
        task=world.task,
        actor=world.reporter,
        progress_text="管网铺设过半",
        progress_pct=50,
        files=[EvidenceFile(photo(taken="2020:02:10 09:00:00"), "DURING")],
    )
    assert report.attachments.get().photo_flags == ""


def test_a_photo_from_the_future_is_flagged(world, located_task):
    (attachment,) = add(world, photo(taken="2020:03:20 09:00:00"))
    assert "晚于上传时间" in attachment.photo_flags


def test_a_small_photo_is_stored_as_it_came(world):
    upload = photo(taken="2020:02:14 10:30:00")
    original = upload.read()
    upload.seek(0)
    (attachment,) = add(world, upload)
    assert stored(attachment) == original
    assert attachment.sha256 == hashlib.sha256(original).hexdigest()
    assert attachment.size == len(original)


def test_a_large_photo_is_compressed_upright_with_its_exif(world, located_task):
    # given a 4000×3000 photo taken in portrait (EXIF orientation 6: rotate 90° to view)
    upload = photo(
        taken="2020:02:14 10:30:00", lat=SITE[0], lng=SITE[1], size=(4000, 3000), orientation=6
    )
    # when it is uploaded
    (attachment,) = add(world, upload)
    # then what is stored is a JPEG whose long side is 2560, turned upright
    data = stored(attachment)
    image = Image.open(BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (1920, 2560)
    exif = image.getexif()
    assert ORIENTATION not in exif  # applied, so no viewer turns it again
    # its EXIF time and position are still in the file
    assert exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] == "2020:02:14 10:30:00"
    assert exif.get_ifd(GPS_IFD)[1] == "N"
    # the hash and size are those of the stored file (evidence integrity checks hold)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)
    # stored under its own hash (a copy already stored gets a suffix from the storage)
    assert attachment.file.name.startswith(f"evidence/{attachment.sha256[:2]}/{attachment.sha256}")
    assert attachment.file.name.endswith(".jpg")
    # and the metadata was read from the original
    assert attachment.photo_taken_at == datetime(2020, 2, 14, 10, 30, tzinfo=SHANGHAI)
    assert attachment.latitude == Decimal("30.260000")


def test_a_heavy_png_photo_becomes_a_smaller_jpeg(world, settings):
    # given a photo saved as PNG, heavier than the threshold
    settings.PHOTO_COMPRESS_BYTES = 50_000
    upload = photo("scene.png", fmt="PNG", size=(400, 300), noise=True)
    assert upload.size > 50_000
    # when it is uploaded
    (attachment,) = add(world, upload)
    # then it is stored as a smaller JPEG, its name saying so
    assert (attachment.content_type, attachment.extension) == ("image/jpeg", ".jpg")
    assert attachment.original_name == "scene.jpg"
    assert attachment.size < upload.size
    assert Image.open(BytesIO(stored(attachment))).size == (400, 300)
    assert attachment.photo_taken_at is not None


def test_a_damaged_jpeg_is_accepted_as_before_without_metadata(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PHOTO_COMPRESS_BYTES = 10
    data = b"\xff\xd8\xff\xe0" + b"not really a picture" * 10
    (attachment,) = add(world, SimpleUploadedFile("broken.jpg", data, content_type="image/jpeg"))
    assert stored(attachment) == data
    assert attachment.photo_taken_at is None and attachment.photo_flags == ""


def test_the_clock_decides_what_upload_time_means(world, located_task):
    # a photo taken 10 days before the business date is within the limit
    assert clock.today().isoformat() == "2020-02-15"
    (attachment,) = add(world, photo(taken="2020:02:05 09:00:00"))
    assert attachment.photo_flags == ""


def test_the_api_upload_reads_the_same_metadata(world, located_task):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(world.reporter)
    response = client.post(
        f"/api/v1/tasks/{world.task.pk}/evidence/",
        {"file": photo("api.jpg", lat=FAR[0], lng=FAR[1]), "kind": "AFTER"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["photo_taken_at"].startswith("2020-02-14T10:30:00")
    assert (body["latitude"], body["longitude"]) == ("30.400000", "120.170000")
    assert "拍摄位置距任务点位约 15.6 公里" in body["photo_flags"]
