"""Close-out review: the unit head's 自验队列 and the office's 验收队列, notice, 销号, 回头看."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import clock
from accounts.choices import Role
from accounts.scope import get_visible_or_404
from rectification import closeout_rules, services, workbench
from rectification.choices import (
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    PublicObjectionStatus,
    TaskStatus,
)
from rectification.forms import (
    AcceptForm,
    CloseForm,
    LookBackForm,
    ObjectionForm,
    ReturnForm,
    ReviewRecordForm,
    SectorReviewForm,
    SelfCheckForm,
)
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Task,
)
from rectification.services import CLOSEOUT_CHECKLIST
from rectification.views.common import form_page, require_move, require_office

APPLICATION_RELATED = (
    "task",
    "task__region",
    "task__lead_unit__region",
    "task__round",
    "unit",
    "applied_by",
)


def _applications(request: HttpRequest):
    return CloseoutApplication.objects.visible_to(request.user).select_related(*APPLICATION_RELATED)


def _decision_context(app: CloseoutApplication, heading: str) -> dict:
    """What a decision on an application is made on: the evidence (整改前 and 整改后 side by
    side, then the documents), the close-out standards as ticked by the applicant, the
    opinions recorded so far, and the acceptance chain with what is still missing."""
    task = app.task
    by_kind: dict[str, list] = {}
    for attachment in Attachment.objects.filter(task=task).order_by("uploaded_at", "id"):
        by_kind.setdefault(attachment.kind, []).append(attachment)
    documents = [
        (label, by_kind[kind])
        for kind, label in AttachmentKind.choices
        if kind in by_kind and kind not in (AttachmentKind.BEFORE, AttachmentKind.AFTER)
    ]
    reviews = list(
        CloseoutReview.objects.filter(application=app)
        .select_related("unit__region", "reviewer", "document")
        .order_by("id")
    )
    lead_unit = task.lead_unit
    for review in reviews:
        review.level_label = closeout_rules.review_level_label(review.level, lead_unit)
    sector_units = closeout_rules.sector_units_of(
        Assignment.objects.filter(task=task, role=AssignmentRole.SECTOR).select_related("unit")
    )
    chain = closeout_rules.acceptance_chain(task.round, sector_units)
    missing = {
        (step.level, step.unit_id)
        for step in closeout_rules.missing_steps(task.round, sector_units, reviews)
    }
    return {
        "app": app,
        "task": task,
        "heading": heading,
        "before": by_kind.get(AttachmentKind.BEFORE, []),
        "after": by_kind.get(AttachmentKind.AFTER, []),
        "documents": documents,
        "checklist": [
            (label, bool(app.checklist.get(key))) for key, label in CLOSEOUT_CHECKLIST.items()
        ],
        "reviews": reviews,
        "chain": [(step, (step.level, step.unit_id) not in missing) for step in chain],
        "evidence_missing": closeout_rules.missing_evidence(task.site_type, by_kind),
        # Photos whose EXIF time or position looks out of place (services.photo_flags).
        "flagged_photos": [a for items in by_kind.values() for a in items if a.photo_flags],
        "self_check_label": closeout_rules.self_check_label(lead_unit),
    }


def _visible_application(request: HttpRequest, pk: int) -> CloseoutApplication:
    return get_object_or_404(_applications(request).select_related("notice"), pk=pk)


@login_required
def selfcheck_queue(request: HttpRequest) -> HttpResponse:
    """A unit head's queue: the applications for the tasks their unit LEADS (whichever unit
    applied), except their own, and the 行业部门认定 their unit owes as a task's sector unit."""
    require_unit_head(request)
    return render(request, "closeouts/selfcheck_queue.html", selfcheck_context(request))


def require_unit_head(request: HttpRequest) -> None:
    if request.user.role != Role.UNIT_HEAD or not request.user.unit_id:
        raise PermissionDenied("只有单位审核人可以进行自验")


def selfcheck_context(request: HttpRequest) -> dict:
    """What the 自验队列 shows (also re-rendered by views.batch after a refused batch)."""
    unit_id = request.user.unit_id
    apps = (
        workbench.selfcheck_applications(request.user)
        .select_related(*APPLICATION_RELATED)
        .order_by("applied_at", "id")
    )
    owed = [
        app
        for app in _applications(request)
        .filter(
            status=CloseoutStatus.SELF_CHECKED,
            task__round__requires_sector_review=True,
            task__assignments__unit_id=unit_id,
            task__assignments__role=AssignmentRole.SECTOR,
        )
        .exclude(applied_by=request.user)
        .prefetch_related("reviews")
        .order_by("applied_at", "id")
        if not any(
            r.level == "SECTOR" and r.unit_id == unit_id and r.result == "PASS"
            for r in app.reviews.all()
        )
    ]
    return {
        "applications": apps,
        "sector_owed": owed,
        "self_check_label": closeout_rules.self_check_label(request.user.unit),
        "batch_limit": services.BATCH_LIMIT,
    }


@login_required
@require_http_methods(["GET", "POST"])
def selfcheck_decide(request: HttpRequest, pk: int) -> HttpResponse:
    app = _visible_application(request, pk)
    require_move(request.user, "self_check_pass", app.task, application=app)
    label = closeout_rules.self_check_label(app.task.lead_unit)
    return form_page(
        request,
        form_class=SelfCheckForm,
        template="closeouts/decide.html",
        context=_decision_context(app, label),
        initial={"version": app.task.version},
        service=services.closeout_self_check,
        inputs=lambda d: {
            "application": app,
            "actor": request.user,
            "passed": d["decision"] == "pass",
            "opinion": d["opinion"],
            "expected_version": d["version"],
        },
        success=lambda app: (
            "已退回申请单位"
            if app.status == CloseoutStatus.RETURNED
            else f"{label}通过，已报环督办验收"
        ),
        done=reverse("selfcheck_queue"),
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Applications after self-check, oldest first, and those in their notice period."""
    require_office(request)
    # ?expired=1 (the workbench's 公示期满待销号): only the notices that have ended.
    expired_only = request.GET.get("expired") == "1"
    waiting = workbench.review_applications(request.user)
    to_review = list(
        (waiting.none() if expired_only else waiting)
        .select_related(*APPLICATION_RELATED)
        .prefetch_related(
            Prefetch("reviews", queryset=CloseoutReview.objects.select_related("unit__region")),
            Prefetch(
                "task__assignments",
                queryset=Assignment.objects.filter(role=AssignmentRole.SECTOR).select_related(
                    "unit"
                ),
                to_attr="sector_assignments",
            ),
        )
        .order_by("applied_at", "id")
    )
    for app in to_review:
        # What the round's acceptance chain still lacks before the office may accept.
        app.missing_steps = closeout_rules.missing_steps(
            app.task.round,
            closeout_rules.sector_units_of(app.task.sector_assignments),
            sorted(app.reviews.all(), key=lambda r: r.pk),
            skip_city=True,
        )
    context = {
        "to_review": to_review,
        # 销号 is offered from the day after the notice's last day (services.notice_close_refusal)
        "expired_only": expired_only,
        "publicizing": workbench.publicizing_applications(request.user, expired_only=expired_only)
        .select_related(*APPLICATION_RELATED, "notice")
        # 网上异议 not yet checked: 销号 waits for them (services.closeout_close)
        .annotate(
            pending_objections=Count(
                "notice__public_objections",
                filter=Q(notice__public_objections__status=PublicObjectionStatus.PENDING),
            )
        )
        .order_by("notice__end_date", "id"),
        "today": clock.today(),
    }
    return render(request, "closeouts/review_queue.html", context)


def _office_form(request, pk, verb, form_class, heading, service, inputs, success, **extra):
    """The office's forms on an open close-out application (accept, return, close, review)."""
    require_move(request.user, verb)
    app = _visible_application(request, pk)
    if callable(extra.get("initial")):
        extra["initial"] = extra["initial"](app)
    if callable(extra.get("form_kwargs")):
        extra["form_kwargs"] = extra["form_kwargs"](app)
    return form_page(
        request,
        form_kwargs=extra.get("form_kwargs"),
        form_class=form_class,
        template="closeouts/decide.html",
        context=_decision_context(app, heading),
        initial=extra.get("initial", {"version": app.task.version}),
        service=service,
        inputs=lambda d: {"application": app, "actor": request.user, **inputs(d)},
        success=success,
        done=reverse("task_detail", args=[app.task_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_form(
        request,
        pk,
        "accept",
        AcceptForm,
        "验收通过并公示",
        services.closeout_accept,
        lambda d: {
            "opinion": d["opinion"],
            "level": d["level"],
            "notice_start": d["notice_start"],
            "notice_end": d["notice_end"],
            "contact_phone": d["contact_phone"],
            "expected_version": d["version"],
        },
        _accepted_message,
        initial=lambda app: {
            "version": app.task.version,
            "contact_phone": services.notice_default_phone(request.user),
        },
    )


def _accepted_message(app: CloseoutApplication) -> str:
    notice = app.notice
    if notice.start_date > clock.today():
        return (
            f"验收通过。公示期 {notice.start_date:%Y-%m-%d} 至 {notice.end_date:%Y-%m-%d}，"
            f"将于 {notice.start_date:%Y-%m-%d} 起在公示页面公布"
        )
    return f"验收通过，已进入公示（至 {notice.end_date:%Y-%m-%d}）"


@login_required
@require_http_methods(["GET", "POST"])
def closeout_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_form(
        request,
        pk,
        "return",
        ReturnForm,
        "验收退回",
        services.closeout_return,
        lambda d: {
            "reason": d["reason"],
            "objection_upheld": d.get("objection_upheld", False),
            "expected_version": d["version"],
        },
        "已退回申请单位",
        form_kwargs=lambda app: {"publicised": app.status == CloseoutStatus.ACCEPTED},
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """登记公示异议 (a call, a letter, a visit) with the outcome of its check."""
    return _office_form(
        request,
        pk,
        "notice_objection",
        ObjectionForm,
        "登记公示异议",
        services.notice_objection_record,
        lambda d: {
            "channel": d["channel"],
            "received_on": d["received_on"],
            "content": d["content"],
            "upheld": d["upheld"],
            "handling": d["handling"],
            "public_objection": d.get("public_objection"),
            "expected_version": d["version"],
        },
        lambda notice: (
            "异议成立，销号申请已退回申请单位"
            if notice.result == "UPHELD"
            else "已登记异议（不成立），公示继续"
        ),
        initial=lambda app: {"version": app.task.version, "received_on": clock.today()},
        form_kwargs=lambda app: {"pending": _pending_objections(request, app)},
    )


def _pending_objections(request: HttpRequest, app: CloseoutApplication) -> list:
    """The application's online objections not yet checked, as the user may see them."""
    notice = getattr(app, "notice", None)
    if notice is None:
        return []
    return list(services.pending_objections(notice, user=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def closeout_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_form(
        request,
        pk,
        "close",
        CloseForm,
        "销号",
        services.closeout_close,
        lambda d: {
            "objections": d["objections"],
            "objection_note": d["objection_note"],
            "doc_no": d["doc_no"],
            "expected_version": d["version"],
        },
        "已销号",
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_review(request: HttpRequest, pk: int) -> HttpResponse:
    """登记验收意见: a review made elsewhere (省级验收, 行业部门认定, 市级验收) on an application
    in review or in its notice period. It moves nothing; 销号 checks the levels it needs."""
    return _office_form(
        request,
        pk,
        "review",
        ReviewRecordForm,
        "登记验收意见",
        services.closeout_record_review,
        lambda d: {
            "level": d["level"],
            "result": d["result"],
            "method": d["method"],
            "opinion": d["opinion"],
            "actual_date": d["actual_date"],
            "reviewers": d["reviewers"],
            "document_no": d["document_no"],
            "document_date": d["document_date"],
            "document": d["document"],
        },
        lambda review: f"已登记{review.get_level_display()}意见：{review.get_result_display()}",
        initial={"actual_date": clock.today()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_sector_review(request: HttpRequest, pk: int) -> HttpResponse:
    """行业部门认定, by a head of the task's sector unit on its own account."""
    app = _visible_application(request, pk)
    require_move(request.user, "sector_review", app.task, application=app)
    return form_page(
        request,
        form_class=SectorReviewForm,
        template="closeouts/decide.html",
        context=_decision_context(app, "行业部门认定"),
        initial={"actual_date": clock.today()},
        service=services.closeout_record_review,
        inputs=lambda d: {
            "application": app,
            "actor": request.user,
            "level": "SECTOR",
            "result": d["result"],
            "method": d["method"],
            "opinion": d["opinion"],
            "actual_date": d["actual_date"],
            "reviewers": d["reviewers"],
        },
        success=lambda review: f"已登记行业部门认定：{review.get_result_display()}",
        done=reverse("task_detail", args=[app.task_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_lookback(request: HttpRequest, pk: int) -> HttpResponse:
    require_move(request.user, "lookback")
    task = get_visible_or_404(Task.objects.select_related("region"), request.user, pk=pk)
    closure = (
        CloseoutApplication.objects.filter(task=task, status=CloseoutStatus.APPROVED)
        .order_by("-closed_at")
        .first()
    )
    if request.method == "GET" and task.status != TaskStatus.CLOSED:
        messages.info(request, "只能对已销号的任务开展回头看")
    return form_page(
        request,
        form_class=LookBackForm,
        template="closeouts/lookback.html",
        context={"task": task, "closure": closure},
        initial={"version": task.version, "check_date": clock.today()},
        service=services.task_record_lookback,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "check_date": d["check_date"],
            "method": d["method"],
            "result": d["result"],
            "findings": d["findings"],
            "new_deadline": d["new_deadline"],
            "expected_version": d["version"],
        },
        success="回头看结果已登记",
        done=reverse("task_detail", args=[task.pk]),
    )
