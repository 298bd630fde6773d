"""Shared machinery of the services: loading through scope, actor and version checks, the
conditional status move, events, notifications, evidence storage, 序时 refresh."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.db.models import F, Model
from django.utils import timezone

from accounts import clock, events
from accounts.choices import Role
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound, StaleVersion
from accounts.models import User
from accounts.scope import is_unit_member
from rectification import schedule, tally
from rectification.choices import (
    WORKING_STATUSES,
    AttachmentKind,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    PeriodKind,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.jobs import periods
from rectification.lifecycle import Move, needs_unit_roles, refusal
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    Event,
    Milestone,
    Notification,
    ProgressReport,
    ReportingPeriod,
    Task,
    Warning,
)
from rectification.uploads import PhotoMetadata, check_upload, compress_photo, photo_metadata


@dataclass(frozen=True)
class EvidenceFile:
    file: UploadedFile
    kind: str
    title: str = ""


# Shared checks
def _load_visible_task(task: Task | int, actor: User, *, for_update: bool = False) -> Task:
    """The task, re-read inside the transaction through the actor's scope (else NotFound)."""
    task_id = task.pk if isinstance(task, Task) else task
    qs = Task.objects.visible_to(actor).select_related("round", "problem")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(pk=task_id).first()
    if found is None:
        raise NotFound("任务不存在或不在您的权限范围内")
    return found


def unit_roles(actor: User, task: Task) -> set[str]:
    """The roles of the actor's unit on the task (empty for anyone but a reporter or head)."""
    if not is_unit_member(actor):
        return set()
    return set(
        Assignment.objects.filter(task=task, unit_id=actor.unit_id).values_list("role", flat=True)
    )


def _check_actor(actor: User, task: Task, move: Move, *, application=None):
    """NotAllowed unless the actor may make the move on the task (lifecycle.refusal: the same
    rule the task page's buttons and the page guards follow)."""
    roles = unit_roles(actor, task) if needs_unit_roles(actor, move) else ()
    reason = refusal(actor, move, unit_roles=roles, application=application)
    if reason is not None:
        raise NotAllowed(reason)


def _check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and task.version != expected_version:
        raise StaleVersion("该任务已被他人修改，请刷新页面后重试（您的修改未保存）")


def _move_task(
    task: Task,
    move: Move,
    actor: User,
    *,
    expected_version: int | None,
    note: str = "",
    target: Model | None = None,
    recolour: bool = True,
    **changes,
) -> Task:
    """Carry out a lifecycle move as a conditional update, then write its Event; the task's
    序时 status and colour are recomputed (refresh_schedule) unless `recolour` is False (the
    caller recolours after writing what the colour depends on, e.g. the month's report).

    The UPDATE … WHERE status IN (sources) [AND version = expected] makes two concurrent
    reviewers unable to both win: the loser's row count is 0 and it gets a clear error.
    """
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能{move.label}")
    _check_version(task, expected_version)
    filters = {"pk": task.pk, "status__in": move.sources, "version": task.version}
    changed = Task.objects.filter(**filters).update(
        status=move.target, version=F("version") + 1, updated_at=clock.now(), **changes
    )
    if changed != 1:
        raise StaleVersion("该任务刚刚被他人处理，请刷新页面后重试（您的操作未保存）")
    from_status = task.status
    task.refresh_from_db()
    events.record(
        Event,
        task=task,
        target=target or task,
        verb=move.verb,
        actor=actor,
        from_status=from_status,
        to_status=move.target,
        note=note,
    )
    if move.target == TaskStatus.CLOSED:
        # A closed task has no colour: the office's warnings on it end with it (a task
        # reopened later starts without them).
        Warning.objects.filter(task_id=task.pk, auto=False, resolved_at__isnull=True).update(
            resolved_at=clock.now(), resolve_note="任务已销号"
        )
    if recolour:
        refresh_schedule(task, recount=False)
    tally.recount(task)  # after the event: a close-out counts in the trend
    return task


def _bump_version(
    task: Task, *, expected_version: int | None, recolour: bool = True, **changes
) -> Task:
    """A non-status change to a task, under the same optimistic lock; recoloured as by
    _move_task."""
    _check_version(task, expected_version)
    before = (task.region_id, task.round_id)
    changed = Task.objects.filter(pk=task.pk, version=task.version).update(
        version=F("version") + 1, updated_at=clock.now(), **changes
    )
    if changed != 1:
        raise StaleVersion("该任务刚刚被他人修改，请刷新页面后重试（您的修改未保存）")
    task.refresh_from_db()
    if recolour:
        refresh_schedule(task, recount=False)
    tally.recount_pairs([before, (task.region_id, task.round_id)])
    return task


def channels_for(email: str) -> tuple[str, ...]:
    """The channels a person is told on: in-app always, mail when they have an address."""
    if email:
        return (NotificationChannel.INAPP, NotificationChannel.MAIL)
    return (NotificationChannel.INAPP,)


def notify(
    *,
    recipients: Iterable[User],
    kind: NotificationKind,
    title: str,
    body: str = "",
    task: Task | None = None,
    key: str,
    url: str = "",
    channels: Sequence[str] | None = None,
) -> int:
    """Write notification rows for the delivery job. `key` makes repeats no-ops.

    The in-app row is the message; the mail row, for a recipient with an address, is the same
    message (kind, title, body, link, key) on another channel (channels_for, as the jobs'
    messages_for), so what the inbox shows and what the mail says cannot drift apart.
    `channels` names them explicitly instead. Web requests only write rows here; they never
    talk to the broker.
    """
    kind = NotificationKind(kind)
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            task=task,
            title=title,
            body=body,
            url=url,
            channel=channel,
            unique_key=f"{key}:{user.pk}:{channel}"[:200],
        )
        for user in recipients
        for channel in (channels if channels is not None else channels_for(user.email))
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


@dataclass(frozen=True)
class Message:
    """One notification row by ids, for jobs that notify thousands of users at once."""

    recipient_id: int
    kind: NotificationKind
    title: str
    key: str
    channel: str = NotificationChannel.INAPP
    task_id: int | None = None
    body: str = ""
    url: str = ""


def notify_many(messages: Iterable[Message], *, batch_size: int = 1000) -> int:
    """The set-based sibling of notify(): same unique key (`key:recipient:channel`), rows
    built from ids (no User or Task instances), inserted in batches; repeats are no-ops.

    Returns the number of rows offered (inserted or already there)."""
    rows = (
        Notification(
            recipient_id=m.recipient_id,
            kind=m.kind,
            task_id=m.task_id,
            title=m.title[:200],
            body=m.body,
            url=m.url,
            channel=m.channel,
            unique_key=f"{m.key}:{m.recipient_id}:{m.channel}"[:200],
        )
        for m in messages
    )
    offered = 0
    while batch := list(islice(rows, batch_size)):
        Notification.objects.bulk_create(batch, ignore_conflicts=True)
        offered += len(batch)
    return offered


def notify_select(select: str, params: dict[str, object]) -> int:
    """The INSERT … SELECT sibling of notify_many(), for jobs whose rows are a join: one
    statement, no row passes through Python.

    `select` (SQL with named parameters) yields the columns recipient_id, kind, task_id, title,
    body, url, channel and key. Added here, as notify_many() does: the unique key
    `key:recipient:channel` and the title, both cut to 200 characters, and a new row's
    delivery state (PENDING, no attempt; next_attempt_at, sent_at and read_at stay NULL, so
    the delivery job takes it at once). Repeats are no-ops (ON CONFLICT DO NOTHING).

    Returns the number of rows written (rows already there are not counted)."""
    sql = (
        f"INSERT INTO {Notification._meta.db_table} (recipient_id, kind, task_id, title, body, "
        "url, channel, unique_key, status, attempts, last_error, created_at) "
        "SELECT m.recipient_id, m.kind, m.task_id, substr(m.title, 1, 200), m.body, m.url, "
        "m.channel, substr(m.key || ':' || m.recipient_id || ':' || m.channel, 1, 200), "
        "%(notify_status)s, 0, '', %(notify_created_at)s "
        f"FROM ({select}) m "
        # Without a WHERE, SQLite would read "ON CONFLICT" as the join constraint of the FROM.
        "WHERE true ON CONFLICT (unique_key) DO NOTHING"
    )
    params = {
        **params,
        "notify_status": NotificationStatus.PENDING.value,
        "notify_created_at": connection.ops.adapt_datetimefield_value(clock.now()),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _task_url(task: Task) -> str:
    return f"/tasks/{task.pk}/"


def _unit_users(unit_id: int, roles: Sequence[str]) -> list[User]:
    return list(User.objects.filter(unit_id=unit_id, role__in=roles, is_active=True))


def _office_users_for(task: Task) -> list[User]:
    """Office users whose region subtree holds the task's region."""
    ancestors = [c for c in task.region.path.split("/") if c]
    return list(
        User.objects.filter(role=Role.OFFICE, is_active=True, unit__region__code__in=ancestors)
    )


def task_colour(task: Task, *, today: date) -> tuple[str, str]:
    """The task's 序时 status and colour on `today`, by the nightly sweep's rules
    (schedule.evaluate and schedule.decide, which tests/jobs/test_warning_sweep_sql.py proves
    equal to the sweep's SQL): its milestones, its unresolved manual warnings and, after the
    monthly cutoff day, whether this month's progress report is in. A closed task has no
    colour and is not judged (不适用). Three small queries at most."""
    if task.status == TaskStatus.CLOSED:
        return ScheduleStatus.NA, WarningLevel.NONE
    milestones = [
        schedule.MilestonePlan(m.planned_date, m.weight, m.done_date)
        for m in Milestone.objects.filter(task_id=task.pk).only(
            "planned_date", "weight", "done_date"
        )
    ]
    rank = {WarningLevel.BLUE: 1, WarningLevel.YELLOW: 2, WarningLevel.RED: 3}
    manual: dict[str, str] = {}
    for reason, level in Warning.objects.filter(
        task_id=task.pk, auto=False, resolved_at__isnull=True, level__in=list(rank)
    ).values_list("reason", "level"):
        if rank[level] > rank.get(manual.get(reason), 0):
            manual[reason] = level
    reported = ProgressReport.objects.filter(
        task_id=task.pk, period__kind=PeriodKind.MONTHLY, period__code=f"{today:%Y-%m}"
    ).exists
    return _colour(task, today=today, milestones=milestones, manual=manual, reported=reported)


def new_task_colour(task: Task, *, today: date) -> tuple[str, str]:
    """task_colour of a task not yet saved (the bulk import): no milestones, no warnings, no
    reports, so no query."""
    return _colour(task, today=today, milestones=[], manual={}, reported=lambda: False)


def _colour(task: Task, *, today: date, milestones, manual, reported) -> tuple[str, str]:
    if task.status == TaskStatus.CLOSED:
        return ScheduleStatus.NA, WarningLevel.NONE
    verdict = schedule.evaluate(
        status=task.status,
        start_date=task.start_date,
        deadline=task.deadline,
        progress_pct=task.progress_pct,
        today=today,
        milestones=milestones,
    )
    cutoff = periods.report_cutoff(today)
    report_missing = (
        today > cutoff
        and task.status in WORKING_STATUSES
        and (task.start_date is None or task.start_date <= cutoff)
        and not reported()
    )
    colour = schedule.decide(
        status=task.status,
        deadline=task.deadline,
        original_deadline=task.original_deadline,
        verdict=verdict.status,
        on=today,
        report_missing=report_missing,
        manual=manual,
    )
    return verdict.status, colour.level


def refresh_schedule(task: Task, *, today: date | None = None, recount: bool = True) -> Task:
    """Recompute and store the task's 序时 status and colour (warning_level) in the caller's
    transaction, by the nightly sweep's rules (task_colour), so a page never shows a colour
    the last change has made stale. No version bump: derived data. `recount=False` when the
    caller recounts the dashboard tally itself."""
    status, level = task_colour(task, today=today or clock.today())
    if status != task.schedule_status or level != task.warning_level:
        Task.objects.filter(pk=task.pk).update(schedule_status=status, warning_level=level)
        task.schedule_status, task.warning_level = status, level
        if recount:
            tally.recount(task)
    return task


def period_for(day: date, kind: str = PeriodKind.MONTHLY) -> ReportingPeriod:
    """The reporting period containing `day`, created on first use."""
    from django.conf import settings

    if kind == PeriodKind.QUARTERLY:
        # 长期坚持 re-checks: "2020-Q1", due by the quarter's last day.
        quarter = (day.month - 1) // 3
        start = date(day.year, 3 * quarter + 1, 1)
        end = (
            date(day.year + 1, 1, 1) if quarter == 3 else date(day.year, 3 * quarter + 4, 1)
        ) - timezone.timedelta(days=1)
        period, _ = ReportingPeriod.objects.get_or_create(
            kind=kind,
            code=f"{day.year}-Q{quarter + 1}",
            defaults={"start_date": start, "end_date": end, "due_date": end},
        )
        return period
    if kind != PeriodKind.MONTHLY:
        raise InvalidInput("目前只支持按月或按季度报送")
    start = day.replace(day=1)
    next_month = (start.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    end = next_month - timezone.timedelta(days=1)
    cutoff = min(settings.MONTHLY_REPORT_CUTOFF_DAY, end.day)
    period, _ = ReportingPeriod.objects.get_or_create(
        kind=kind,
        code=start.strftime("%Y-%m"),
        defaults={"start_date": start, "end_date": end, "due_date": start.replace(day=cutoff)},
    )
    return period


def _save_evidence(
    *,
    task: Task,
    actor: User,
    files: Sequence[EvidenceFile],
    report: ProgressReport | None = None,
    closeout: CloseoutApplication | None = None,
) -> list[Attachment]:
    """Store evidence files: each checked first (all before any is saved), a photo's EXIF
    time and position read from the original, a large photo then compressed (what is stored,
    hashed and sized is the compressed copy), and a photo that looks out of place flagged."""
    checked = [(item, check_upload(item.file)) for item in files]  # all checked before any save
    uploaded_at = clock.now()
    previous_report: list = []  # looked up once, when a dated photo needs it
    saved = []
    for item, info in checked:
        if item.kind not in AttachmentKind.values:
            raise InvalidInput(f"未知的材料类别：{item.kind}", field="files")
        meta = photo_metadata(item.file, info)  # before compression, from the original
        content, name = item.file, (item.file.name or "file")
        compressed = compress_photo(item.file, info)
        if compressed is not None:
            content, info = compressed.content, compressed.info
            if PurePath(name).suffix.lower() not in (".jpg", ".jpeg"):
                name = f"{PurePath(name).stem}.jpg"
        if meta.taken_at is not None and not previous_report:
            previous_report.append(_previous_report_at(task, report))
        flags = photo_flags(
            task=task,
            kind=item.kind,
            meta=meta,
            uploaded_at=uploaded_at,
            previous_report_at=previous_report[0] if previous_report else None,
        )
        attachment = Attachment(
            task=task,
            report=report,
            closeout=closeout,
            kind=item.kind,
            title=item.title[:200],
            original_name=PurePath(name).name[:255],
            extension=info.extension,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            taken_at=timezone.localdate(meta.taken_at) if meta.taken_at else None,
            photo_taken_at=meta.taken_at,
            latitude=meta.latitude,
            longitude=meta.longitude,
            photo_flags="；".join(flags)[:300],
            uploaded_by=actor,
        )
        attachment.file.save(f"upload{info.extension}", content, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def _previous_report_at(task: Task, report: ProgressReport | None):
    """When the task's previous progress report was sent (not the one being saved)."""
    earlier = ProgressReport.objects.filter(task=task)
    if report is not None:
        earlier = earlier.exclude(pk=report.pk)
    return earlier.order_by("-submitted_at").values_list("submitted_at", flat=True).first()


EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def photo_flags(
    *,
    task: Task,
    kind: str,
    meta: PhotoMetadata,
    uploaded_at,
    previous_report_at=None,
) -> list[str]:
    """Why a photo needs a look by the reviewer (empty when nothing is odd or nothing known).

    Old: taken before the task's previous progress report, or more than PHOTO_MAX_AGE_DAYS
    before the upload (not for 整改前 photos, which are old by nature). Far: taken more than
    PHOTO_MAX_DISTANCE_M from the task's coordinates (when both are known)."""
    flags = []
    if meta.taken_at is not None:
        shot = timezone.localtime(meta.taken_at)
        if shot > uploaded_at + timedelta(days=1):
            flags.append(f"拍摄时间 {shot:%Y-%m-%d %H:%M} 晚于上传时间，相机时间可能有误")
        elif kind != AttachmentKind.BEFORE:
            max_age = settings.PHOTO_MAX_AGE_DAYS
            if previous_report_at is not None and meta.taken_at < previous_report_at:
                flags.append(
                    f"拍摄于 {shot:%Y-%m-%d}，早于上次报送（"
                    f"{timezone.localtime(previous_report_at):%Y-%m-%d}）"
                )
            elif meta.taken_at < uploaded_at - timedelta(days=max_age):
                days = (uploaded_at - meta.taken_at).days
                flags.append(f"拍摄于 {shot:%Y-%m-%d}，早于上传 {days} 天（超过 {max_age} 天）")
    if meta.latitude is not None and task.lat is not None and task.lng is not None:
        metres = distance_m(meta.latitude, meta.longitude, task.lat, task.lng)
        if metres > settings.PHOTO_MAX_DISTANCE_M:
            flags.append(f"拍摄位置距任务点位约 {metres / 1000:.1f} 公里")
    return flags
