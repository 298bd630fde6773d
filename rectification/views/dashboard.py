"""The leader dashboard (read-only, scoped) and the public notice page (no login)."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from PIL import Image

from accounts import clock
from accounts.errors import InvalidInput, InvalidState, NotFound
from accounts.ids import parse_id
from inspections import petition_figures
from inspections.models import Petition
from rectification import public_photos, services
from rectification.dashboard import (
    PUBLIC_RECENT_DAYS,
    can_view_dashboard,
    dashboard_for,
    public_closeouts,
    public_entry,
    public_regions,
    public_search,
    task_list_url,
)
from rectification.forms import PublicObjectionForm
from rectification.models import PublicNotice
from rectification.services.objections import source_key

PUBLIC_PAGE_SIZE = 20
PUBLIC_PHOTO_SIZES = ("thumb", "view")


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """领导驾驶舱: figures for the user's region subtree; ?round=<id> narrows everything."""
    if not can_view_dashboard(request.user):
        raise PermissionDenied("只有领导、环督办和系统管理员可以查看领导驾驶舱")
    board = dashboard_for(request.user, round_id=request.GET.get("round"))
    # 信访件 (边督边改): the totals of the petitions in scope (of the round picked), one query.
    petitions = Petition.objects.visible_to(request.user)
    if board.round_id:
        petitions = petitions.filter(round_id=board.round_id)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "board": board,
            "task_list_url": task_list_url(),
            "petitions": petition_figures.compute(petitions, board.today)["total"],
        },
    )


def _public_rate_limited(request: HttpRequest) -> bool:
    """Whether this source address has read more than PUBLIC_READS_PER_SOURCE_MINUTE public pages
    and photos this minute. Counted like the objection form's limit (services.source_key: an
    HMAC of the address, never the address) in the shared cache, per minute."""
    if not settings.PUBLIC_READS_PER_SOURCE_MINUTE:  # 0: no limit
        return False
    # Wall-clock minutes (not accounts.clock, which a demo pins to its business date).
    source = source_key(request.META.get("REMOTE_ADDR", ""))[:32]
    key = f"public-reads:{source}:{int(time.time() // 60)}"
    cache = caches["progress"]
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > settings.PUBLIC_READS_PER_SOURCE_MINUTE


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "public/too_many.html",
        {"limit": settings.PUBLIC_READS_PER_SOURCE_MINUTE},
        status=429,
    )
    response["Retry-After"] = "60"
    return response


def _region_param(value: str | None, regions: list[tuple[int, str]]) -> int | None:
    pk = parse_id(value)
    return pk if pk in {pk for pk, _ in regions} else None


@require_GET
def public_notices(request: HttpRequest) -> HttpResponse:
    """公示: close-outs in their notice period and recently closed, for anyone, no login.

    Deliberately unscoped (public by design, see rectification.dashboard.public_closeouts);
    only public columns are shown, and of the evidence only the 整改前/整改后 photos
    (rectification.public_photos). Search (?q= 编号/名称/地址), a region filter (?region=),
    20 a page."""
    if _public_rate_limited(request):
        return _too_many(request)
    today = clock.today()
    public = public_closeouts(today=today)
    regions = public_regions(public)
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL
    region_id = _region_param(request.GET.get("region"), regions)
    found = public_search(public, q=q, region_id=region_id).prefetch_related(
        public_photos.photos_prefetch()
    )
    paginator = Paginator(found, PUBLIC_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = [public_entry(app) for app in page.object_list]
    # The page links keep the search and the filter (empty values dropped).
    keep = urlencode([(k, v) for k, v in (("q", q), ("region", region_id or "")) if v])
    return render(
        request,
        "public/notices.html",
        {
            "page": page,
            "entries": entries,
            "today": today,
            "recent_days": PUBLIC_RECENT_DAYS,
            "objection_form": services.public_objection_enabled(),
            "q": q,
            "regions": regions,
            "region_id": region_id,
            "keep": keep,
            "filtered": bool(q or region_id),
        },
    )


@require_GET
def public_photo(request: HttpRequest, pk: int, size: str) -> HttpResponse:
    """A 整改前/整改后 photo of a task shown on the public page, re-encoded without metadata
    (rectification.public_photos); any other attachment, or one of a task not shown, is 404."""
    if size not in PUBLIC_PHOTO_SIZES:
        raise Http404("图片不存在")
    if _public_rate_limited(request):
        return _too_many(request)
    attachment = public_photos.public_photo(pk)
    if attachment is None:
        raise Http404("图片不存在或未公开")
    try:
        data = public_photos.public_copy(attachment, size)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Http404("图片无法显示") from exc
    response = HttpResponse(data, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Short: the task leaves the page when its notice ends or its closing grows old.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
def public_objection(request: HttpRequest, notice_id: int) -> HttpResponse:
    """提交公示异议: a citizen's objection to a close-out in its notice period, no login.

    Unscoped like public_notices, and like it shows only public columns, only for a notice
    running today; the submission goes through services.public_objection_submit (period,
    rate limits). The submitter's name and phone are never shown back on a public page."""
    if not services.public_objection_enabled():
        raise Http404("网上提交公示异议未开放")
    notice = get_object_or_404(
        PublicNotice.objects.select_related("application__task").filter(
            application__task__withdrawn_at__isnull=True
        ),
        pk=notice_id,
    )
    running = services.notice_open_for_objections(notice)
    status = 200
    if request.method == "POST":
        form = PublicObjectionForm(request.POST)
        if form.is_valid():
            status = _submit_objection(request, form, notice)
            if not status:
                messages.success(
                    request, "已收到您的异议，环督办将核查处理，必要时通过您留下的电话与您联系"
                )
                return redirect(reverse("public_notices"))
        else:
            status = 400
    elif not running:
        # Not public (not started, ended, returned): nothing about it is shown.
        raise Http404("该任务不在公示期内")
    else:
        form = PublicObjectionForm()
    context = {"notice": notice, "task": notice.application.task, "running": running, "form": form}
    return render(request, "public/objection.html", context, status=status)


def _submit_objection(request: HttpRequest, form: PublicObjectionForm, notice) -> int:
    """Submit through the service; 0, or the status of the refusal put on the form."""
    try:
        services.public_objection_submit(
            notice=notice.pk, address=request.META.get("REMOTE_ADDR", ""), **form.cleaned_data
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except services.TooManyObjections as exc:
        form.add_error(None, exc.message)
        return 429
    except InvalidState as exc:
        form.add_error(None, exc.message)
        return 409
    except InvalidInput as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return 400
    return 0
