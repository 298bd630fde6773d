"""The 销号 chain's rules, declared once (docs/domain.md §1.2, docs/design.md §3).

- who self-checks and what the step is called: the head of the unit that LEADS the task;
  县级自验 for a county unit, 部门自验 for a city department (self_check_label);
- which acceptance steps a task's round requires and which unit must record each
  (acceptance_chain, missing_steps);
- the evidence each site type requires, in one table (REQUIRED_EVIDENCE, missing_evidence);
- who must act next on a task (next_step), shown on the task page.

Pure functions over rows the caller has loaded: the services enforce them, the pages show them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from accounts.choices import RegionLevel, UnitKind
from rectification.choices import (
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    ReviewLevel,
    ReviewResult,
    SiteType,
    TaskStatus,
)

# ---------------------------------------------------------------------------------------------
# The self-check

SELF_CHECK_COUNTY = "县级自验"
SELF_CHECK_DEPARTMENT = "部门自验"
SELF_CHECK_UNIT = "单位自验"  # a task without a lead unit (never self-checked: nobody may)


def self_check_label(lead_unit) -> str:
    """县级自验 when the lead unit is a county's (or a township's), else 部门自验 (a city
    department or another city-level unit). Reads lead_unit.region (load it with the unit)."""
    if lead_unit is None:
        return SELF_CHECK_UNIT
    if lead_unit.region.level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
        return SELF_CHECK_COUNTY
    return SELF_CHECK_DEPARTMENT


def review_level_label(level: str, lead_unit) -> str:
    """The label of a review level, with the self-check named after the lead unit."""
    if level == ReviewLevel.COUNTY:
        return self_check_label(lead_unit)
    if level == ReviewLevel.PROVINCIAL:
        return PROVINCIAL_STEP
    return str(ReviewLevel(level).label)


# ---------------------------------------------------------------------------------------------
# The acceptance chain

CITY_STEP = "市级验收"
SECTOR_STEP = "行业部门认定"
PROVINCIAL_STEP = "省级复核"


@dataclass(frozen=True)
class Step:
    level: str  # ReviewLevel
    label: str
    who: str  # the unit (or kind of unit) that records it, for messages and the task page
    unit_id: int | None = None  # 行业部门认定: the sector unit that must record it


def acceptance_chain(round_, sector_units: Iterable) -> list[Step]:
    """The steps after the self-check that a task of `round_` needs before 公示, in order.

    sector_units: the units assigned to the task as SECTOR (行业主管部门). The office's own
    acceptance (市级验收) comes last: it is the move that starts 公示."""
    steps = []
    if round_.requires_sector_review:
        steps += [Step(ReviewLevel.SECTOR, SECTOR_STEP, u.display_name, u.pk) for u in sector_units]
    if round_.requires_provincial_review:
        steps.append(Step(ReviewLevel.PROVINCIAL, PROVINCIAL_STEP, PROVINCIAL_WHO))
    steps.append(Step(ReviewLevel.CITY, CITY_STEP, "环督办"))
    return steps


def chain_text(steps: list[Step]) -> str:
    """ "行业部门认定（市林业局）→省级复核→市级验收"."""
    return "→".join(
        f"{s.label}（{s.who}）" if s.level == ReviewLevel.SECTOR else s.label for s in steps
    )


# ---------------------------------------------------------------------------------------------
# 省级复核: who may record it (docs/domain.md §1.2: provincial rounds are reviewed by the province)

PROVINCIAL_WHO = "省级环督办登记，或市级环督办凭省级复核文件登记"
PROVINCIAL_RULE = (
    "省级复核须由省级环督办本单位账号登记，或由市级环督办凭省级复核文件（文号、日期、扫描件）登记"
)


def provincial_review_refusal(unit) -> str | None:
    """Why an account of `unit` (region loaded) may not record a 省级复核; None if it may.

    A provincial office (a 环督办 whose region is the province) records it in its own name; a
    city office records it on receipt of the province's document (provincial_needs_document).
    A county office, a unit or an account without a unit may not."""
    if unit is None or unit.kind != UnitKind.COORD_OFFICE:
        return f"{PROVINCIAL_RULE}：本单位不能登记省级复核"
    if unit.region.level in (RegionLevel.PROVINCE, RegionLevel.CITY):
        return None
    return f"{PROVINCIAL_RULE}：县级环督办不能登记省级复核"


def provincial_needs_document(unit) -> bool:
    """Whether a 省级复核 recorded by `unit` needs the province's document (the city office)."""
    return unit.region.level != RegionLevel.PROVINCE


def provincial_review_valid(review) -> bool:
    """Whether a recorded 省级复核 counts: by a provincial office, or by a city office with the
    province's document number, date and scan (review.unit and its region loaded)."""
    unit = review.unit
    if unit is None or provincial_review_refusal(unit) is not None:
        return False
    if not provincial_needs_document(unit):
        return True
    return (
        bool(review.document_no) and review.document_date is not None and bool(review.document_id)
    )


def _recorded_by_right_unit(review, step: Step) -> bool:
    if review.level != step.level:
        return False
    if step.level == ReviewLevel.SECTOR:
        return review.unit_id == step.unit_id
    if step.level == ReviewLevel.PROVINCIAL:
        return provincial_review_valid(review)
    # 市级验收 is recorded by an office.
    return review.unit is not None and review.unit.kind == UnitKind.COORD_OFFICE


def step_passed(step: Step, reviews: Iterable) -> bool:
    """Whether the latest review of the step recorded by the right unit passed (reviews in
    recording order, each with its unit loaded)."""
    latest = None
    for review in reviews:
        if _recorded_by_right_unit(review, step):
            latest = review
    return latest is not None and latest.result == ReviewResult.PASS


def missing_steps(
    round_, sector_units: list, reviews: list, *, skip_city: bool = False
) -> list[Step]:
    """The required steps not (yet) passed by the right unit. skip_city: the office's
    acceptance being made now (closeout_accept records it)."""
    return [
        step
        for step in acceptance_chain(round_, sector_units)
        if not (skip_city and step.level == ReviewLevel.CITY) and not step_passed(step, reviews)
    ]


def sector_units_of(assignments: Iterable) -> list:
    """The SECTOR units among a task's loaded assignments (unit loaded)."""
    return [a.unit for a in assignments if a.role == AssignmentRole.SECTOR]


# ---------------------------------------------------------------------------------------------
# Evidence by site type


@dataclass(frozen=True)
class EvidenceRule:
    label: str
    kinds: frozenset[str]  # any one of them satisfies the rule


def _rule(label: str, *kinds: str) -> EvidenceRule:
    return EvidenceRule(label, frozenset(kinds))


# Every close-out: before and after evidence (photos or documents).
GENERAL_EVIDENCE = (
    _rule("整改前", AttachmentKind.BEFORE),
    _rule("整改后", AttachmentKind.AFTER),
)

# The one table of evidence required by site type, on top of GENERAL_EVIDENCE (docs/domain.md
# §1.2: 监测报告, 竣工/处罚文书). 违法建设: the 拆除前后照片 are the general before/after.
REQUIRED_EVIDENCE: dict[str, tuple[EvidenceRule, ...]] = {
    SiteType.OUTFALL: (_rule("监测报告", AttachmentKind.MONITORING),),
    SiteType.SEWAGE_PLANT: (_rule("出水监测报告", AttachmentKind.MONITORING),),
    SiteType.ILLEGAL_BUILDING: (
        _rule("处罚决定书或拆除文书", AttachmentKind.PENALTY, AttachmentKind.DEMOLITION),
    ),
}


def evidence_rules(site_type: str) -> tuple[EvidenceRule, ...]:
    return GENERAL_EVIDENCE + REQUIRED_EVIDENCE.get(site_type, ())


def missing_evidence(site_type: str, kinds: Iterable[str]) -> list[EvidenceRule]:
    have = set(kinds)
    return [rule for rule in evidence_rules(site_type) if not rule.kinds & have]


def evidence_message(site_type: str, missing: list[EvidenceRule]) -> str:
    """ "整改后的佐证材料（照片或文件）；按点位类型“入河排污口”须具备的监测报告"."""
    general = [r.label for r in missing if r in GENERAL_EVIDENCE]
    specific = [r.label for r in missing if r not in GENERAL_EVIDENCE]
    parts = []
    if general:
        parts.append("和".join(general) + "的佐证材料（照片或文件）")
    if specific:
        site = SiteType(site_type).label if site_type in SiteType.values else site_type
        parts.append(f"按点位类型“{site}”须具备的" + "、".join(specific))
    return "；".join(parts)


# ---------------------------------------------------------------------------------------------
# Who must act next


def next_step(
    task,
    *,
    lead_unit,
    open_app,
    reviews: list,
    sector_units: list,
    office_name: str,
    today: date,
) -> str:
    """One sentence for the task page: who must act next, from the task's and its open
    application's state (e.g. "待 市住建局 单位审核人 部门自验")."""
    lead = lead_unit.display_name if lead_unit is not None else "牵头单位"
    status = task.status
    if status == TaskStatus.CLOSED:
        return "已销号"
    if status in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS):
        return f"待 {lead} 推进整改、按月报送进展，完成后申请销号"
    if open_app is None:
        return ""
    if status == TaskStatus.APPLIED and open_app.status == CloseoutStatus.SUBMITTED:
        return f"待 {lead} 单位审核人 {self_check_label(lead_unit)}"
    if status == TaskStatus.IN_REVIEW:
        for step in missing_steps(task.round, sector_units, reviews, skip_city=True):
            if step.level == ReviewLevel.SECTOR:
                return f"待 {step.who} 单位审核人 {SECTOR_STEP}"
            return f"待 省级环督办 登记{PROVINCIAL_STEP}意见（或 {office_name} 凭省级复核文件登记）"
        return f"待 {office_name} {CITY_STEP}"
    if status == TaskStatus.PUBLICIZING:
        notice = getattr(open_app, "notice", None)
        if notice is None:
            return f"待 {office_name} 销号"
        if notice.end_date >= today:
            return f"公示中，至 {notice.end_date:%Y-%m-%d} 期满后销号"
        return f"公示期满，待 {office_name} 销号"
    return ""
