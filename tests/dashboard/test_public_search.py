"""/public/ as the public uses it: search by 编号/名称/地址, a region filter, pages that keep
them, each item's location, and the 整改前/整改后 photos — only those, only of items shown."""

import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from PIL import Image

from rectification import services
from rectification.models import Attachment
from rectification.services import EvidenceFile
from tests.dashboard.conftest import NOTICE_LATER, NOTICE_OVER, NOTICE_RUNNING
from tests.factories import TaskFactory

PUBLIC = "/public/"


@pytest.fixture
def listed(world, closer):
    """Three tasks on the public page: two in 东城区 (one in notice, one closed), one in
    西城区 (in notice); and one 东城区 task whose notice has not begun (not shown)."""

    def task(code, name, region, address, lat=None, lng=None):
        return TaskFactory(
            problem=world.problem,
            code=code,
            name=name,
            region=region,
            lead=world.dc_gov,
            address=address,
            lat=lat,
            lng=lng,
        )

    running = task(
        "SD-4-21",
        "清溪河东城区段5#排口",
        world.dongcheng,
        "东城区滨河路12号桥下",
        Decimal("31.234567"),
        Decimal("121.456789"),
    )
    closed = task("SD-4-22", "东城区城南垃圾中转站", world.dongcheng, "东城区城南路88号")
    west = task("SD-4-23", "西城区幸福河排口", world.xicheng, "西城区幸福路3号")
    later = task("SD-4-24", "东城区北湖排口", world.dongcheng, "东城区北湖路")
    closer.publicize(running, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])
    closer.close(closer.publicize(closed, notice_start=NOTICE_OVER[0], notice_end=NOTICE_OVER[1]))
    closer.publicize(west, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])
    closer.publicize(later, notice_start=NOTICE_LATER[0], notice_end=NOTICE_LATER[1])
    return running, closed, west, later


def _entries(response) -> int:
    return response.content.decode().count('data-testid="public-entry"')


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("SD-4-22", ["东城区城南垃圾中转站"]),  # 编号
        ("幸福河", ["西城区幸福河排口"]),  # 名称
        ("滨河路12号", ["清溪河东城区段5#排口"]),  # 地址
        ("东城区 排口", ["清溪河东城区段5#排口"]),  # every word must match
        ("北湖", []),  # not public yet: never found
    ],
)
def test_search_by_code_name_or_address(client, listed, q, expected):
    response = client.get(PUBLIC, {"q": q})
    assert response.status_code == 200
    body = response.content.decode()
    assert _entries(response) == len(expected)
    for name in expected:
        assert name in body
    assert f'value="{q}"' in body  # the box keeps what was searched
    if not expected:
        assert "没有符合条件的公示任务" in body


def test_region_filter(client, world, listed):
    # the filter offers the regions of what is shown
    body = client.get(PUBLIC).content.decode()
    assert f'<option value="{world.dongcheng.pk}">东城区</option>' in body
    assert f'<option value="{world.xicheng.pk}">西城区</option>' in body
    # 西城区 only
    response = client.get(PUBLIC, {"region": world.xicheng.pk})
    assert _entries(response) == 1
    assert "西城区幸福河排口" in response.content.decode()
    assert f'<option value="{world.xicheng.pk}" selected>' in response.content.decode()
    # 东城区 and a search together
    response = client.get(PUBLIC, {"region": world.dongcheng.pk, "q": "垃圾"})
    assert _entries(response) == 1
    # a region with nothing public, or nonsense, is ignored rather than an error
    for value in (str(world.province.pk), "abc", "-1"):
        response = client.get(PUBLIC, {"region": value})
        assert response.status_code == 200
        assert _entries(response) == 3


def test_pages_keep_the_search_and_filter(client, world, listed, monkeypatch):
    monkeypatch.setattr("rectification.views.dashboard.PUBLIC_PAGE_SIZE", 1)
    first = client.get(PUBLIC, {"q": "东城区", "region": world.dongcheng.pk})
    body = first.content.decode()
    assert _entries(first) == 1
    assert "第 1 / 2 页，共 2 条" in body
    next_link = f"?q=%E4%B8%9C%E5%9F%8E%E5%8C%BA&amp;region={world.dongcheng.pk}&amp;page=2"
    assert next_link in body
    second = client.get(PUBLIC + next_link.replace("&amp;", "&"))
    assert _entries(second) == 1
    assert "第 2 / 2 页" in second.content.decode()


def test_each_item_shows_its_location(client, listed):
    body = client.get(PUBLIC, {"q": "SD-4-21"}).content.decode()
    assert "东城区 · 东城区滨河路12号桥下" in body
    assert "北纬 31.234567°，东经 121.456789°" in body
    body = client.get(PUBLIC, {"q": "SD-4-22"}).content.decode()
    assert "东城区 · 东城区城南路88号" in body
    assert "北纬" not in body  # no coordinates on record: none shown


def _photo_ids(body: str) -> set[int]:
    import re

    return {int(pk) for pk in re.findall(r'/public/photos/(\d+)/thumb\.jpg"', body)}


def test_before_and_after_photos_are_shown_and_served_without_metadata(client, listed):
    closed = listed[1]
    body = client.get(PUBLIC, {"q": "SD-4-22"}).content.decode()
    assert "整改前" in body and "整改后" in body
    photos = Attachment.objects.filter(task=closed, kind__in=["BEFORE", "AFTER"])
    assert _photo_ids(body) == {a.pk for a in photos}
    # the internal file name and storage path never appear
    assert "before.png" not in body and "evidence/" not in body
    for size in ("thumb", "view"):
        response = client.get(reverse("public_photo", args=[photos[0].pk, size]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        image = Image.open(BytesIO(response.content))
        assert image.format == "JPEG"
        assert not image.getexif()
    # made once, then read back
    again = client.get(reverse("public_photo", args=[photos[0].pk, "thumb"]))
    assert (
        again.content == client.get(reverse("public_photo", args=[photos[0].pk, "thumb"])).content
    )


def test_photo_of_a_task_not_shown_is_404(client, world, listed, png_file):
    _, closed, _, later = listed
    # a 整改前 photo of a task whose notice has not begun
    hidden = Attachment.objects.filter(task=later, kind="BEFORE").first()
    # a task still being worked on, with a 整改前 photo
    services.task_add_evidence(
        task=world.task, actor=world.reporter, files=[EvidenceFile(png_file("site.png"), "BEFORE")]
    )
    working = Attachment.objects.get(task=world.task, kind="BEFORE")
    for attachment in (hidden, working):
        response = client.get(reverse("public_photo", args=[attachment.pk, "thumb"]))
        assert response.status_code == 404
    assert client.get(reverse("public_photo", args=[999999, "thumb"])).status_code == 404
    # an unknown size
    shown = Attachment.objects.filter(task=closed, kind="AFTER").first()
    assert client.get(f"/public/photos/{shown.pk}/original.jpg").status_code == 404


def test_internal_documents_of_a_public_task_are_never_served(
    client, world, listed, png_file, pdf_file
):
    # given a task in notice with a 监测报告 (PDF) and a photo filed as 会议纪要
    running = listed[0]
    files = [
        EvidenceFile(pdf_file("monitoring.pdf"), "MONITORING"),
        EvidenceFile(png_file("minutes.png"), "MINUTES"),
    ]
    services.task_add_evidence(task=running, actor=world.reporter, files=files)
    # then neither is linked nor served
    internal = Attachment.objects.filter(task=running, kind__in=["MONITORING", "MINUTES"])
    assert internal.count() == 2
    body = client.get(PUBLIC, {"q": "SD-4-21"}).content.decode()
    for attachment in internal:
        assert attachment.pk not in _photo_ids(body)
        response = client.get(reverse("public_photo", args=[attachment.pk, "view"]))
        assert response.status_code == 404


def test_public_page_is_rate_limited_per_address(client, listed, settings):
    # given a limit of two reads a minute (an address of this test's own: the count is shared)
    settings.PUBLIC_READS_PER_SOURCE_MINUTE = 2
    address = f"test-{uuid.uuid4()}"
    photo = Attachment.objects.filter(task=listed[1], kind="AFTER").first()
    assert client.get(PUBLIC, REMOTE_ADDR=address).status_code == 200
    assert client.get(PUBLIC, {"q": "排口"}, REMOTE_ADDR=address).status_code == 200
    # then the third read, a page or a photo, is refused with a message in Chinese
    response = client.get(PUBLIC, REMOTE_ADDR=address)
    assert response.status_code == 429
    assert "访问过于频繁" in response.content.decode()
    assert response["Retry-After"] == "60"
    photo_url = reverse("public_photo", args=[photo.pk, "thumb"])
    assert client.get(photo_url, REMOTE_ADDR=address).status_code == 429
    # and another address is not held back
    assert client.get(PUBLIC, REMOTE_ADDR=f"test-{uuid.uuid4()}").status_code == 200


# count, rows (task, problem, round, region, notice joined), units, photos, the filter's regions
PUBLIC_SEARCH_QUERIES = 5


def test_query_count_with_photos_search_and_filter(
    client, world, listed, closer, django_assert_num_queries
):
    with django_assert_num_queries(PUBLIC_SEARCH_QUERIES):
        response = client.get(PUBLIC, {"q": "排口", "region": world.dongcheng.pk})
    assert _entries(response) == 1
    # five more items with photos: the page costs the same
    for i in range(5):
        task = TaskFactory(
            problem=world.problem,
            code=f"Q-{i}",
            name=f"东城区排口{i}",
            region=world.dongcheng,
            lead=world.dc_gov,
        )
        closer.publicize(task, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])
    with django_assert_num_queries(PUBLIC_SEARCH_QUERIES):
        response = client.get(PUBLIC, {"q": "排口", "region": world.dongcheng.pk})
    assert _entries(response) == 6
    assert response.content.decode().count('data-testid="public-photo"') == 12
