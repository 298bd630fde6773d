"""Writes to rounds, their feedback tree (方面 / 类 / 项) and petitions (信访件), used by the
pages, the API and the plan importer.

Same habits as rectification.services: keyword-only, office-only, scope-checked, inside a
transaction, Chinese messages on refusal. Changes to rounds and petitions write an
InspectionEvent (accounts.events.record).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from accounts import events
from accounts.choices import UnitKind
from accounts.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    database_refusal,
)
from accounts.events import EventVerb
from accounts.models import Person, Region, Unit, User
from accounts.scope import is_office, sees_region
from inspections.choices import (
    DeadlineType,
    ProblemSource,
    RoundKind,
    RoundLevel,
    RoundStatus,
)
from inspections.models import (
    FeedbackAspect,
    FeedbackCategory,
    ImportBatch,
    InspectionEvent,
    InspectionRound,
    Problem,
)


def _check_office(actor: User, region: Region) -> None:
    if not is_office(actor):
        raise NotAllowed("只有环督办可以执行此操作")
    if not sees_region(actor, region.pk):
        raise NotFound("该地区不在您的权限范围内")


@transaction.atomic
def provincial_review_by_default(level: str, kind: str) -> bool:
    """Whether a new round's tasks need 省级复核 before 公示: provincial and central rounds
    (and the Yangtze warning-film problems, accepted by the province's 长江办 [S18]) are
    reviewed by the province (docs/domain.md §1.2); a city's own rounds are not."""
    return level in (RoundLevel.PROVINCIAL, RoundLevel.CENTRAL) or kind == RoundKind.YANGTZE_FILM


def round_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    level: str,
    region: Region,
    plan_issued_on: date | None = None,
) -> InspectionRound:
    """A new inspection round in the office's region."""
    _check_office(actor, region)
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise InvalidInput("请填写督察轮次代码", field="code")
    if not name:
        raise InvalidInput("请填写督察轮次名称", field="name")
    if kind not in RoundKind.values:
        raise InvalidInput(f"未知的督察类型：{kind}", field="kind")
    if level not in RoundLevel.values:
        raise InvalidInput(f"未知的督察层级：{level}", field="level")
    if InspectionRound.objects.filter(code=code).exists():
        raise InvalidInput(f"督察轮次代码“{code}”已存在", field="code")
    sort = (
        InspectionRound.objects.order_by("-sort").values_list("sort", flat=True).first() or 0
    ) + 1
    round_ = InspectionRound.objects.create(
        code=code,
        name=name,
        kind=kind,
        level=level,
        region=region,
        plan_issued_on=plan_issued_on,
        sort=sort,
        requires_provincial_review=provincial_review_by_default(level, kind),
    )
    events.record(
        InspectionEvent,
        target=round_,
        verb=EventVerb.ROUND_CREATE,
        actor=actor,
        to_status=round_.status,
        note=f"{code} {name}",
    )
    return round_


@transaction.atomic
def aspect_create(*, actor: User, round_: InspectionRound, seq: int, title: str) -> FeedbackAspect:
    _check_office(actor, round_.region)
    if not title.strip():
        raise InvalidInput("请填写方面名称", field="title")
    try:
        with transaction.atomic():
            aspect = FeedbackAspect.objects.create(round=round_, seq=seq, title=title.strip())
    except IntegrityError:
        raise InvalidInput(f"方面序号{seq}在本轮督察中已存在", field="seq") from None
    _record(aspect, EventVerb.FEEDBACK_TREE, actor, f"新增方面：{aspect}")
    return aspect


@transaction.atomic
def category_create(
    *, actor: User, aspect: FeedbackAspect, seq: int, title: str
) -> FeedbackCategory:
    _check_office(actor, aspect.round.region)
    if not title.strip():
        raise InvalidInput("请填写类别名称", field="title")
    try:
        with transaction.atomic():
            category = FeedbackCategory.objects.create(aspect=aspect, seq=seq, title=title.strip())
    except IntegrityError:
        raise InvalidInput(f"类别序号{seq}在该方面中已存在", field="seq") from None
    _record(category, EventVerb.FEEDBACK_TREE, actor, f"新增类别：{category}")
    return category


@transaction.atomic
def problem_create(
    *,
    actor: User,
    round_: InspectionRound,
    category: FeedbackCategory | None,
    seq: int,
    code: str,
    title: str,
    original_text: str = "",
    goal: str = "",
    measures: str = "",
    deadline_type: str = DeadlineType.DATED,
    deadline: date | None = None,
    source: str = ProblemSource.FEEDBACK,
    leader: Person | None = None,
) -> Problem:
    """A feedback item (项); its tasks are added with rectification.services.task_create."""
    _check_office(actor, round_.region)
    if category is not None and category.aspect.round_id != round_.pk:
        raise InvalidInput("类别不属于该督察轮次", field="category")
    if not title.strip():
        raise InvalidInput("请填写具体问题", field="title")
    if not code.strip():
        raise InvalidInput("请填写问题编号", field="code")
    try:
        with transaction.atomic():
            problem = Problem.objects.create(
                round=round_,
                category=category,
                seq=seq,
                code=code.strip(),
                title=title.strip(),
                original_text=original_text,
                goal=goal,
                measures=measures,
                deadline_type=deadline_type,
                deadline=deadline,
                source=source,
                leader=leader,
            )
    except IntegrityError as exc:
        if Problem.objects.filter(round=round_, code=code.strip()).exists():
            raise InvalidInput(f"问题编号“{code}”在本轮督察中已存在", field="code") from None
        if Problem.objects.filter(round=round_, seq=seq).exists():
            raise InvalidInput(f"问题序号{seq}在本轮督察中已存在", field="seq") from None
        raise InvalidInput(
            f"保存问题“{title.strip()[:40]}”失败：{database_refusal(exc, Problem)}"
        ) from None
    _record(problem, EventVerb.PROBLEM_CREATE, actor, f"{problem.code} {problem.title[:80]}")
    return problem


@dataclass(frozen=True)
class NewProblem:
    """One problem for problems_create_bulk: problem_create's arguments."""

    category: FeedbackCategory | None
    seq: int
    code: str
    title: str
    original_text: str = ""
    goal: str = ""
    measures: str = ""
    deadline_type: str = DeadlineType.DATED
    deadline: date | None = None
    source: str = ProblemSource.FEEDBACK
    leader: Person | None = None


@transaction.atomic
def problems_create_bulk(
    *, actor: User, round_: InspectionRound, problems: Sequence[NewProblem], batch_size: int = 1000
) -> list[Problem]:
    """problem_create for many problems of one round (the plan import): the same checks and
    the same rows and events, written with bulk INSERTs. A refusal names the item
    (ServiceError.index) and writes nothing."""
    _check_office(actor, round_.region)
    taken = Problem.objects.filter(round=round_).values_list("code", "seq")
    codes = {code for code, _ in taken}
    seqs = {seq for _, seq in taken}
    rows = []
    for i, new in enumerate(problems):
        code, title = (new.code or "").strip(), (new.title or "").strip()
        if new.category is not None and new.category.aspect.round_id != round_.pk:
            raise InvalidInput("类别不属于该督察轮次", field="category", index=i)
        if not title:
            raise InvalidInput("请填写具体问题", field="title", index=i)
        if not code:
            raise InvalidInput("请填写问题编号", field="code", index=i)
        if new.deadline_type not in DeadlineType.values:
            raise InvalidInput("请选择时限类型", field="deadline_type", index=i)
        if code in codes or new.seq in seqs:
            raise InvalidInput(
                f"问题编号“{code}”或序号{new.seq}在本轮督察中已存在", field="code", index=i
            )
        codes.add(code)
        seqs.add(new.seq)
        rows.append(
            Problem(
                round=round_,
                category=new.category,
                seq=new.seq,
                code=code,
                title=title,
                original_text=new.original_text,
                goal=new.goal,
                measures=new.measures,
                deadline_type=new.deadline_type,
                deadline=new.deadline,
                source=new.source,
                leader=new.leader,
            )
        )
    created = Problem.objects.bulk_create(rows, batch_size=batch_size)
    events.record_many(
        InspectionEvent,
        (
            {
                "target": p,
                "verb": EventVerb.PROBLEM_CREATE,
                "actor": actor,
                "note": f"{p.code} {p.title[:80]}",
            }
            for p in created
        ),
        batch_size=batch_size,
    )
    return created


def import_batch_record(
    *,
    actor: User,
    sha256: str,
    file_name: str,
    round_: InspectionRound | None,
    row_count: int,
    task_count: int,
    summary: dict,
) -> ImportBatch:
    """Record a committed import; the unique sha256 refuses a second import of the same file
    even when two offices commit it at the same moment."""
    if not is_office(actor):
        raise NotAllowed("只有环督办可以导入整改方案")
    try:
        with transaction.atomic():
            return ImportBatch.objects.create(
                sha256=sha256,
                file_name=file_name[:255],
                round=round_,
                created_by=actor,
                row_count=row_count,
                task_count=task_count,
                summary=summary,
            )
    except IntegrityError:
        raise InvalidInput("该文件已经导入过，不能重复导入") from None


# ---------------------------------------------------------------------------------------------
# One-at-a-time edits (API and pages): the office corrects a round, its tree and its problems.

ROUND_EDITABLE = (
    "code",
    "name",
    "level",
    "kind",
    "status",
    "batch_label",
    "team_name",
    "stay_start",
    "stay_end",
    "hotline",
    "mailbox",
    "feedback_date",
    "feedback_doc_no",
    "plan_doc_no",
    "plan_issued_on",
    "report_due",
    "requires_sector_review",
    "requires_provincial_review",
    "sort",
)
PROBLEM_EDITABLE = (
    "category_id",
    "seq",
    "code",
    "title",
    "original_text",
    "goal",
    "measures",
    "deadline_type",
    "deadline",
    "source",
    "is_key",
    "leader",
)


def _visible_for_office(qs, actor: User, pk: int, what: str):
    obj = qs.visible_to(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{what}不存在或不在您的权限范围内")
    return obj


def _apply_changes(obj, changes: dict, editable: tuple[str, ...]) -> None:
    unknown = set(changes) - set(editable)
    if unknown:
        raise InvalidInput("不能修改的字段：" + "、".join(sorted(unknown)))
    for key, value in changes.items():
        if key in ("code", "name", "title"):
            value = (value or "").strip()
            if not value:
                raise InvalidInput("该项不能为空", field=key)
        setattr(obj, key, value)


def _values(obj, changes: dict) -> dict:
    """The current values of the fields a change names (unknown names are refused later)."""
    names = {f.name for f in obj._meta.concrete_fields}
    return {name: getattr(obj, name) for name in changes if name in names}


def _record(obj, verb: EventVerb, actor: User, note: str, changes: dict | None = None) -> None:
    events.record(
        InspectionEvent,
        target=obj,
        verb=verb,
        actor=actor,
        note=note[:2000],
        changes=changes or {},
    )


def _record_edit(obj, verb: EventVerb, actor: User, before: dict, *, prefix: str) -> None:
    """One event naming each changed field with its old and new value; none if nothing
    changed."""
    parts = []
    for name, old in before.items():
        new = getattr(obj, name)
        if new != old:
            label = obj._meta.get_field(name).verbose_name
            parts.append(f"{label}：{_shown(old)} → {_shown(new)}")
    if parts:
        after = {name: getattr(obj, name) for name in before}
        _record(obj, verb, actor, f"{prefix}：" + "；".join(parts), events.changes(before, after))


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _save_unique(obj, message: str, field: str):
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise InvalidInput(message, field=field) from None
    return obj


@transaction.atomic
def round_update(*, actor: User, round_: InspectionRound | int, **changes) -> InspectionRound:
    """Correct a round's registration data (dates, document numbers, status …).

    A change of status is an event of its own (ROUND_STATUS, from → to); a change of any
    other field is one ROUND_EDIT naming the fields."""
    pk = round_.pk if isinstance(round_, InspectionRound) else round_
    obj = _visible_for_office(InspectionRound.objects, actor, pk, "督察轮次")
    _check_office(actor, obj.region)
    before = {name: getattr(obj, name) for name in changes if name in ROUND_EDITABLE}
    _apply_changes(obj, changes, ROUND_EDITABLE)
    if obj.kind not in RoundKind.values:
        raise InvalidInput(f"未知的督察类型：{obj.kind}", field="kind")
    if obj.level not in RoundLevel.values:
        raise InvalidInput(f"未知的督察层级：{obj.level}", field="level")
    if obj.status not in RoundStatus.values:
        raise InvalidInput(f"未知的轮次状态：{obj.status}", field="status")
    if obj.stay_start and obj.stay_end and obj.stay_end < obj.stay_start:
        raise InvalidInput("进驻结束日期不能早于开始日期", field="stay_end")
    if InspectionRound.objects.filter(code=obj.code).exclude(pk=obj.pk).exists():
        raise InvalidInput(f"督察轮次代码“{obj.code}”已存在", field="code")
    obj = _save_unique(obj, f"督察轮次代码“{obj.code}”已存在", "code")
    changed = [name for name, old in before.items() if getattr(obj, name) != old]
    if "status" in changed:
        events.record(
            InspectionEvent,
            target=obj,
            verb=EventVerb.ROUND_STATUS,
            actor=actor,
            from_status=before["status"],
            to_status=obj.status,
            note=f"{RoundStatus(before['status']).label} → {obj.get_status_display()}",
        )
    edited = [name for name in changed if name != "status"]
    if edited:
        events.record(
            InspectionEvent,
            target=obj,
            verb=EventVerb.ROUND_EDIT,
            actor=actor,
            note="修改："
            + "、".join(str(InspectionRound._meta.get_field(f).verbose_name) for f in edited),
            changes=events.changes(
                {f: before[f] for f in edited}, {f: getattr(obj, f) for f in edited}
            ),
        )
    return obj


@transaction.atomic
def aspect_update(
    *, actor: User, aspect: FeedbackAspect, seq: int | None = None, title: str | None = None
) -> FeedbackAspect:
    _check_office(actor, aspect.round.region)
    changes = {k: v for k, v in (("seq", seq), ("title", title)) if v is not None}
    before = _values(aspect, changes)
    _apply_changes(aspect, changes, ("seq", "title"))
    aspect = _save_unique(aspect, f"方面序号{aspect.seq}在本轮督察中已存在", "seq")
    _record_edit(aspect, EventVerb.FEEDBACK_TREE, actor, before, prefix="修改方面")
    return aspect


@transaction.atomic
def category_update(
    *, actor: User, category: FeedbackCategory, seq: int | None = None, title: str | None = None
) -> FeedbackCategory:
    _check_office(actor, category.aspect.round.region)
    changes = {k: v for k, v in (("seq", seq), ("title", title)) if v is not None}
    before = _values(category, changes)
    _apply_changes(category, changes, ("seq", "title"))
    category = _save_unique(category, f"类别序号{category.seq}在该方面中已存在", "seq")
    _record_edit(category, EventVerb.FEEDBACK_TREE, actor, before, prefix="修改类别")
    return category


@transaction.atomic
def problem_update(*, actor: User, problem: Problem | int, reason: str = "", **changes) -> Problem:
    """Correct a feedback item's text, numbering, deadline, leader or classification.

    `reason` heads the event's note (a revised plan names its import batch there)."""
    pk = problem.pk if isinstance(problem, Problem) else problem
    obj = _visible_for_office(Problem.objects, actor, pk, "问题")
    _check_office(actor, obj.round.region)
    before = _values(obj, changes)
    _apply_changes(obj, changes, PROBLEM_EDITABLE)
    if obj.deadline_type not in DeadlineType.values:
        raise InvalidInput(f"未知的时限类型：{obj.deadline_type}", field="deadline_type")
    if obj.source not in ProblemSource.values:
        raise InvalidInput(f"未知的问题来源：{obj.source}", field="source")
    if obj.category_id is not None:
        category_round = (
            FeedbackCategory.objects.filter(pk=obj.category_id)
            .values_list("aspect__round_id", flat=True)
            .first()
        )
        if category_round != obj.round_id:
            raise InvalidInput("类别不属于该督察轮次", field="category")
    obj = _save_unique(obj, f"问题编号“{obj.code}”或序号{obj.seq}在本轮督察中已存在", "code")
    prefix = f"{reason}：修改问题{obj.code}" if reason else f"修改问题{obj.code}"
    _record_edit(obj, EventVerb.PROBLEM_EDIT, actor, before, prefix=prefix)
    return obj


# ---------------------------------------------------------------------------------------------
# Units named in a plan that the unit table does not know (the import preview's "创建别名" and
# "新建单位"). The office may add them without the admin, within its own region subtree.

# Kinds an office may create: not another office or an inspection body.
CREATABLE_UNIT_KINDS: tuple[str, ...] = tuple(
    k for k in UnitKind.values if k not in (UnitKind.COORD_OFFICE, UnitKind.INSPECTOR)
)


def _name_key(text: str) -> str:
    return "".join(text.split()).replace("(", "（").replace(")", "）")


def _unit_named(name: str) -> Unit | None:
    """The unit that already answers to `name` (full name, short name or alias), if any."""
    key = _name_key(name)
    for unit in Unit.objects.only("id", "name", "short_name", "aliases", "region_id"):
        if key in {_name_key(n) for n in (unit.name, unit.short_name, *unit.alias_list()) if n}:
            return unit
    return None


def _checked_unit_name(name: str, field: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("请填写单位名称", field=field)
    if len(name) > 64:
        raise InvalidInput("单位名称不能超过64字", field=field)
    return name


@transaction.atomic
def unit_alias_add(*, actor: User, unit: Unit | int, alias: str) -> Unit:
    """Another name a unit goes by in plans ("市环保局" for 市生态环境局), one line of
    Unit.aliases; refused when the name already belongs to a unit."""
    if not is_office(actor):
        raise NotAllowed("只有环督办可以为单位添加别名")
    pk = unit.pk if isinstance(unit, Unit) else unit
    unit = Unit.objects.select_for_update().filter(pk=pk, is_active=True).first()
    if unit is None or not sees_region(actor, unit.region_id):
        raise NotFound("单位不存在或不在您的权限范围内")
    alias = _checked_unit_name(alias, "alias")
    taken = _unit_named(alias)
    if taken is not None:
        where = "该单位" if taken.pk == unit.pk else f"“{taken}”"
        raise InvalidInput(f"“{alias}”已是{where}的名称或别名", field="alias")
    unit.aliases = "\n".join([*unit.alias_list(), alias])
    unit.save(update_fields=["aliases"])
    _record(unit, EventVerb.UNIT_ALIAS, actor, f"为“{unit.name}”添加别名“{alias}”")
    return unit


@transaction.atomic
def unit_create(*, actor: User, name: str, kind: str, region: Region, short_name: str = "") -> Unit:
    """A unit a plan names that the unit table lacks, in a region of the office's subtree."""
    _check_office(actor, region)
    name = _checked_unit_name(name, "name")
    short_name = " ".join((short_name or "").split())[:64]
    if kind not in CREATABLE_UNIT_KINDS:
        raise InvalidInput("请选择单位类型（环督办、督察机构不能在此新建）", field="kind")
    for text in {name, short_name} - {""}:
        taken = _unit_named(text)
        if taken is not None:
            raise InvalidInput(f"“{text}”已是单位“{taken}”的名称或别名", field="name")
    unit = Unit.objects.create(name=name, short_name=short_name, kind=kind, region=region)
    _record(unit, EventVerb.UNIT_CREATE, actor, f"新建单位“{name}”（{region.name}）")
    return unit
