"""Pages of the archive bundle (一案一档): a problem's zip (made in the request), a round's
(asked for here, built by the `archives` job, followed on its page and downloaded when done).

Every file is handed out only here, after the scope check: a problem's bundle to whoever
sees all its tasks, a round's to the office that does.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import NotAllowed, NotFound
from accounts.scope import get_visible_or_404, is_office
from exchange.archive import problem_bundle_file, problem_bundle_name
from exchange.archive_jobs import (
    archive_job_request,
    problem_archive_refusal,
    round_archive_refusal,
)
from exchange.choices import ArchiveStatus
from exchange.models import ArchiveJob
from inspections.models import InspectionRound, Problem

ZIP = "application/zip"
RECENT_JOBS = 5


def _require_office(request: HttpRequest) -> None:
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以访问督察轮次的档案")


@login_required
@require_GET
def problem_archive(request: HttpRequest, pk: int) -> FileResponse:
    """The problem's bundle, made now (a problem holds a few dozen files at most)."""
    problem = get_visible_or_404(
        Problem.objects.select_related("round__region"), request.user, pk=pk
    )
    refusal = problem_archive_refusal(request.user, problem)
    if refusal:
        raise PermissionDenied(refusal)
    handle, _ = problem_bundle_file(problem, user=request.user)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{problem_bundle_name(problem)}.zip",
        content_type=ZIP,
    )


@login_required
@require_GET
def round_archives(request: HttpRequest, pk: int) -> HttpResponse:
    """The round page's 一案一档 panel (loaded by htmx): the latest jobs and the button."""
    _require_office(request)
    round_ = get_visible_or_404(InspectionRound, request.user, pk=pk)
    jobs = (
        ArchiveJob.objects.visible_to(request.user)
        .filter(round=round_)
        .select_related("requested_by")[:RECENT_JOBS]
    )
    return render(
        request,
        "archives/_round_panel.html",
        {
            "round": round_,
            "jobs": jobs,
            "refusal": round_archive_refusal(request.user, round_),
        },
    )


@login_required
@require_POST
def round_archive_request(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job, _ = archive_job_request(round_=pk, actor=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, "已提交生成本轮档案，生成进度见本页，完成后即可下载")
    return redirect("archive_job_detail", pk=job.pk)


def _job(request: HttpRequest, pk: int) -> ArchiveJob:
    _require_office(request)
    return get_visible_or_404(
        ArchiveJob.objects.select_related("round", "requested_by"), request.user, pk=pk
    )


@login_required
@require_GET
def archive_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; its progress block polls itself (htmx) until the job ends."""
    job = _job(request, pk)
    template = "archives/_progress.html" if request.htmx else "archives/job.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def archive_job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if job.status != ArchiveStatus.DONE or not job.file:
        raise Http404("档案尚未生成")
    refusal = round_archive_refusal(request.user, job.round)
    if refusal:
        raise PermissionDenied(refusal)
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except OSError as exc:
        raise Http404("档案文件已不存在，请重新生成") from exc
    response = FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=ZIP)
    response["Cache-Control"] = "private, no-store"
    return response
