"""一案一档: the archive bundle of a problem (in the request) and of a round (a job with
progress), who may take which, and what a bundle holds (issue 13 item 3)."""

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import default_storage

from accounts import clock
from accounts.choices import Role, UnitKind
from exchange import archive, archive_jobs
from exchange.choices import ArchiveStatus
from exchange.models import ArchiveJob
from rectification import services
from rectification.models import Attachment
from rectification.services import EvidenceFile
from tests.factories import UnitFactory, UserFactory

INDEX_FILES = {archive.INDEX_XLSX, archive.INDEX_PDF, archive.INDEX_HTML}


# The printable index as HTML here (tests/web/conftest.py); the demo's test checks the PDF.
pytestmark = pytest.mark.usefixtures("html_index")


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """Evidence and archives of each test in a folder of its own, gone after it."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _index(bundle: zipfile.ZipFile) -> tuple[str, list[dict]]:
    """The bundle's root folder and its xlsx index, as dicts keyed by header."""
    (root,) = {name.split("/")[0] for name in bundle.namelist()}
    sheet = openpyxl.load_workbook(
        io.BytesIO(bundle.read(f"{root}/{archive.INDEX_XLSX}")), read_only=True
    )["档案索引"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == archive.INDEX_HEADERS
    return root, [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]


def _assert_index_matches(bundle: zipfile.ZipFile) -> tuple[str, list[dict]]:
    """Every file the index lists is in the zip with the listed SHA-256, and every file in
    the zip but the index itself is listed."""
    root, rows = _index(bundle)
    listed = {row["档案内文件"] for row in rows if row["档案内文件"]}
    members = {name.removeprefix(f"{root}/") for name in bundle.namelist()}
    assert members - listed <= INDEX_FILES and members - listed >= {archive.INDEX_XLSX}
    assert listed <= members
    for row in rows:
        if row["档案内文件"]:
            content = bundle.read(f"{root}/{row['档案内文件']}")
            assert hashlib.sha256(content).hexdigest() == row["SHA-256"], row
            assert len(content) == row["大小（字节）"]
    return root, rows


# ---------------------------------------------------------------------------------------------
# Evidence checked against the hash stored at upload


@pytest.fixture
def tampered(world, png_file):
    """Two fresh photos of world.task: one rewritten on disk, one deleted."""
    services.task_add_evidence(
        task=world.task,
        actor=world.reporter,
        files=[
            EvidenceFile(png_file("changed.png", (11, 22, 33)), "BEFORE"),
            EvidenceFile(png_file("lost.png", (44, 55, 66)), "BEFORE"),
        ],
    )
    changed = Attachment.objects.get(original_name="changed.png")
    lost = Attachment.objects.get(original_name="lost.png")
    with default_storage.open(changed.file.name, "wb") as handle:
        handle.write(b"not the uploaded bytes")
    default_storage.delete(lost.file.name)
    return changed, lost


def test_changed_and_missing_evidence_is_flagged_in_the_index(world, login, tampered):
    changed, lost = tampered
    bundle = _zip(login(world.office).get(f"/problems/{world.problem.pk}/archive.zip"))
    _, rows = _assert_index_matches(bundle)
    by_name = {row["原文件名"]: row for row in rows}
    assert by_name["changed.png"]["校验"] == f"不一致（登记值 {changed.sha256}）"
    assert (
        by_name["changed.png"]["SHA-256"] == hashlib.sha256(b"not the uploaded bytes").hexdigest()
    )
    assert by_name["lost.png"]["校验"] == archive.CHECK_MISSING
    assert by_name["lost.png"]["档案内文件"] is None
    assert by_name["lost.png"]["SHA-256"] == lost.sha256


# ---------------------------------------------------------------------------------------------
# Who may take a problem's bundle: whoever sees every task of it


def _persona(world, county_office, name: str):
    return {"anonymous": None, "county_office": county_office}.get(name, getattr(world, name, None))


@pytest.fixture
def county_office(world):
    unit = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng)
    return UserFactory(username="dc_office", role=Role.OFFICE, unit=unit)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", 200),
        ("leader", 200),
        ("admin", 200),
        ("coop_reporter", 200),  # 市住建局 cooperates on both of the problem's tasks
        ("reporter", 403),  # 东城区政府 sees one of the two
        ("county_office", 403),  # 东城区环督办: the 西城区 task is outside its region
        ("anonymous", 302),
    ],
)
def test_problem_bundle_is_for_whoever_sees_all_its_tasks(
    world, login, county_office, persona, expected
):
    user = _persona(world, county_office, persona)
    response = login(user).get(f"/problems/{world.problem.pk}/archive.zip")
    assert response.status_code == expected
    if expected == 403:
        assert "无权查看的点位" in response.content.decode()


def test_problem_bundle_outside_the_scope_is_a_404(world, login):
    far_office = UserFactory(
        username="far_office", role=Role.OFFICE, unit=UnitFactory(name="远方市环督办")
    )
    assert login(far_office).get(f"/problems/{world.problem.pk}/archive.zip").status_code == 404


def test_the_task_page_offers_the_bundle_only_to_who_may_take_it(world, login):
    page = f"/tasks/{world.task.pk}/"
    assert 'data-testid="problem-archive"' in login(world.coop_reporter).get(page).content.decode()
    assert 'data-testid="problem-archive"' not in login(world.reporter).get(page).content.decode()


# ---------------------------------------------------------------------------------------------
# A round's bundle: asked for on the round page, built by the archives job


def test_office_asks_for_a_round_bundle_and_the_job_builds_it(world, login, before_after):
    # given evidence on both tasks of the round
    for task, actor in ((world.task, world.reporter), (world.other_task, world.outsider)):
        services.task_add_evidence(task=task, actor=actor, files=before_after())
    office = login(world.office)
    panel = office.get(f"/rounds/{world.round.pk}/archives/")
    assert 'data-testid="round-archive-request"' in panel.content.decode()
    # when the office asks for the round's bundle
    response = office.post(f"/rounds/{world.round.pk}/archives/new/")
    job = ArchiveJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/archives/{job.pk}/"
    # then the page shows it queued, polling itself
    page = office.get(f"/archives/{job.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page
    # asking again while it waits gives the same job
    office.post(f"/rounds/{world.round.pk}/archives/new/")
    assert ArchiveJob.objects.count() == 1
    # when the archives job runs (its Celery task, called in this process)
    from exchange.tasks import build_archives

    assert build_archives() == {"built": 1, "failed": 0, "abandoned": 0}
    job.refresh_from_db()
    assert job.status == ArchiveStatus.DONE
    assert job.done_items == job.total_items == archive.round_item_count(world.round)
    assert job.file.name.startswith("archives/")
    # then the progress block (the htmx poll) shows it done, no longer polling
    block = office.get(f"/archives/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "100%" in block and "every 2s" not in block and "<nav" not in block
    assert f"/archives/{job.pk}/download/" in block
    # and the download is the bundle: the round's two tasks' evidence, hashes matching
    download = office.get(f"/archives/{job.pk}/download/")
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.sha256 and len(data) == job.size
    bundle = zipfile.ZipFile(io.BytesIO(data))
    root, rows = _assert_index_matches(bundle)
    assert root == archive.round_bundle_name(world.round)
    evidence = [row for row in rows if row["类别"] == archive.KIND_EVIDENCE]
    assert {row["任务编号"] for row in evidence} == {world.task.code, world.other_task.code}
    assert all(row["档案内文件"].startswith("问题4 ") for row in evidence)
    assert job.file_count == len(bundle.namelist())


def test_the_job_page_shows_the_progress_of_a_running_job(world, login):
    job = ArchiveJob.objects.create(
        round=world.round,
        requested_by=world.office,
        status=ArchiveStatus.RUNNING,
        done_items=3,
        total_items=10,
    )
    page = login(world.office).get(f"/archives/{job.pk}/").content.decode()
    assert "生成中" in page and "已处理 3 / 10 项" in page and "width: 30%" in page
    assert 'hx-trigger="every 2s"' in page
    assert login(world.office).get(f"/archives/{job.pk}/download/").status_code == 404


def test_progress_moves_through_every_step_of_the_round(world, before_after, tmp_path):
    services.task_add_evidence(task=world.task, actor=world.reporter, files=before_after())
    steps = []
    archive.write_round_bundle(
        world.round, user=world.office, out=str(tmp_path / "r.zip"), progress=steps.append
    )
    assert steps == list(range(1, archive.round_item_count(world.round) + 1))


def test_a_failed_build_is_reported_and_leaves_no_file(world, monkeypatch):
    job, created = archive_jobs.archive_job_request(round_=world.round, actor=world.office)
    assert created

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(archive_jobs, "write_round_bundle", broken)
    assert archive_jobs.run_pending().failed == 1
    job.refresh_from_db()
    assert job.status == ArchiveStatus.FAILED and "磁盘已满" in job.error
    assert not job.file
    assert not list(Path(default_storage.path("archives")).rglob(f"{job.pk}-*"))


def test_a_job_whose_worker_died_is_failed_by_the_next_sweep(world):
    job = ArchiveJob.objects.create(
        round=world.round,
        requested_by=world.office,
        status=ArchiveStatus.RUNNING,
        heartbeat_at=clock.now() - timedelta(hours=1),
    )
    assert archive_jobs.run_pending().abandoned == 1
    job.refresh_from_db()
    assert job.status == ArchiveStatus.FAILED and "重新生成" in job.error


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", 302),
        ("leader", 403),  # the office only
        ("reporter", 403),
        ("county_office", 403),  # its region holds one of the round's two tasks
        ("anonymous", 302),
    ],
)
def test_only_the_office_that_sees_the_whole_round_asks_for_its_bundle(
    world, login, county_office, persona, expected
):
    user = _persona(world, county_office, persona)
    response = login(user).post(f"/rounds/{world.round.pk}/archives/new/")
    assert response.status_code == expected
    assert ArchiveJob.objects.exists() == (persona == "office")
    if persona == "anonymous":
        assert "/login/" in response["Location"]


def test_a_round_bundle_is_downloaded_by_the_office_only(world, login, tmp_path):
    job, _ = archive_jobs.archive_job_request(round_=world.round, actor=world.office)
    archive_jobs.run_pending()
    url = f"/archives/{job.pk}/download/"
    assert login(world.office).get(url).status_code == 200
    assert login(world.leader).get(url).status_code == 403
    assert login(world.reporter).get(url).status_code == 403
    far_office = UserFactory(
        username="far_office", role=Role.OFFICE, unit=UnitFactory(name="远方市环督办")
    )
    assert login(far_office).get(url).status_code == 404
    assert login(far_office).get(f"/archives/{job.pk}/").status_code == 404


def test_archive_api_creates_and_reports_a_job(world, login):
    office = login(world.office)
    created = office.post(
        "/api/v1/archives/", {"round": world.round.pk}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["percent"], body["download_url"]) == ("PENDING", 0, "")
    again = office.post(
        "/api/v1/archives/", {"round": world.round.pk}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    archive_jobs.run_pending()
    done = office.get(f"/api/v1/archives/{body['id']}/").json()
    assert (done["status"], done["percent"]) == ("DONE", 100)
    assert done["download_url"] == f"/archives/{body['id']}/download/"
    assert len(done["sha256"]) == 64 and done["file_count"] > 0
    # units and leaders: 403; another city's office: 404
    assert login(world.reporter).get(f"/api/v1/archives/{body['id']}/").status_code == 403
    far_office = UserFactory(
        username="far_office", role=Role.OFFICE, unit=UnitFactory(name="远方市环督办")
    )
    assert login(far_office).get(f"/api/v1/archives/{body['id']}/").status_code == 404
    assert (
        login(far_office)
        .post("/api/v1/archives/", {"round": world.round.pk}, content_type="application/json")
        .status_code
        == 404
    )
