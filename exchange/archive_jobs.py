"""Who may take which archive bundle, and the background job that builds a round's.

- A problem's bundle is small: the page makes it in the request, for whoever sees every
  task of the problem (`problem_archive_refusal`).
- A round's bundle may hold thousands of files: the office asks for it
  (`archive_job_request` writes an ArchiveJob row, PENDING), and the `archives` job
  (exchange/tasks.py, every minute; `run_pending`) claims each pending row with a
  conditional update, writes the zip under MEDIA_ROOT/archives/ and moves the row's
  progress on as it goes. Pages and the API poll the row. Like every other job here the
  page never talks to the broker: it writes the row, the job finds it.
"""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from accounts import clock
from accounts.errors import NotAllowed, NotFound
from accounts.scope import is_office
from exchange.archive import round_bundle_name, round_item_count, write_round_bundle
from exchange.choices import ACTIVE_ARCHIVE_STATUSES, ArchiveStatus
from exchange.models import ArchiveJob
from inspections.models import InspectionRound, Problem
from rectification.models import Task
from rectification.selectors import tasks_hidden_from

log = logging.getLogger(__name__)

ARCHIVE_DIR = "archives"
# A running job moves its heartbeat at least this often (PROGRESS_EVERY); one silent for
# STALE_AFTER lost its worker and is failed, so the office can ask again.
PROGRESS_EVERY = 2.0  # seconds
STALE_AFTER = timedelta(minutes=30)

PROBLEM_PARTLY_HIDDEN = "该问题有您无权查看的点位，不能下载整个问题的档案"
ROUND_OFFICE_ONLY = "只有环督办可以生成督察轮次的档案"
ROUND_PARTLY_HIDDEN = "该督察轮次有您辖区以外的点位，不能生成整轮档案"


def problem_archive_refusal(user, problem: Problem) -> str:
    """Why `user` may not take the problem's bundle ("" when they may): they must see every
    task of the problem (the problem itself they see, or they would have had a 404)."""
    if tasks_hidden_from(user, Task.objects.filter(problem=problem)).exists():
        return PROBLEM_PARTLY_HIDDEN
    return ""


def round_archive_refusal(user, round_: InspectionRound) -> str:
    """Why `user` may not ask for the round's bundle ("" when they may): the office only,
    and one that sees every task of the round."""
    if not is_office(user):
        return ROUND_OFFICE_ONLY
    if tasks_hidden_from(user, Task.objects.filter(round=round_)).exists():
        return ROUND_PARTLY_HIDDEN
    return ""


def archive_job_request(*, round_: InspectionRound | int, actor) -> tuple[ArchiveJob, bool]:
    """Ask for a round's bundle: (the job, whether it is new). While one of the round is
    pending or running, that one is returned instead of a second."""
    pk = round_.pk if isinstance(round_, InspectionRound) else round_
    found = InspectionRound.objects.visible_to(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("没有找到该督察轮次")
    refusal = round_archive_refusal(actor, found)
    if refusal:
        raise NotAllowed(refusal)
    active = ArchiveJob.objects.filter(round=found, status__in=ACTIVE_ARCHIVE_STATUSES).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            return ArchiveJob.objects.create(round=found, requested_by=actor), True
    except IntegrityError:
        # Two clicks at once: the other request's row is the one.
        return ArchiveJob.objects.get(round=found, status__in=ACTIVE_ARCHIVE_STATUSES), False


@dataclass(frozen=True)
class ArchiveRun:
    built: int
    failed: int
    abandoned: int


def run_pending() -> ArchiveRun:
    """The `archives` job: fail the running jobs whose worker died, then build every pending
    bundle, oldest first. Each row is claimed by a conditional update, so two workers (or
    two beats) never build the same one."""
    now = clock.now()
    abandoned = ArchiveJob.objects.filter(
        status=ArchiveStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(
        status=ArchiveStatus.FAILED,
        finished_at=now,
        error="生成中断（处理进程已停止），请重新生成",
    )
    built = failed = 0
    while True:
        pk = (
            ArchiveJob.objects.filter(status=ArchiveStatus.PENDING)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            break
        outcome = archive_job_run(pk)
        built += outcome == ArchiveStatus.DONE
        failed += outcome == ArchiveStatus.FAILED
    return ArchiveRun(built=built, failed=failed, abandoned=abandoned)


def archive_job_run(job_id: int) -> str:
    """Build one pending job's bundle; returns its final status ("" when another worker
    had claimed it)."""
    now = clock.now()
    claimed = ArchiveJob.objects.filter(pk=job_id, status=ArchiveStatus.PENDING).update(
        status=ArchiveStatus.RUNNING, started_at=now, heartbeat_at=now, done_items=0
    )
    if claimed != 1:
        return ""
    job = ArchiveJob.objects.select_related("round__region", "requested_by").get(pk=job_id)
    name = f"{ARCHIVE_DIR}/{now:%Y}/{job.pk}-{secrets.token_hex(8)}.zip"
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    total = round_item_count(job.round)
    ArchiveJob.objects.filter(pk=job.pk).update(total_items=total)
    reporter = _ProgressReporter(job.pk, total)
    try:
        with partial.open("wb") as out:
            summary = write_round_bundle(
                job.round, user=job.requested_by, out=out, progress=reporter
            )
        digest = _sha256(partial)
        partial.replace(path)
    except Exception as exc:
        log.exception("archive job %s failed", job.pk)
        partial.unlink(missing_ok=True)
        ArchiveJob.objects.filter(pk=job.pk).update(
            status=ArchiveStatus.FAILED,
            finished_at=clock.now(),
            error=f"生成失败：{type(exc).__name__}: {str(exc)[:500]}",
        )
        return ArchiveStatus.FAILED
    ArchiveJob.objects.filter(pk=job.pk).update(
        status=ArchiveStatus.DONE,
        finished_at=clock.now(),
        heartbeat_at=clock.now(),
        done_items=total,
        total_items=total,
        file=name,
        file_name=f"{round_bundle_name(job.round)}.zip",
        size=path.stat().st_size,
        sha256=digest,
        file_count=summary.files,
    )
    return ArchiveStatus.DONE


class _ProgressReporter:
    """Moves the row's progress on, at most every PROGRESS_EVERY (one UPDATE each)."""

    def __init__(self, job_id: int, total: int):
        self.job_id = job_id
        self.total = total
        self.last = time.monotonic()

    def __call__(self, step: int) -> None:
        if time.monotonic() - self.last < PROGRESS_EVERY and step < self.total:
            return
        self.last = time.monotonic()
        ArchiveJob.objects.filter(pk=self.job_id, status=ArchiveStatus.RUNNING).update(
            done_items=min(step, self.total), heartbeat_at=clock.now()
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
