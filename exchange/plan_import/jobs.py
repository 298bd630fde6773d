"""Big plans committed in the background (issue 12, item 6).

A plan with more than IMPORT_BACKGROUND_ROWS data rows is not committed inside the web
request. The commit page (or `POST /api/v1/imports/commit/`) only writes an ImportJob row
(排队中) and answers at once; the page then polls the job with htmx, the API client
`GET /api/v1/imports/{id}/`.

Who runs it. Web requests never call the broker (docs/design.md §5), so the job is an outbox
row: the beat's `imports` entry (every 5 s, config/celery.py) runs `run_queued()` on the
worker, which claims each queued job with a conditional UPDATE (QUEUED → RUNNING), so two
workers or two beats never run one job twice. `make run` starts that worker with its beat on
the filesystem broker, so the job runs there too; without any worker,
`python manage.py run_imports` runs the queued jobs in the shell.

All or nothing. The job re-reads the staged file, validates it again as the submitting user
and commits it with `committer.commit_plan`: one transaction for every row it writes, so a
failure leaves nothing; the job row, written outside that transaction, says 失败 with the
Chinese reason (and the row errors). A worker killed mid-import leaves its transaction
rolled back and its job RUNNING: after STALE_AFTER without progress the next run marks it
失败 (导入中断).

Progress. The rows being written are invisible to other connections until the commit, and on
SQLite a second connection could not even write while the import holds the write lock. So the
count of tasks written so far goes to the `progress` cache (settings.CACHES: Redis when
configured, else files under VAR_DIR shared by the web server and the worker), keyed by the
job's token; the job row records the totals when the job starts and ends.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction

from accounts import clock
from accounts.models import User
from accounts.scope import is_office
from exchange.models import ImportJob
from exchange.plan_import.errors import AlreadyImported, ImportRefused
from exchange.plan_import.options import ImportOptions, options_from_api
from inspections.models import ImportBatch

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
MAX_ERRORS_KEPT = 200
PHASE_CHECK = "check"
PHASE_WRITE = "write"
PHASE_LABELS = {PHASE_CHECK: "正在读取和校验文件", PHASE_WRITE: "正在写入"}


def is_big(rows: int | None) -> bool:
    return rows is not None and rows > settings.IMPORT_BACKGROUND_ROWS


def _cache():
    return caches["progress"]


def _key(job: ImportJob) -> str:
    return f"import-job:{job.token}"


def _set_progress(job: ImportJob, phase: str, done: int = 0, total: int = 0) -> None:
    _cache().set(
        _key(job),
        {"phase": phase, "done": done, "total": total, "at": clock.now().isoformat()},
        timeout=int(STALE_AFTER.total_seconds()) * 2,
    )


def enqueue(
    sha256: str,
    file_name: str,
    *,
    actor: User,
    target_data: dict,
    options: ImportOptions | None = None,
    rows: int = 0,
):
    """Queue the commit of a previewed (staged) file. Refused when the file was imported
    before or is being imported now."""
    from exchange.plan_import.pipeline import staged_path

    if not is_office(actor) or actor.unit is None:
        raise ImportRefused("只有环督办可以导入整改方案")
    path = staged_path(sha256)
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    if not path.exists():
        raise ImportRefused("预览已失效（未找到上传的文件），请重新上传")
    try:
        with transaction.atomic():
            return ImportJob.objects.create(
                sha256=sha256,
                file_name=(file_name or path.name)[:255],
                target={
                    **{k: str(v) for k, v in target_data.items() if v not in (None, "")},
                    # the office's choices (group modes, unit names mapped, the fingerprint)
                    "options": (options or ImportOptions()).as_api(),
                },
                region_id=actor.unit.region_id,
                created_by=actor,
                rows=rows,
            )
    except IntegrityError:
        raise ImportRefused("该文件正在后台导入中，请等待导入完成后查看结果") from None


def _claim(job_id: int) -> ImportJob | None:
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=clock.now()
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("created_by__unit__region").get(pk=job_id)


def _finish(job: ImportJob, status: str, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, finished_at=clock.now(), **fields)


def run(job_id: int) -> ImportJob | None:
    """Claim a queued job and commit its plan; None when another run has it already."""
    from exchange.plan_import.committer import commit_plan
    from exchange.plan_import.pipeline import target_from_data, validate_staged

    job = _claim(job_id)
    if job is None:
        return None
    _set_progress(job, PHASE_CHECK)
    try:
        actor = job.created_by
        target = target_from_data(job.target, actor=actor)
        options = options_from_api(job.target.get("options") or {})
        plan = validate_staged(
            job.sha256, job.file_name, actor=actor, target=target, options=options
        )
        total = len(plan.tasks)
        ImportJob.objects.filter(pk=job.pk).update(rows=plan.rows, total=total)
        _set_progress(job, PHASE_WRITE, 0, total)
        with transaction.atomic():  # the job says 已完成 exactly when the data is committed
            batch = commit_plan(
                plan,
                actor=actor,
                sha256=job.sha256,
                file_name=job.file_name,
                progress=lambda done, total: _set_progress(job, PHASE_WRITE, done, total),
            )
            _finish(job, ImportJob.Status.DONE, batch=batch, done=batch.task_count)
    except ImportRefused as exc:
        _finish(
            job,
            ImportJob.Status.FAILED,
            error=exc.message,
            errors=[e.as_dict() for e in exc.errors[:MAX_ERRORS_KEPT]],
        )
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        _finish(
            job,
            ImportJob.Status.FAILED,
            error=f"导入失败，未导入任何数据：系统内部错误（{type(exc).__name__}），"
            "请稍后重新提交，或联系系统管理员",
        )
    else:
        from exchange.plan_import.pipeline import discard_staged

        discard_staged(job.sha256)
    finally:
        _cache().delete(_key(job))
    job.refresh_from_db()
    return job


@dataclass(frozen=True)
class ImportRun:
    done: int
    failed: int
    interrupted: int


def run_queued(limit: int | None = None) -> ImportRun:
    """Every queued job, oldest first (the beat's `imports` entry and `run_job imports`); a
    job left RUNNING by a dead worker for STALE_AFTER is marked failed first."""
    interrupted = 0
    for job in ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=clock.now() - STALE_AFTER
    ):
        if _cache().get(_key(job)) is None:
            interrupted += ImportJob.objects.filter(
                pk=job.pk, status=ImportJob.Status.RUNNING
            ).update(
                status=ImportJob.Status.FAILED,
                finished_at=clock.now(),
                error="导入中断（后台任务异常退出），未导入任何数据，请重新提交",
            )
    done = failed = 0
    while limit is None or done + failed < limit:
        job_id = (
            ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if job_id is None:
            break
        job = run(job_id)
        if job is None:
            continue  # another worker took it
        if job.status == ImportJob.Status.DONE:
            done += 1
        else:
            failed += 1
    return ImportRun(done, failed, interrupted)


def state(job: ImportJob) -> dict:
    """What the polling page and the API show: status, progress (done of total, percent)
    and, when finished, the result or the reason."""
    done, total, phase = job.done, job.total, ""
    if job.status == ImportJob.Status.RUNNING:
        live = _cache().get(_key(job)) or {}
        phase = live.get("phase", PHASE_CHECK)
        done = live.get("done", 0)
        total = live.get("total") or job.total
    elif job.status == ImportJob.Status.DONE:
        done = total = job.total or job.done
    percent = round(100 * done / total) if total else (100 if job.status == "DONE" else 0)
    batch = job.batch if job.batch_id else None
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "phase": phase,
        "phase_label": PHASE_LABELS.get(phase, ""),
        "file_name": job.file_name,
        "rows": job.rows,
        "done": done,
        "total": total,
        "percent": percent,
        "finished": job.finished,
        "error": job.error,
        "errors": job.errors,
        "created_by": job.created_by.display_name,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "batch": batch.pk if batch else None,
        "headline": (batch.summary or {}).get("headline", "") if batch else "",
        "task_count": batch.task_count if batch else None,
    }
