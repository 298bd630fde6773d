"""The audit export (审计导出): the events of the three event tables in one list, filtered by
object (task code, round, petition), actor and date range, within the reader's scope, as a
page, CSV and xlsx (exchange.audit_views) and JSON (/api/v1/events/).

- rectification.Event (tasks and what hangs off them): through the scope table (via task);
- inspections.InspectionEvent (rounds, problems, petitions, units named from an import):
  an event is visible when its target is (each target model through the scope table);
- accounts.AccountEvent (password resets and changes): the administrator all; an office the
  events about the accounts it manages (accounts.services.resettable_users) and its own.

Only the office and the administrator read it (`can_read`). Cells a spreadsheet would
evaluate are neutralised (exchange.ledger.safe_text, rectification.views.tasks.neutralise).
The "变更内容" column shows an event's `changes` where the event table has one.
"""

import csv
import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from io import BytesIO
from itertools import islice
from operator import or_

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook

from accounts import services as account_services
from accounts.events import EventVerb
from accounts.models import AccountEvent, Unit, User
from accounts.scope import SCOPE, Reach, can_audit, scope_of
from exchange.ledger import safe_text
from inspections.choices import PetitionStatus, RoundStatus
from inspections.models import InspectionEvent, InspectionRound, Petition
from rectification.choices import TaskStatus
from rectification.models import Event
from rectification.views.tasks import neutralise

COLUMNS = ["时间", "类别", "对象", "动作", "原状态", "新状态", "操作人", "说明", "变更内容"]
SOURCES = {"task": "整改任务", "inspection": "督察与信访", "account": "账号"}
_STATUS = {**dict(RoundStatus.choices), **dict(PetitionStatus.choices), **dict(TaskStatus.choices)}
_VERBS = dict(EventVerb.choices)
PAGE_ROWS = 200


# The office and the administrator; leaders and units may not (a 403).
can_read = can_audit


class AuditFilter(forms.Form):
    task = forms.CharField(label="任务编号", max_length=32, required=False)
    round = forms.ModelChoiceField(
        label="督察轮次", queryset=InspectionRound.objects.none(), required=False
    )
    petition = forms.CharField(label="信访件受理编号", max_length=64, required=False)
    actor = forms.CharField(label="操作人", max_length=64, required=False)
    date_from = forms.DateField(label="起始日期", required=False)
    date_to = forms.DateField(label="截止日期", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = InspectionRound.objects.visible_to(user).order_by("code")
        self.fields["round"].error_messages["invalid_choice"] = (
            "所选督察轮次不存在或不在权限范围内。"
        )
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "请输入有效日期，格式为 YYYY-MM-DD。"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data


@dataclass(frozen=True)
class Filters:
    task: str = ""
    round: InspectionRound | None = None
    petition: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def names_an_object(self) -> bool:
        return bool(self.task or self.round or self.petition)

    def query(self) -> dict[str, str]:
        """The filters as the query string that reproduces them (the download links)."""
        values = {
            "task": self.task,
            "round": str(self.round.pk) if self.round else "",
            "petition": self.petition,
            "actor": self.actor,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def filters_from(form: AuditFilter) -> Filters:
    data = form.cleaned_data
    return Filters(
        task=(data.get("task") or "").strip(),
        round=data.get("round"),
        petition=(data.get("petition") or "").strip(),
        actor=(data.get("actor") or "").strip(),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


@dataclass(frozen=True)
class AuditRow:
    created_at: datetime
    source: str
    object: str
    verb: str
    from_status: str
    to_status: str
    actor: str
    note: str
    changes: str

    def cells(self) -> list[str]:
        return [
            timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            SOURCES[self.source],
            self.object,
            self.verb,
            self.from_status,
            self.to_status,
            self.actor,
            self.note,
            self.changes,
        ]

    def as_dict(self) -> dict:
        return {
            "created_at": timezone.localtime(self.created_at).isoformat(),
            "source": self.source,
            "object": self.object,
            "verb": self.verb,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "actor": self.actor,
            "note": self.note,
            "changes": self.changes,
        }


# ---------------------------------------------------------------------------------------------
# The three tables, each in the reader's scope and filtered


def _common(qs: QuerySet, filters: Filters) -> QuerySet:
    if filters.actor:
        qs = qs.filter(
            Q(actor__username__iexact=filters.actor)
            | Q(actor__last_name__icontains=filters.actor)
            | Q(actor__first_name__icontains=filters.actor)
        )
    if filters.date_from:
        qs = qs.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_start_of(filters.date_to, next_day=True))
    return qs.order_by("-created_at", "-id")


def _start_of(day: date, *, next_day: bool = False) -> datetime:
    from datetime import time, timedelta

    if next_day:
        day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


def task_events(user, filters: Filters) -> QuerySet:
    qs = Event.objects.visible_to(user).select_related("task", "actor")
    if filters.petition:
        return qs.none()
    if filters.task:
        qs = qs.filter(task__code__iexact=filters.task)
    if filters.round:
        qs = qs.filter(task__round=filters.round)
    return _common(qs, filters)


def _visible_targets(user) -> Q | None:
    """InspectionEvent rows whose target the user sees (None: all of them)."""
    if scope_of(user).reach is Reach.ALL:
        return None
    parts = []
    for ct in ContentType.objects.filter(
        pk__in=InspectionEvent.objects.values("target_type").distinct()
    ):
        model = ct.model_class()
        if model is None or model._meta.label not in SCOPE:
            continue
        visible = model._default_manager.all().visible_to(user).values("pk")
        parts.append(Q(target_type=ct, target_id__in=visible))
    return reduce(or_, parts) if parts else Q(pk__in=[])


def inspection_events(user, filters: Filters) -> QuerySet:
    qs = InspectionEvent.objects.select_related("actor", "target_type")
    if filters.task:
        return qs.none()
    visible = _visible_targets(user)
    if visible is not None:
        qs = qs.filter(visible)
    if filters.round:
        from inspections.models import Problem

        round_ct = ContentType.objects.get_for_model(InspectionRound)
        problem_ct = ContentType.objects.get_for_model(Problem)
        petition_ct = ContentType.objects.get_for_model(Petition)
        qs = qs.filter(
            Q(target_type=round_ct, target_id=filters.round.pk)
            | Q(
                target_type=problem_ct,
                target_id__in=Problem.objects.filter(round=filters.round).values("pk"),
            )
            | Q(
                target_type=petition_ct,
                target_id__in=Petition.objects.filter(round=filters.round).values("pk"),
            )
        )
    if filters.petition:
        qs = qs.filter(
            target_type=ContentType.objects.get_for_model(Petition),
            target_id__in=Petition.objects.filter(accept_no__iexact=filters.petition).values("pk"),
        )
    return _common(qs, filters).prefetch_related("target")


def account_events(user, filters: Filters) -> QuerySet:
    qs = AccountEvent.objects.select_related("user", "actor")
    if filters.names_an_object:
        return qs.none()
    if scope_of(user).reach is not Reach.ALL:
        managed = account_services.resettable_users(user).values("pk")
        qs = qs.filter(Q(user__in=managed) | Q(user=user))
    return _common(qs, filters)


# ---------------------------------------------------------------------------------------------
# Rows


def _name(person: User | None) -> str:
    if person is None:
        return "系统"
    return person.display_name


def _changes(event) -> str:
    changes = getattr(event, "changes", None)
    if not changes:
        return ""
    return json.dumps(changes, ensure_ascii=False, sort_keys=True, default=str)


def _status(code: str) -> str:
    return str(_STATUS.get(code, code)) if code else ""


def _event_row(event, source: str, label: str) -> AuditRow:
    """A row of one of the two tables of accounts.events (same columns)."""
    return AuditRow(
        created_at=event.created_at,
        source=source,
        object=label,
        verb=str(_VERBS.get(event.verb, event.verb)),
        from_status=_status(event.from_status),
        to_status=_status(event.to_status),
        actor=_name(event.actor),
        note=event.note,
        changes=_changes(event),
    )


def _task_row(event: Event) -> AuditRow:
    task = event.task
    return _event_row(event, "task", f"{task.code} {task.name}" if task else "")


def _inspection_row(event: InspectionEvent) -> AuditRow:
    target = event.target
    label = str(target) if target is not None else f"{event.target_type.name} #{event.target_id}"
    if isinstance(target, Petition):
        label = f"信访件 {target.accept_no}"
    elif isinstance(target, Unit):
        label = f"单位 {target.name}"
    return _event_row(event, "inspection", label)


def _account_row(event: AccountEvent) -> AuditRow:
    return AuditRow(
        created_at=event.created_at,
        source="account",
        object=f"账号 {event.user.username}",
        verb=str(event.get_verb_display()),
        from_status="",
        to_status="",
        actor=_name(event.actor),
        note=event.note,
        changes=_changes(event),
    )


def _rows(qs: QuerySet, make) -> Iterator[AuditRow]:
    for event in qs.iterator(chunk_size=1000):
        yield make(event)


def rows(user, filters: Filters) -> Iterator[AuditRow]:
    """Every event the filters select, newest first, the three tables merged."""
    streams = [
        _rows(task_events(user, filters), _task_row),
        _rows(inspection_events(user, filters), _inspection_row),
        _rows(account_events(user, filters), _account_row),
    ]
    return heapq.merge(*streams, key=lambda row: row.created_at, reverse=True)


def count(user, filters: Filters) -> int:
    return (
        task_events(user, filters).count()
        + inspection_events(user, filters).count()
        + account_events(user, filters).count()
    )


def first(user, filters: Filters, n: int = PAGE_ROWS, offset: int = 0) -> list[AuditRow]:
    return list(islice(rows(user, filters), offset, offset + n))


# ---------------------------------------------------------------------------------------------
# Files


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(items: Iterable[AuditRow]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in items:
        yield writer.writerow([neutralise(cell) for cell in row.cells()])


def xlsx_bytes(items: Iterable[AuditRow]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("操作记录")
    sheet.append(COLUMNS)
    for row in items:
        sheet.append([safe_text(cell) for cell in row.cells()])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
