"""Monthly dispatch report (月调度通报), on the 1st at 06:00: last month, frozen.

For every region that has an inspection office (a COORD_OFFICE unit), the figures of the
month before `on` are computed once and stored as a DispatchReport (unique per region and
month: a retry or a second beat finds the report and computes nothing). Leaders and offices
whose region holds the report's region are notified (key dispatch:<report id>). The page and
the Excel workbook are rendered from the stored JSON.

"As of the month end" (the job runs hours after it, a test or an operator may run it weeks
later): the buckets reuse selectors.TaskTotals (same names, same rates as the dashboard),
but are counted by one aggregate per grouping with these rules, so that later events do not
leak into last month's report:
- tasks: those in the region subtree whose start date is on or before the month end;
- closed: closed_at before 00:00 of the 1st (Asia/Shanghai); a task closed after that counts
  as still in public notice (公示中), where it was at the month end;
- overdue: still being worked on and its ORIGINAL deadline before the last day of the month
  (selectors.overdue_q: an extension never hides an overdue task);
- red / yellow: tasks that received a RED / YELLOW warning (auto or manual) on a day in the
  month, from the Warning rows, not today's colour;
- in progress, in review, behind schedule: the current status and 序时 status (the warnings
  job refreshed them this morning); a task reopened or moved after the month end and before
  the run is counted where it is now — the one approximation, documented here.

Units are the tasks' lead units, ranked by completion rate (desc), on-schedule rate (desc),
overdue (asc), red (asc), yellow (asc); equal keys share a rank. Deltas compare with the
stored report of the month before, when there is one.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from accounts import clock
from accounts.choices import Role, UnitKind
from accounts.models import Region, Unit
from inspections import petition_figures
from inspections.models import Petition
from rectification.choices import (
    WORKING_STATUSES,
    NotificationKind,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import periods, recipients
from rectification.models import DispatchReport, Task, Warning
from rectification.selectors import TaskTotals, overdue_q
from rectification.services import notify_many

HEADLINE_KEYS = (
    "total",
    "closed",
    "completion_rate",
    "on_schedule_rate",
    "overdue",
    "red",
    "yellow",
)


@dataclass(frozen=True)
class DispatchRun:
    day: date
    month: date
    created: int
    existing: int
    notifications: int


def _counts(month: date) -> dict:
    as_of = periods.month_end(month)
    end = periods.local_midnight(periods.next_month_start(month))
    closed = Q(closed_at__lt=end)
    closed_later = Q(status=TaskStatus.CLOSED, closed_at__gte=end)
    working = Q(status__in=WORKING_STATUSES)
    overdue = overdue_q(as_of)

    def warned(level: str) -> Q:
        return Q(
            Exists(
                Warning.objects.filter(
                    task_id=OuterRef("pk"), level=level, day__gte=month, day__lte=as_of
                )
            )
        )

    return {
        "total": Count("*"),
        "closed": Count("id", filter=closed),
        "publicizing": Count("id", filter=Q(status=TaskStatus.PUBLICIZING) | closed_later),
        "in_review": Count("id", filter=Q(status__in=[TaskStatus.APPLIED, TaskStatus.IN_REVIEW])),
        "in_progress": Count("id", filter=working & ~overdue),
        "not_started": Count("id", filter=Q(status=TaskStatus.NOT_STARTED)),
        "reopened": Count("id", filter=working & Q(reopen_count__gt=0)),
        "overdue": Count("id", filter=overdue),
        "behind": Count("id", filter=working & ~overdue & Q(schedule_status=ScheduleStatus.BEHIND)),
        "red": Count("id", filter=warned(WarningLevel.RED)),
        "yellow": Count("id", filter=warned(WarningLevel.YELLOW)),
    }


def _figures(totals: TaskTotals) -> dict:
    return {
        **asdict(totals),
        "completion_rate": totals.completion_rate,
        "on_schedule_rate": totals.on_schedule_rate,
    }


def _grouped(tasks, month: date, fields: tuple[str, ...]) -> list[dict]:
    counts = _counts(month)
    rows = []
    for row in tasks.order_by().values(*fields).annotate(**counts):
        totals = TaskTotals(**{k: row.pop(k) for k in counts})
        rows.append({**row, **_figures(totals)})
    return rows


def _rank(units: list[dict]) -> list[dict]:
    def key(u):
        return (-u["completion_rate"], -u["on_schedule_rate"], u["overdue"], u["red"], u["yellow"])

    units.sort(key=lambda u: (*key(u), u["sort"], u["name"]))
    rank, previous = 0, None
    for position, unit in enumerate(units, start=1):
        if key(unit) != previous:
            rank, previous = position, key(unit)
        unit["rank"] = rank
    return units


def compute(region: Region, month: date) -> dict:
    """The report's JSON for `region` and `month` (first day). Read-only."""
    as_of = periods.month_end(month)
    end = periods.local_midnight(periods.next_month_start(month))
    tasks = Task.objects.filter(region__path__startswith=region.path).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=as_of)
    )
    headline = _figures(TaskTotals(**tasks.order_by().aggregate(**_counts(month))))

    rounds = [
        {
            "round_id": r.pop("round_id"),
            "code": r.pop("round__code"),
            "name": r.pop("round__name"),
            **r,
        }
        for r in _grouped(tasks, month, ("round_id", "round__code", "round__name"))
    ]
    rounds.sort(key=lambda r: r["code"])
    counties = [
        {
            "region_id": r.pop("region_id"),
            "code": r.pop("region__code"),
            "name": r.pop("region__name"),
            **r,
        }
        for r in _grouped(tasks, month, ("region_id", "region__code", "region__name"))
    ]
    counties.sort(key=lambda r: r["code"])
    units = _rank(
        [
            {
                "unit_id": r.pop("lead_unit_id"),
                "name": r.pop("lead_unit__short_name") or r.pop("lead_unit__name") or "未明确",
                "sort": r.pop("lead_unit__sort", 0) or 0,
                **{k: v for k, v in r.items() if not k.startswith("lead_unit__")},
            }
            for r in _grouped(
                tasks.filter(lead_unit__isnull=False),
                month,
                ("lead_unit_id", "lead_unit__short_name", "lead_unit__name", "lead_unit__sort"),
            )
        ]
    )

    task_columns = (
        "id",
        "code",
        "name",
        "round__code",
        "region__name",
        "lead_unit__short_name",
        "lead_unit__name",
        "deadline",
        "original_deadline",
        "status",
        "progress_pct",
    )

    def task_row(t: dict) -> dict:
        return {
            "task_id": t["id"],
            "code": t["code"],
            "name": t["name"],
            "round": t["round__code"],
            "county": t["region__name"],
            "lead_unit": t["lead_unit__short_name"] or t["lead_unit__name"] or "",
            "deadline": t["deadline"].isoformat() if t["deadline"] else "",
            "status": str(TaskStatus(t["status"]).label),
            "progress_pct": t["progress_pct"],
        }

    def original(t: dict) -> date:
        return t["original_deadline"] or t["deadline"]

    # Counted against the original deadline (the headline's rule); an extended task is
    # listed with its current deadline too (已延期).
    overdue = [
        {
            **task_row(t),
            "original_deadline": original(t).isoformat(),
            "extended": original(t) != t["deadline"],
            "overdue_days": (as_of - original(t)).days,
        }
        for t in tasks.filter(overdue_q(as_of))
        .exclude(closed_at__lt=end)
        .order_by(Coalesce("original_deadline", "deadline"), "code")
        .values(*task_columns)
    ]
    red_reasons: dict[int, set[str]] = defaultdict(set)
    for task_id, reason in Warning.objects.filter(
        task__in=tasks, level=WarningLevel.RED, day__gte=month, day__lte=as_of
    ).values_list("task_id", "reason"):
        red_reasons[task_id].add(reason)
    red = [
        {
            **task_row(t),
            "reasons": "、".join(sorted(str(WarningReason(r).label) for r in red_reasons[t["id"]])),
        }
        for t in tasks.filter(pk__in=list(red_reasons)).order_by("code").values(*task_columns)
    ]

    figures = {
        "region": {"id": region.pk, "code": region.code, "name": region.name},
        "month": month.strftime("%Y-%m"),
        "as_of": as_of.isoformat(),
        "headline": headline,
        "rounds": rounds,
        "counties": counties,
        "units": units,
        "overdue_tasks": overdue,
        "red_tasks": red,
        "previous": None,
    }
    petitions = petition_figures.compute(
        Petition.objects.filter(region__path__startswith=region.path), as_of
    )
    figures["petitions"] = petitions["total"]
    figures["petition_batches"] = petitions["batches"]
    figures["petition_counties"] = petitions["counties"]
    figures["petition_units"] = petitions["units"]
    previous = DispatchReport.objects.filter(
        region=region, month=periods.previous_month_start(month)
    ).first()
    if previous is not None:
        figures["previous"] = _deltas(figures, previous.figures)
    return figures


def _deltas(current: dict, previous: dict) -> dict:
    before = previous.get("headline", {})
    units_before = {u["unit_id"]: u for u in previous.get("units", [])}
    return {
        "month": previous.get("month"),
        "headline": {
            k: round(current["headline"][k] - before[k], 1) if k in before else None
            for k in HEADLINE_KEYS
        },
        "units": {
            str(u["unit_id"]): {
                "rank": units_before[u["unit_id"]]["rank"] - u["rank"],  # + = moved up
                "completion_rate": round(
                    u["completion_rate"] - units_before[u["unit_id"]]["completion_rate"], 1
                ),
                "closed": u["closed"] - units_before[u["unit_id"]]["closed"],
            }
            for u in current["units"]
            if u["unit_id"] in units_before
        },
    }


def regions_with_office() -> list[Region]:
    ids = (
        Unit.objects.filter(kind=UnitKind.COORD_OFFICE, is_active=True)
        .values_list("region_id", flat=True)
        .distinct()
    )
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def make_report(region: Region, month: date) -> tuple[DispatchReport, bool]:
    """The stored report for (region, month); computed and saved only if there is none."""
    existing = DispatchReport.objects.filter(region=region, month=month).first()
    if existing is not None:
        return existing, False
    figures = compute(region, month)
    try:
        with transaction.atomic():
            report = DispatchReport.objects.create(
                region=region, month=month, as_of=periods.month_end(month), figures=figures
            )
    except IntegrityError:  # a concurrent run stored it first; theirs stands
        return DispatchReport.objects.get(region=region, month=month), False
    return report, True


def notify_report(report: DispatchReport) -> int:
    """Tell the leaders and offices whose region holds the report's region (once per report)."""
    path = report.region.path
    told = recipients.covering(recipients.regional_users([Role.OFFICE, Role.LEADER]), path)
    h = report.figures["headline"]
    return notify_many(
        recipients.messages_for(
            told,
            kind=NotificationKind.DISPATCH_REPORT,
            key=f"dispatch:{report.pk}",
            title=f"【月调度通报】{report.region.name}{report.month:%Y年%m月}整改调度通报",
            body=(
                f"截至{report.as_of:%m月%d日}：任务{h['total']}个，已销号{h['closed']}个"
                f"（{h['completion_rate']}%），序时进度达标率{h['on_schedule_rate']}%，"
                f"逾期{h['overdue']}个，本月红灯{h['red']}个、黄牌{h['yellow']}个。"
            ),
            url=f"/dispatch/{report.pk}/",
        )
    )


def run(on: date | None = None) -> DispatchRun:
    on = on or clock.today()
    month = periods.previous_month_start(on)
    created = existing = sent = 0
    for region in regions_with_office():
        report, made = make_report(region, month)
        created += made
        existing += not made
        # Always (re)offer the notifications: after a crash between the report and its
        # notices, the next run completes them; the key makes repeats no-ops.
        sent += notify_report(report)
    return DispatchRun(on, month, created, existing, sent)
