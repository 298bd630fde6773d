"""The petitions' figures (DOMAIN §1.3): 交办 / 办结 / 按时办结率 / 属实率 / 重复件 / 逾期, per
交办批次, per 行政区域 and per 承办单位, for the dashboard's petitions page and the 月调度.

- 交办: petitions handed to a unit (every status but 待交办);
- 办结: 阶段性办结, 已办结 or 已销号 (as of `on`: finished on or before it);
- 按时办结率: of the 办结, those whose result was reported by the due date (办理结果上报
  within PETITION_DUE_WORKING_DAYS working days), in %;
- 属实率: of the 办结 with a verification, 属实 + 基本属实 + 部分属实, in %;
- 重复件: petitions linked to an earlier one about the same object and place;
- 逾期: petition_services.overdue_q on `on`.

Petitions are few (dozens per round, hundreds per province), so the rows are grouped in
Python from one query.
"""

from collections import defaultdict
from datetime import date

from inspections.choices import PETITION_HANDLED_STATUSES, PetitionStatus, VerifyResult
from inspections.models import Petition

TRUE_RESULTS = (VerifyResult.TRUE, VerifyResult.BASIC, VerifyResult.PARTLY)
COLUMNS = ("assigned", "handled", "on_time_rate", "true_rate", "repeats", "overdue")


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _row(petitions: list[Petition], on: date) -> dict:
    assigned = [p for p in petitions if p.status != PetitionStatus.RECEIVED]
    handled = [
        p
        for p in assigned
        if p.status in PETITION_HANDLED_STATUSES and p.finished_on and p.finished_on <= on
    ]
    on_time = [p for p in handled if p.reported_on and p.due_date and p.reported_on <= p.due_date]
    verified = [p for p in handled if p.verify_result]
    true = [p for p in verified if p.verify_result in TRUE_RESULTS]
    return {
        "assigned": len(assigned),
        "handled": len(handled),
        "on_time_rate": _rate(len(on_time), len(handled)),
        "true_rate": _rate(len(true), len(verified)),
        "repeats": sum(1 for p in petitions if p.duplicate_of_id),
        "overdue": sum(1 for p in assigned if p.is_overdue(on)),
    }


def compute(petitions, on: date) -> dict:
    """The figures of `petitions` (a queryset already narrowed to a scope or a region) as of
    `on`: the totals and the rows per batch, region and lead unit (JSON-able)."""
    rows = list(
        petitions.filter(received_at__lte=on).select_related("region", "handling_unit")
        if hasattr(petitions, "filter")
        else petitions
    )
    by_batch: dict[int, list] = defaultdict(list)
    by_region: dict[str, list] = defaultdict(list)
    by_unit: dict[str, list] = defaultdict(list)
    for p in rows:
        by_batch[p.batch_no].append(p)
        by_region[p.region.name].append(p)
        if p.handling_unit_id:
            by_unit[p.handling_unit.name].append(p)
    return {
        "total": {"received": len(rows), **_row(rows, on)},
        "batches": [{"name": f"第{n}批", **_row(ps, on)} for n, ps in sorted(by_batch.items())],
        "counties": [{"name": n, **_row(ps, on)} for n, ps in sorted(by_region.items())],
        "units": [{"name": n, **_row(ps, on)} for n, ps in sorted(by_unit.items())],
    }
