"""Turn sheet rows into a plan of what the import will create, collecting every error.

Nothing is written here: the preview shows the plan, and the committer creates it. Errors
name the row (as Excel numbers it), the column header as written in the file, and the reason.
"""

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.choices import UnitKind
from accounts.models import Person, Region, Unit, User
from accounts.scope import scope_of
from exchange.plan_import.cells import (
    Deadline,
    UnitNames,
    is_aspect_heading,
    is_category_heading,
    parse_deadline,
    parse_numbering,
    parse_units,
    split_names,
)
from exchange.plan_import.columns import COLUMN_BY_KEY, REQUIRED_GROUPS
from exchange.plan_import.errors import ImportRefused, RowError, UnknownUnitError
from exchange.plan_import.footers import IgnoredRow
from exchange.plan_import.groups import (
    DEFAULT_MODE,
    MODE_DROP,
    MODE_ONE,
    MODE_SPLIT,
    GroupError,
    GroupResolver,
    GroupUse,
    RowGroups,
    expand,
)
from exchange.plan_import.headers import IgnoredColumn
from exchange.plan_import.options import ImportOptions
from exchange.plan_import.reader import SheetData, SheetRow
from exchange.plan_import.suggestions import Suggester
from inspections.choices import DeadlineType, ProblemSource, RoundKind, RoundLevel
from inspections.models import (
    FeedbackAspect,
    FeedbackCategory,
    InspectionRound,
    Problem,
)
from rectification.choices import AssignmentRole, SiteType
from rectification.models import Task

if TYPE_CHECKING:
    from exchange.plan_import.diff import PlanDiff

MAX_ERRORS_SHOWN = 200
# Model field sizes, checked here so that a long cell is a row error and not a database error.
MAX_LEN = {
    "problem": 500,
    "point": 300,
    "address": 300,
    "water_body": 64,
    "task_code": 32,
    "problem_code": 32,
    "aspect": 300,
    "category": 300,
    "township": 64,
}
MAX_TEXT = 20_000
# Columns a warning may name that the column spec does not (yet) list.
_WARNING_HEADERS = {"deadline_stage": "阶段目标"}
# Title cells: a line break typed inside the cell (Alt+Enter, or a pasted U+2028) is one space.
TITLE_KEYS = frozenset({"problem", "point", "aspect", "category", "address", "township"})
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c]+\s*")
# "市林业局（行业主管部门）" in 配合单位: the sector authority that certifies completion.
_SECTOR = re.compile(
    r"[（(]行业主管(?:部门)?[）)]?$"
)  # 整改措施, 问题描述 … (TextField), a guard against pasted garbage


@dataclass(frozen=True)
class Target:
    """Where the rows go: an existing round, a new round from the form, or the rounds the
    file names in its 督察轮次 column (created from its summary sheet when missing)."""

    mode: str  # "existing" | "new" | "file"
    round: InspectionRound | None = None
    new_round: dict | None = None  # code, name, kind, level, region (Region)


@dataclass
class PlannedRound:
    key: str
    existing: InspectionRound | None
    code: str
    name: str
    kind: str = RoundKind.OTHER
    level: str = RoundLevel.CITY
    region: Region | None = None
    plan_issued_on: object = None


@dataclass
class PlannedAspect:
    round_key: str
    seq: int
    title: str
    existing: FeedbackAspect | None = None
    categories: dict[str, "PlannedCategory"] = field(default_factory=dict)


@dataclass
class PlannedCategory:
    aspect: PlannedAspect
    seq: int
    title: str
    existing: FeedbackCategory | None = None


@dataclass
class PlannedUnit:
    unit: Unit
    role: str
    person: Person | None = None

    @property
    def role_label(self) -> str:
        return str(AssignmentRole(self.role).label)


@dataclass
class PlannedTask:
    row: int
    code: str
    name: str
    region: Region
    units: list[PlannedUnit]
    deadline: Deadline
    goal: str = ""
    measures: str = ""
    address: str = ""
    water_body: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    is_point: bool = True
    site_type: str = SiteType.OTHER
    # Everything the preview warns about this task's row (filled in by the Plan).
    warnings: list[str] = field(default_factory=list)
    # 整改时限/阶段目标 as written, for the deadline parser (stage dates become milestones).
    deadline_stage: str = ""
    code_given: bool = False  # the file wrote the 点位编号 (else the importer numbered it)

    @property
    def deadline_label(self) -> str:
        d = self.deadline
        parts = [f"{d.deadline:%Y-%m-%d}"] if d.deadline else []
        if d.deadline_type != DeadlineType.DATED or not d.deadline:
            parts.append(str(DeadlineType(d.deadline_type).label))
        if d.is_ongoing and d.deadline_type != DeadlineType.ONGOING:
            parts.append("长期坚持")
        return "，".join(parts)


@dataclass
class PlannedProblem:
    row: int
    round_key: str
    code: str
    seq: int
    title: str
    category: PlannedCategory | None
    existing: Problem | None = None
    original_text: str = ""
    goal: str = ""
    measures: str = ""
    source: str = ProblemSource.FEEDBACK
    leader: Person | None = None
    tasks: list[PlannedTask] = field(default_factory=list)
    code_given: bool = False  # the file wrote the 问题编号 (else the importer numbered it)


@dataclass
class Plan:
    sheet_title: str
    headers: dict[str, str]
    ignored_headers: list[str]
    rows: int
    rounds: dict[str, PlannedRound]
    aspects: dict[tuple[str, str], PlannedAspect]
    problems: dict[tuple[str, str], PlannedProblem]
    # RowError (row, column, message) or, for older callers, a "第N行：…" sentence.
    warnings: list[RowError | str]
    # Columns and rows of the file that are not imported, each with its reason / text.
    ignored_columns: list[IgnoredColumn] = field(default_factory=list)
    ignored_rows: list[IgnoredRow] = field(default_factory=list)
    # What the rounds already hold of this plan (exchange.plan_import.diff.compare).
    diff: "PlanDiff | None" = None
    # Rows naming a group of units (groups.py): what each expands to and how (row → groups).
    groups: dict[int, RowGroups] = field(default_factory=dict)

    def __post_init__(self):
        by_row: dict[int, list[str]] = {}
        for warning in self.row_warnings:
            if warning.row:
                by_row.setdefault(warning.row, []).append(warning.message)
        for task in self.tasks:
            task.warnings = by_row.get(task.row, [])

    @property
    def row_warnings(self) -> list[RowError]:
        """Every warning as (row, column, message), for the preview page and API."""
        return [w if isinstance(w, RowError) else _row_warning(w) for w in self.warnings]

    def fingerprint(self) -> str:
        """A digest of every task and assignment the plan creates: the commit refuses a plan
        that differs from the preview the office confirmed (the unit table or a choice changed)."""
        parts = []
        for task in self.tasks:
            units = ",".join(f"{u.unit.pk}{u.role}" for u in task.units)
            parts.append(f"{task.row}|{task.code}|{task.name}|{task.region.pk}|{units}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @property
    def tasks(self) -> list[PlannedTask]:
        return [t for p in self.problems.values() for t in p.tasks]

    def counts(self) -> dict[str, int]:
        categories = [c for a in self.aspects.values() for c in a.categories.values()]
        return {
            "rows": self.rows,
            "rounds": sum(1 for r in self.rounds.values() if r.existing is None),
            "aspects": sum(1 for a in self.aspects.values() if a.existing is None),
            "categories": sum(1 for c in categories if c.existing is None),
            "problems": sum(1 for p in self.problems.values() if p.existing is None),
            "tasks": len(self.tasks),
            "assignments": sum(len(t.units) for t in self.tasks),
        }

    def headline(self) -> str:
        """ "N方面N类N项" of what the file describes."""
        aspects = len(self.aspects)
        categories = sum(len(a.categories) for a in self.aspects.values())
        problems = len(self.problems)
        if aspects:
            return f"{aspects}方面{categories}类{problems}项"
        return f"{problems}项"

    def summary(self) -> dict:
        return {
            "headline": self.headline(),
            "counts": self.counts(),
            "rounds": [
                {"code": r.code, "name": r.name, "new": r.existing is None}
                for r in self.rounds.values()
            ],
            "warnings": [str(w) for w in self.warnings[:50]],
            "ignored_columns": [f"{c.column}列 {c.header}" for c in self.ignored_columns],
            # How each row's county group became tasks (kept with the batch).
            "group_modes": {str(r): g.mode for r, g in self.groups.items() if g.modes_allowed},
        }


_ROW_PREFIX = re.compile(r"^第(\d+)行[：:]")


def _row_warning(text: str) -> RowError:
    m = _ROW_PREFIX.match(text)
    if m is None:
        return RowError(None, "", text)
    return RowError(int(m[1]), "", text[m.end() :])


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text).replace("(", "（").replace(")", "）")


class UnknownUnit(ValueError):
    """A name that is neither a unit's name, short name or alias, nor mapped by the office."""


class UnitIndex:
    """Unit names, short names and aliases → unit. '示范市住房和城乡建设局' also answers to
    '市住房和城乡建设局' (the city prefix that local documents leave out). `mapped`: the
    names the office resolved for this file ("使用此单位"), checked first."""

    def __init__(self, mapped: dict[str, int] | None = None):
        self.by_name: dict[str, set[int]] = {}
        self.units: dict[int, Unit] = {}
        self.gov_by_region: dict[int, Unit] = {}
        for unit in Unit.objects.filter(is_active=True).select_related("region"):
            self.units[unit.pk] = unit
            names = {unit.name, unit.short_name, *unit.alias_list()}
            m = re.match(r"^.{1,8}?[市州盟]((?:人民政府|市委|[^市]).*)$", unit.name)
            if m and unit.region.name and unit.name.startswith(unit.region.name):
                names.add("市" + unit.name[len(unit.region.name) :])
            for name in names:
                if name:
                    self.by_name.setdefault(_norm(name), set()).add(unit.pk)
            if unit.kind == UnitKind.GOV:
                self.gov_by_region.setdefault(unit.region_id, unit)
        self.mapped = {_norm(name): pk for name, pk in (mapped or {}).items()}
        unknown = [name for name, pk in (mapped or {}).items() if pk not in self.units]
        if unknown:
            raise ImportRefused(f"所选单位不存在或已停用（{'、'.join(unknown)}），请重新选择")

    def find(self, name: str, *, within: Region | None = None) -> Unit:
        key = _norm(name)
        if key in self.mapped:
            return self.units[self.mapped[key]]
        found = self.by_name.get(key, set())
        if not found:
            raise UnknownUnit(f"单位“{name}”不在单位表中")
        if len(found) > 1 and within is not None:
            # "市生态环境局" in a province of twenty cities: the one in the round's region.
            found = {
                pk for pk in found if self.units[pk].region.path.startswith(within.path)
            } or found
        if len(found) > 1:
            raise ValueError(f"单位名称“{name}”对应多个单位，请填写全称")
        return self.units[next(iter(found))]


class RegionIndex:
    def __init__(self, user: User):
        scope = scope_of(user)
        qs = Region.objects.all()
        if scope.region_ids:
            qs = qs.filter(pk__in=scope.region_ids)
        self.regions = {r.pk: r for r in qs}
        self.by_name: dict[str, list[Region]] = {}
        self.by_code: dict[str, Region] = {}
        for region in self.regions.values():
            self.by_code[region.code] = region
            names = {region.name}
            short = re.sub(r"(自治县|县|区|市)$", "", region.name)
            if len(short) >= 2:
                names.add(short)
            for name in names:
                self.by_name.setdefault(_norm(name), []).append(region)

    def common_ancestor(self, region_ids) -> Region | None:
        """The lowest region (visible to the actor) above all of `region_ids`."""
        paths = [self.regions[pk].path for pk in region_ids if pk in self.regions]
        if not paths:
            return None
        common = paths[0].split("/")[:-1]
        for path in paths[1:]:
            parts = path.split("/")[:-1]
            n = 0
            while n < min(len(common), len(parts)) and common[n] == parts[n]:
                n += 1
            common = common[:n]
        while common:
            found = self.by_code.get(common[-1])
            if found is not None:
                return found
            common = common[:-1]
        return None

    def find(self, text: str) -> Region:
        key = _norm(text)
        if key in self.by_code:
            return self.by_code[key]
        found = self.by_name.get(key) or self.by_name.get(re.sub(r"(自治县|县|区|市)$", "", key))
        if not found:
            raise ValueError(f"所在区县“{text}”不在您管辖的行政区划中")
        return found[0]


class PlanBuilder:
    def __init__(
        self,
        sheet: SheetData,
        *,
        actor: User,
        target: Target,
        options: ImportOptions | None = None,
    ):
        self.sheet = sheet
        self.actor = actor
        self.target = target
        self.options = options or ImportOptions()
        self.errors: list[RowError] = []
        self.warnings: list[RowError | str] = []
        self.units = UnitIndex(self.options.unit_map)
        self.regions = RegionIndex(actor)
        self.groups = GroupResolver(
            regions=self.regions.regions,
            units=self.units.units,
            find_region=self.regions.find,
            find_unit=self.units.find,
        )
        self.suggester = Suggester(
            self.units.by_name,
            self.units.units,
            prefer=lambda unit: unit.region_id in self.regions.regions,
        )
        self.row_groups: dict[int, RowGroups] = {}
        self.rounds: dict[str, PlannedRound] = {}
        self.aspects: dict[tuple[str, str], PlannedAspect] = {}
        self.problems: dict[tuple[str, str], PlannedProblem] = {}
        self.task_codes: dict[tuple[str, str], int] = {}
        self.task_names: dict[tuple[int, str], int] = {}
        self.problem_codes: dict[tuple[str, str], tuple[str, int]] = {}
        self._existing_task_codes: dict[str, set[str]] = {}
        self._existing_problem_codes: dict[str, set[str]] = {}
        # Per round: the seqs and codes the round's problems hold, read once, plus those the
        # file plans (kept up to date as problems are planned: no scan per row).
        self._round_seqs: dict[str, set[int]] = {}
        self._existing_problems: dict[str, dict[str, Problem]] = {}
        self._unit_people: dict[tuple[str, int], Person | None] = {}
        self._planned_codes: dict[str, set[str]] = {}
        self._people = {}
        self._file_rounds = {}
        for record in sheet.round_sheet:
            for key in ("代码", "名称"):
                self._file_rounds[_norm(_text(record[key]))] = record

    # -- helpers ---------------------------------------------------------------------------

    def error(self, row: int | None, key: str, message: str) -> None:
        header = self.sheet.headers.get(key) or (
            COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key
        )
        self.errors.append(RowError(row, header, message))

    def warn(self, row: int | None, key: str, message: str) -> None:
        """Something the import assumed: shown in the preview with the row and column."""
        header = self.sheet.headers.get(key) or (
            COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else _WARNING_HEADERS.get(key, key)
        )
        self.warnings.append(RowError(row, header, message))

    def cell(self, row: SheetRow, key: str) -> str:
        text = _text(row.values.get(key))
        if key in TITLE_KEYS:
            text = _LINE_BREAKS.sub(" ", text)
        limit = MAX_LEN.get(key, MAX_TEXT)
        if len(text) > limit:
            self.error(row.number, key, f"内容过长（{len(text)}字），不能超过{limit}字")
            return text[:limit]
        return text

    # -- rounds ----------------------------------------------------------------------------

    def round_for(self, row: SheetRow) -> PlannedRound | None:
        mode = self.target.mode
        if mode == "existing":
            r = self.target.round
            return self.rounds.setdefault(
                r.code,
                PlannedRound(
                    r.code, r, r.code, r.name, r.kind, r.level, r.region, r.plan_issued_on
                ),
            )
        if mode == "new":
            spec = self.target.new_round
            key = spec["code"]
            if key not in self.rounds:
                self.rounds[key] = PlannedRound(
                    key,
                    None,
                    spec["code"],
                    spec["name"],
                    spec["kind"],
                    spec["level"],
                    spec["region"],
                )
            return self.rounds[key]
        name = _text(row.values.get("round"))
        if not name:
            self.error(row.number, "round", "督察轮次为空（按文件中的督察轮次导入时必须填写）")
            return None
        key = _norm(name)
        if key in self.rounds:
            return self.rounds[key]
        existing = (
            InspectionRound.objects.visible_to(self.actor)
            .filter(Q(code=name) | Q(name=name))
            .select_related("region")
            .first()
        )
        if existing:
            planned = PlannedRound(
                key,
                existing,
                existing.code,
                existing.name,
                existing.kind,
                existing.level,
                existing.region,
                existing.plan_issued_on,
            )
        else:
            record = self._file_rounds.get(key)
            if record is None:
                self.error(row.number, "round", f"督察轮次“{name}”不存在，且文件中没有该轮次的说明")
                return None
            planned = self._round_from_record(row, record)
            if planned is None:
                return None
        # Several spellings (code, name) of one round share one entry.
        for alias in {key, _norm(planned.code), _norm(planned.name)}:
            self.rounds.setdefault(alias, planned)
        return planned

    def _round_from_record(self, row: SheetRow, record: dict) -> PlannedRound | None:
        code, name = _text(record["代码"]), _text(record["名称"])
        kinds = {str(label): value for value, label in RoundKind.choices}
        levels = {str(label): value for value, label in RoundLevel.choices}
        kind = kinds.get(_text(record["类型"]), _text(record["类型"]))
        level = levels.get(_text(record["层级"]), _text(record["层级"]))
        if kind not in RoundKind.values or level not in RoundLevel.values:
            self.error(row.number, "round", f"督察轮次“{name}”的类型或层级无法识别")
            return None
        try:
            region = self.regions.find(_text(record["被督察地区"]))
        except ValueError as exc:
            self.error(row.number, "round", str(exc))
            return None
        if InspectionRound.objects.filter(code=code).exists():
            self.error(row.number, "round", f"督察轮次代码“{code}”已被您权限范围外的轮次使用")
            return None
        return PlannedRound(_norm(name), None, code, name, kind, level, region)

    # -- tree ------------------------------------------------------------------------------

    def aspect_for(self, rnd: PlannedRound, text: str) -> PlannedAspect:
        numbered = parse_numbering(text)
        title = numbered.title or text
        key = (rnd.key, _norm(title))
        if key in self.aspects:
            return self.aspects[key]
        existing = None
        if rnd.existing:
            existing = FeedbackAspect.objects.filter(round=rnd.existing, title=title).first()
        if existing:
            seq = existing.seq
        else:
            taken = {a.seq for a in self.aspects.values() if a.round_key == rnd.key}
            if rnd.existing:
                taken |= set(
                    FeedbackAspect.objects.filter(round=rnd.existing).values_list("seq", flat=True)
                )
            seq = (
                numbered.seq
                if numbered.seq and numbered.seq not in taken
                else max(taken or {0}) + 1
            )
        aspect = PlannedAspect(rnd.key, seq, title, existing)
        self.aspects[key] = aspect
        return aspect

    def category_for(self, aspect: PlannedAspect, text: str) -> PlannedCategory:
        numbered = parse_numbering(text)
        title = numbered.title or text
        key = _norm(title)
        if key in aspect.categories:
            return aspect.categories[key]
        existing = None
        if aspect.existing:
            existing = FeedbackCategory.objects.filter(aspect=aspect.existing, title=title).first()
        if existing:
            seq = existing.seq
        else:
            taken = {c.seq for c in aspect.categories.values()}
            if aspect.existing:
                taken |= set(
                    FeedbackCategory.objects.filter(aspect=aspect.existing).values_list(
                        "seq", flat=True
                    )
                )
            # Categories are numbered across the round (1…7), so the next free number follows
            # the round's highest one.
            round_max = max(
                (
                    c.seq
                    for a in self.aspects.values()
                    if a.round_key == aspect.round_key
                    for c in a.categories.values()
                ),
                default=0,
            )
            seq = (
                numbered.seq
                if numbered.seq and numbered.seq not in taken
                else max(round_max, *taken, 0) + 1
            )
        category = PlannedCategory(aspect, seq, title, existing)
        aspect.categories[key] = category
        return category

    def leader_for(self, row: SheetRow, text: str) -> Person | None:
        if not text:
            return None
        if text not in self._people:
            self._people[text] = (
                Person.objects.filter(Q(name=text) | Q(title=text))
                .order_by("-is_leader", "id")
                .first()
            )
        if self._people[text] is None:
            self.warnings.append(f"第{row.number}行：责任领导“{text}”不在人员表中，已忽略")
        return self._people[text]

    # -- rows ------------------------------------------------------------------------------

    def build(self) -> Plan:
        rows = self.sheet.rows
        if not rows:
            raise ImportRefused("表格只有表头，没有数据行")
        present = set(self.sheet.headers)
        for group, label in REQUIRED_GROUPS:
            if not present.intersection(group) and not (
                label == "牵头单位" and "packed" in present
            ):
                raise ImportRefused(
                    f"缺少必需的列“{label}”（可用列名：{'、'.join(self._names(group))}）",
                    [RowError(self.sheet.header_row, label, "缺少必需的列")],
                )
        if self.target.mode == "file" and "round" not in present:
            raise ImportRefused(
                "按文件中的督察轮次导入时，表格必须有“督察轮次”列",
                [RowError(self.sheet.header_row, "督察轮次", "缺少必需的列")],
            )
        context_aspect: str = ""
        context_category: str = ""
        previous: dict[str, object] = {}
        data_rows = 0
        for row in rows:
            values = row.values
            lone = row.lone_text
            if (
                lone
                and not values.get("deadline")
                and (is_aspect_heading(lone) or is_category_heading(lone))
            ):
                if is_category_heading(lone):
                    context_category = lone
                else:
                    context_aspect, context_category = lone, ""
                continue
            data_rows += 1
            for key in row.formulas:
                self.error(row.number, key, "单元格含有公式，请复制后“选择性粘贴为数值”再导入")
            if row.formulas:
                continue
            has_problem = bool(values.get("problem") or values.get("description"))
            if not has_problem and (values.get("point") or values.get("task_code")) and previous:
                # A task row under the problem above whose cells were left blank, not merged.
                for key in (
                    "problem",
                    "problem_code",
                    "description",
                    "aspect",
                    "category",
                    "round",
                    "leader",
                    "source",
                ):
                    if values.get(key) is None:
                        values[key] = previous.get(key)
            if not (values.get("problem") or values.get("description")):
                self.error(row.number, "problem", "具体问题为空")
                continue
            if values.get("aspect") is None and context_aspect:
                values["aspect"] = context_aspect
            if values.get("category") is None and context_category:
                values["category"] = context_category
            previous = dict(values)
            self.add_row(row)
        if not data_rows:
            raise ImportRefused("表格只有表头，没有数据行")
        self._check_group_overrides()
        if self.errors:
            raise ImportRefused(self._error_summary(), self.errors[:MAX_ERRORS_SHOWN])
        unique_rounds = {id(r): r for r in self.rounds.values()}
        for problem in self.problems.values():
            _keep_point_texts_on_points(problem)
        return Plan(
            self.sheet.sheet_title,
            self.sheet.headers,
            self.sheet.ignored_headers,
            data_rows,
            {r.key: r for r in unique_rounds.values()},
            self.aspects,
            self.problems,
            self.sheet.warnings + self.warnings,
            ignored_columns=self.sheet.ignored_columns,
            ignored_rows=self.sheet.ignored_rows,
            groups=self.row_groups,
        )

    def _names(self, group) -> list[str]:
        names = []
        for key in group:
            if key in COLUMN_BY_KEY:
                names.append(COLUMN_BY_KEY[key].header)
            elif key == "responsible":
                names.append("责任单位")
        return names

    def _error_summary(self) -> str:
        n = len(self.errors)
        more = f"（仅列出前{MAX_ERRORS_SHOWN}处）" if n > MAX_ERRORS_SHOWN else ""
        return f"发现{n}处错误，未导入任何数据{more}。请修改后重新上传。"

    def add_row(self, row: SheetRow) -> None:
        before = len(self.errors)
        rnd = self.round_for(row)
        if rnd is None:
            return
        aspect_text = self.cell(row, "aspect")
        category_text = self.cell(row, "category")
        aspect = self.aspect_for(rnd, aspect_text) if aspect_text else None
        category = None
        if category_text:
            if aspect is None:
                self.error(row.number, "category", f"类别“{category_text}”缺少所属方面")
            else:
                category = self.category_for(aspect, category_text)
        problem = self.problem_for(row, rnd, category)
        deadline = self.deadline_for(row, rnd)
        variants = self.units_for(row, rnd)
        regions = [self.region_for(row, units, rnd, county) for county, units in variants or ()]
        if problem is None or deadline is None or variants is None or None in regions:
            return
        lat = self.coordinate(row, "lat", 90)
        lng = self.coordinate(row, "lng", 180)
        point = self.cell(row, "point")
        address = self.cell(row, "address")
        township = self.cell(row, "township")
        base_name = point or address or _titled(problem.title, township)
        if township and not address.startswith(township):
            # Task has no township field: the 乡镇（街道） column opens the location text.
            address = (township + address)[: MAX_LEN["address"]]
        base_code = self.cell(row, "task_code")
        if len(self.errors) > before:
            return
        for n, ((county, units), region) in enumerate(zip(variants, regions, strict=True), 1):
            name, code = base_name, base_code
            if county is not None and len(variants) > 1:
                # One task per county of a group: "<point>（东城区）", "<code>-1" …
                suffix = f"（{county.name}）"
                name = base_name[: MAX_LEN["point"] - len(suffix)] + suffix
                if base_code:
                    code = f"{base_code}-{n}"[: MAX_LEN["task_code"]]
            is_point = county is not None or bool(point or lat is not None or address)
            added = self._add_task(
                row,
                rnd,
                problem,
                name=name,
                code=code,
                point=point,
                units=units,
                region=region,
                deadline=deadline,
                address=address,
                lat=lat,
                lng=lng,
                is_point=is_point,
                site_type=SiteType.OTHER if is_point else SiteType.INSTITUTIONAL,
                deadline_stage=_text(row.values.get("deadline_stage")),
                code_given=bool(base_code),
            )
            if not added:
                return

    def _add_task(self, row, rnd, problem, *, name, code, point, units, **fields) -> bool:
        name_key = (id(problem), _norm(name))
        if name_key in self.task_names:
            self.error(
                row.number,
                "point" if point else "problem",
                f"重复的问题/点位“{name[:40]}”（与第{self.task_names[name_key]}行相同）",
            )
            return False
        if not code:
            code = self._next_task_code(rnd, problem)
        elif (rnd.key, code) in self.task_codes:
            self.error(
                row.number,
                "task_code",
                f"点位编号“{code}”重复（与第{self.task_codes[(rnd.key, code)]}行相同）",
            )
            return False
        self.task_names[name_key] = row.number
        self.task_codes[(rnd.key, code)] = row.number
        person_name = self.cell(row, "person")
        if person_name:
            lead = next(u for u in units if u.role == AssignmentRole.LEAD)
            lead.person = self._person(person_name, lead.unit)
            if lead.person is None:
                self.warnings.append(
                    f"第{row.number}行：责任人“{person_name}”不在{lead.unit}的人员表中，已忽略"
                )
        problem.tasks.append(
            PlannedTask(
                row=row.number,
                code=code,
                name=name,
                units=units,
                goal=self.cell(row, "goal"),
                measures=self.cell(row, "measures"),
                water_body=self.cell(row, "water_body"),
                **fields,
            )
        )
        return True

    def _round_task_codes(self, rnd: PlannedRound) -> set[str]:
        if rnd.existing is None:
            return set()
        if rnd.key not in self._existing_task_codes:
            self._existing_task_codes[rnd.key] = set(
                Task.objects.filter(round=rnd.existing).values_list("code", flat=True)
            )
        return self._existing_task_codes[rnd.key]

    def _next_task_code(self, rnd: PlannedRound, problem: PlannedProblem) -> str:
        n = len(problem.tasks) + 1
        if problem.existing:
            n += problem.existing.tasks.count()
        taken = self._round_task_codes(rnd)
        while True:
            code = f"{problem.code}-{n}"[:32]
            if code not in taken and (rnd.key, code) not in self.task_codes:
                return code
            n += 1

    def problem_for(self, row: SheetRow, rnd: PlannedRound, category) -> PlannedProblem | None:
        title_cell = self.cell(row, "problem")
        description = self.cell(row, "description")
        numbered = parse_numbering(title_cell) if title_cell else parse_numbering("")
        title = numbered.title or title_cell
        if not title:
            title = _LINE_BREAKS.sub(" ", description)
            title = title if len(title) <= 100 else title[:99] + "…"
        code = self.cell(row, "problem_code") or numbered.number
        key = (rnd.key, _norm(code) if code else _norm(title))
        if key in self.problems:
            problem = self.problems[key]
            if code and _norm(problem.title) != _norm(title):
                self.error(
                    row.number,
                    "problem_code",
                    f"问题编号“{code}”已用于第{problem.row}行的另一问题“{problem.title[:30]}”",
                )
                return None
            return problem
        code_given = bool(code)
        if not code:
            # Unnumbered problems are keyed by title; give them the next number in the round.
            code = self._free_problem_code(rnd)
        existing = None
        if rnd.existing:
            # Another title under an existing code is a revision of that problem: the
            # re-import diff (exchange.plan_import.diff) shows it and the office decides.
            existing = self._round_problems(rnd).get(code)
        seq = existing.seq if existing else self._seq_for(rnd, numbered.seq)
        source = self.source_for(row, rnd)
        problem = PlannedProblem(
            row=row.number,
            round_key=rnd.key,
            code=code,
            seq=seq,
            title=title,
            category=category,
            existing=existing,
            original_text=description,
            goal=self.cell(row, "goal"),
            measures=self.cell(row, "measures"),
            source=source,
            leader=self.leader_for(row, self.cell(row, "leader")),
            code_given=code_given,
        )
        self.problems[key] = problem
        self._taken_seqs(rnd).add(problem.seq)
        self._planned_codes.setdefault(rnd.key, set()).add(problem.code)
        return problem

    def _person(self, name: str, unit: Unit) -> Person | None:
        """The person of that name in the unit (one query per distinct pair, not per row)."""
        key = (name, unit.pk)
        if key not in self._unit_people:
            self._unit_people[key] = Person.objects.filter(name=name, unit=unit).first()
        return self._unit_people[key]

    def _round_problems(self, rnd: PlannedRound) -> dict[str, Problem]:
        """The existing round's problems by code, read once."""
        if rnd.key not in self._existing_problems:
            self._existing_problems[rnd.key] = {
                p.code: p for p in Problem.objects.filter(round=rnd.existing)
            }
        return self._existing_problems[rnd.key]

    def _taken_seqs(self, rnd: PlannedRound) -> set[int]:
        """The seqs of the round's problems and of those the file plans in it (live set)."""
        if rnd.key not in self._round_seqs:
            self._round_seqs[rnd.key] = (
                set(Problem.objects.filter(round=rnd.existing).values_list("seq", flat=True))
                if rnd.existing
                else set()
            )
        return self._round_seqs[rnd.key]

    def _free_problem_code(self, rnd: PlannedRound) -> str:
        """The next number in the round that no problem (in the file or the round) uses as
        its code: an unnumbered problem must not take an existing problem's code "4"."""
        n = self._next_problem_seq(rnd)
        if rnd.key not in self._existing_problem_codes:
            self._existing_problem_codes[rnd.key] = (
                set(Problem.objects.filter(round=rnd.existing).values_list("code", flat=True))
                if rnd.existing
                else set()
            )
        planned = self._planned_codes.get(rnd.key, set())
        while str(n) in self._existing_problem_codes[rnd.key] or str(n) in planned:
            n += 1
        return str(n)

    def _next_problem_seq(self, rnd: PlannedRound) -> int:
        return max(self._taken_seqs(rnd) or {0}) + 1

    def _seq_for(self, rnd: PlannedRound, wanted: int | None) -> int:
        taken = self._taken_seqs(rnd)
        if wanted and wanted not in taken and wanted < 30000:
            return wanted
        return max(taken or {0}) + 1

    def source_for(self, row: SheetRow, rnd: PlannedRound) -> str:
        text = self.cell(row, "source")
        labels = {str(label): value for value, label in ProblemSource.choices}
        if text in labels:
            return labels[text]
        if text in ProblemSource.values:
            return text
        if text:
            self.warnings.append(f"第{row.number}行：问题来源“{text}”无法识别，按督察类型默认")
        if rnd.kind == RoundKind.YANGTZE_FILM:
            return ProblemSource.FILM
        if rnd.kind == RoundKind.SELF_CHECK:
            return ProblemSource.SELF_CHECK
        return ProblemSource.FEEDBACK

    def deadline_for(self, row: SheetRow, rnd: PlannedRound) -> Deadline | None:
        stage = row.values.get("deadline_stage")
        try:
            deadline = parse_deadline(row.values.get("deadline"), stage=stage)
        except ValueError as exc:
            self.error(row.number, "deadline", str(exc))
            return None
        for warning in deadline.warnings:
            on_stage = stage is not None and warning.startswith("阶段目标")
            self.warn(row.number, "deadline_stage" if on_stage else "deadline", warning)
        issued = rnd.plan_issued_on
        early = [m for m in deadline.milestones if issued and m.date < issued]
        if early and deadline.deadline and deadline.deadline >= issued:
            self.warn(
                row.number,
                "deadline",
                f"阶段目标“{early[0].text}”的日期{early[0].date:%Y-%m-%d}"
                f"早于整改方案印发日期{issued:%Y-%m-%d}",
            )
        if deadline.deadline and rnd.plan_issued_on and deadline.deadline < rnd.plan_issued_on:
            self.error(
                row.number,
                "deadline",
                f"整改时限{deadline.deadline:%Y-%m-%d}早于整改方案印发日期{rnd.plan_issued_on:%Y-%m-%d}",
            )
            return None
        return deadline

    def units_for(
        self, row: SheetRow, rnd: PlannedRound
    ) -> list[tuple[Region | None, list[PlannedUnit]]] | None:
        """The row's units, one list per task the row becomes: one task, or one per county
        when a group ("各县（市、区）人民政府") is split (groups.py). None after an error."""
        names = UnitNames()
        lead_cell = self.cell(row, "lead")
        if lead_cell:
            parsed = parse_units(lead_cell)
            names = UnitNames(parsed.lead, parsed.coop, parsed.territorial)
            if len(names.lead) > 1:
                self.warnings.append(
                    f"第{row.number}行：牵头单位填写了多个，以“{names.lead[0]}”为牵头单位，其余作为配合单位"
                )
                names = UnitNames(names.lead[:1], names.lead[1:] + names.coop, names.territorial)
        packed = self.cell(row, "packed")
        if packed:
            parsed = parse_units(packed)
            names = UnitNames(
                names.lead or parsed.lead,
                names.coop + parsed.coop,
                names.territorial + parsed.territorial,
            )
        coop_names = split_names(self.cell(row, "coop"))
        sector = tuple(_SECTOR.sub("", n) for n in coop_names if _SECTOR.search(n))
        coop = tuple(n for n in coop_names if not _SECTOR.search(n))
        territorial = tuple(split_names(self.cell(row, "territorial")))
        names = UnitNames(names.lead, names.coop + coop, names.territorial + territorial)
        county = self._row_county(row)
        base: list[tuple[Unit, str]] = []
        uses: list[GroupUse] = []
        ok = True
        for role, group, key in (
            (AssignmentRole.LEAD, names.lead, "lead" if lead_cell else "packed"),
            (AssignmentRole.COOP, names.coop, "coop" if coop else ("packed" if packed else "lead")),
            (
                AssignmentRole.TERRITORIAL,
                names.territorial,
                "territorial" if territorial else "packed",
            ),
            (AssignmentRole.SECTOR, sector, "coop"),
        ):
            for name in group:
                try:
                    base.append((self.units.find(name, within=rnd.region), role))
                    continue
                except UnknownUnit:
                    pass
                except ValueError as exc:
                    self.error(row.number, key, str(exc))
                    ok = False
                    continue
                try:
                    use = self.groups.resolve(
                        name, role=role, round_region=rnd.region, county=county
                    )
                except GroupError as exc:
                    self.error(row.number, key, str(exc))
                    ok = False
                    continue
                if use is None:
                    self.unknown_unit(row.number, key, name)
                    ok = False
                else:
                    uses.append(use)
        if not ok:
            return None
        groups = self._row_groups(row, uses, base)
        variants = []
        for variant_county, pairs in expand(base, groups):
            units = self._finish_units(row, pairs, groups)
            if units is None:
                return None
            variants.append((variant_county, units))
        return variants

    def unknown_unit(self, row: int, key: str, name: str) -> None:
        suggestions = tuple(self.suggester.suggest(name))
        guess = f"是否为：{'、'.join(str(s.unit) for s in suggestions)}？" if suggestions else ""
        header = self.sheet.headers.get(key) or (
            COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key
        )
        self.errors.append(
            UnknownUnitError(
                row,
                header,
                f"单位“{name}”不在单位表中。{guess}"
                "（可在导入页面选择“使用此单位”、创建别名或新建单位）",
                name=name,
                suggestions=suggestions,
            )
        )

    def _row_county(self, row: SheetRow) -> Region | None:
        county_text = self.cell(row, "county")
        if not county_text:
            return None
        try:
            return self.regions.find(county_text)
        except ValueError:
            return None  # region_for reports it

    def _row_groups(self, row: SheetRow, uses: list[GroupUse], base) -> RowGroups | None:
        """Record the row's groups, the mode chosen for them and the modes it may take."""
        if not uses:
            return None
        others = bool(base) or any(u.members for u in uses if not u.territorial)
        groups = RowGroups(row.number, uses)
        if not groups.territorial:
            groups.modes_allowed = ()
        elif others:
            groups.modes_allowed = (MODE_SPLIT, MODE_ONE, MODE_DROP)
        mode = self.options.mode_for(row.number)
        if groups.modes_allowed and mode not in groups.modes_allowed:
            phrases = "、".join(f"“{u.phrase}”" for u in groups.territorial)
            if row.number in self.options.group_overrides:
                self.error(row.number, "", f"除{phrases}外没有其他责任单位，不能选择不纳入该单位组")
            else:
                self.warnings.append(
                    f"第{row.number}行：除{phrases}外没有其他责任单位，按默认方式逐县区拆分"
                )
            mode = DEFAULT_MODE
        groups.mode = mode
        for use in uses:
            for note in use.notes:
                self.warnings.append(f"第{row.number}行：{note}")
            if not use.members:
                self.warnings.append(
                    f"第{row.number}行：“{use.phrase}”未列明具体单位，已从该行的责任单位中去除"
                )
        self.row_groups[row.number] = groups
        return groups

    def _check_group_overrides(self) -> None:
        for row in sorted(self.options.group_overrides):
            groups = self.row_groups.get(row)
            if groups is None or not groups.modes_allowed:
                self.error(row, "", "该行没有县区单位组，不能选择单位组处理方式")

    def _finish_units(self, row: SheetRow, pairs, groups: RowGroups | None):
        result: list[PlannedUnit] = []
        seen: set[tuple[int, str]] = set()
        for unit, role in pairs:
            if (unit.pk, role) not in seen:
                seen.add((unit.pk, role))
                result.append(PlannedUnit(unit, role))
        if not any(u.role == AssignmentRole.LEAD for u in result):
            territorial_units = [u for u in result if u.role == AssignmentRole.TERRITORIAL]
            if territorial_units:
                result.insert(0, PlannedUnit(territorial_units[0].unit, AssignmentRole.LEAD))
            else:
                county_text = self.cell(row, "county")
                gov = None
                if county_text:
                    try:
                        gov = self.units.gov_by_region.get(self.regions.find(county_text).pk)
                    except ValueError:
                        gov = None
                if gov is None:
                    dropped = groups.dropped if groups else []
                    why = (
                        f"（“{'、'.join(u.phrase for u in dropped)}”未列明具体单位）"
                        if dropped
                        else ""
                    )
                    self.error(
                        row.number,
                        "lead" if "lead" in self.sheet.headers else "packed",
                        f"缺少牵头单位{why}",
                    )
                    return None
                # Point ledgers (variant 3) name no unit: the county government answers.
                result.insert(0, PlannedUnit(gov, AssignmentRole.LEAD))
                result.append(PlannedUnit(gov, AssignmentRole.TERRITORIAL))
        # A cooperating unit that also leads is just the lead.
        lead_ids = {u.unit.pk for u in result if u.role == AssignmentRole.LEAD}
        return [u for u in result if not (u.role == AssignmentRole.COOP and u.unit.pk in lead_ids)]

    def region_for(
        self, row: SheetRow, units, rnd: PlannedRound, county: Region | None = None
    ) -> Region | None:
        text = self.cell(row, "county")
        if text:
            try:
                return self.regions.find(text)
            except ValueError as exc:
                self.error(row.number, "county", str(exc))
                return None
        if county is not None and county.pk in self.regions.regions:
            return county
        if units:
            territorial = [u for u in units if u.role == AssignmentRole.TERRITORIAL]
            # A task shared by several counties' governments (all five of the city, or the
            # territorial units of a group) lies in their common region, not the first one.
            local = {
                u.unit.region_id
                for u in (territorial or units)
                if u.unit.kind in (UnitKind.GOV, UnitKind.PARTY)
            }
            if len(local) > 1:
                common = self.regions.common_ancestor(local)
                if common is not None:
                    return common
            for planned in territorial + units:
                if planned.unit.region_id in self.regions.regions:
                    return self.regions.regions[planned.unit.region_id]
        if rnd.region is not None and rnd.region.pk in self.regions.regions:
            return rnd.region
        if units:
            self.error(row.number, "county", "无法确定点位所在区县，请填写“所在区县”")
        return None

    def coordinate(self, row: SheetRow, key: str, bound: int) -> Decimal | None:
        value = row.values.get(key)
        if value is None or value == "":
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(row.number, key, f"“{value}”不是有效的数字")
            return None
        if not number.is_finite() or abs(number) > bound:
            self.error(row.number, key, f"“{value}”超出有效范围（±{bound}）")
            return None
        return number.quantize(Decimal("0.000001"))


def _titled(title: str, township: str) -> str:
    """A task named after its problem, told apart by its township when there is one."""
    if not township:
        return title[:300]
    suffix = f"（{township}）"
    return title[: 300 - len(suffix)] + suffix


def _keep_point_texts_on_points(problem: PlannedProblem) -> None:
    """In a point table the 整改措施/整改目标 cells are each point's own: the problem keeps a
    text only when all its points share it (a merged cell), never its first point's."""
    if problem.existing is not None or not any(t.is_point for t in problem.tasks):
        return
    for attr in ("measures", "goal"):
        texts = {getattr(t, attr) for t in problem.tasks}
        setattr(problem, attr, texts.pop() if len(texts) == 1 else "")


def build_plan(
    sheet: SheetData, *, actor: User, target: Target, options: ImportOptions | None = None
) -> Plan:
    """Validate every row; raise ImportRefused listing all errors, or return the plan."""
    return PlanBuilder(sheet, actor=actor, target=target, options=options).build()
