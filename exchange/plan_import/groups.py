"""Group phrases in unit cells: "各县（市、区）人民政府", "各有关县区", "市直有关部门", "各相关单位" …

Offices name a whole set of units with one phrase. The phrases are data (the tables below);
`GroupResolver.resolve` reads one name from a unit cell and, when it is a group phrase,
expands it against the round's region tree and the units of each region:

- territorial groups (各县区 …人民政府/政府/党委和政府, 各区, 各县, 各市（州）): the governments
  (UnitKind.GOV; with 党委, also UnitKind.PARTY) of the county-level (or city-level) regions
  under the round's region. The office chooses per row how they become tasks (MODES);
- department groups (市直有关部门, 各相关单位 …): the units listed in brackets after the phrase,
  if any; a phrase that lists none names nobody in particular and is left out with a warning.

"有关/相关" without a list means "the counties concerned" without saying which: it expands to
every county, with a warning asking the office to check.
"""

import re
from dataclasses import dataclass, field

from accounts.choices import RegionLevel, UnitKind
from rectification.choices import AssignmentRole

# How a row's territorial group becomes tasks (the office's choice, per batch and per row).
MODE_SPLIT = "split"  # one point-level task per county (the usual practice for 属地 work)
MODE_ONE = "one"  # one task, every county government as a territorial unit
MODE_DROP = "drop"  # leave the group out (only when other units remain)
MODES: dict[str, str] = {
    MODE_SPLIT: "逐县区拆分：每个县区一个任务（属地负责）",
    MODE_ONE: "合并为一个任务：各县区政府均为属地责任单位",
    MODE_DROP: "不纳入该单位组（只保留其他责任单位）",
}
DEFAULT_MODE = MODE_SPLIT

# The territory word of a territorial group → (region level, name endings it covers).
# "县（市、区）" covers counties, county-level cities and districts; "区" only districts.
_ALL_COUNTIES = ("县", "市", "区", "旗")
AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "县（市、区）": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县（区、市）": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县（市区）": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县市区": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县（市）区": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "区县（市）": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县区": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "区县": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县（区）": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "区（县）": (RegionLevel.COUNTY, _ALL_COUNTIES),
    "县": (RegionLevel.COUNTY, ("县", "旗")),
    "区": (RegionLevel.COUNTY, ("区",)),
    "市（州）": (RegionLevel.CITY, ("市", "州", "盟")),
    "市（州、盟）": (RegionLevel.CITY, ("市", "州", "盟")),
    "市州": (RegionLevel.CITY, ("市", "州", "盟")),
    "市": (RegionLevel.CITY, ("市", "州", "盟")),
}
# Words before the territory: "各" is every one; "有关/相关/涉及" the ones concerned.
PREFIXES: dict[str, bool] = {  # prefix → vague (does not say which)
    "各有关": True,
    "各相关": True,
    "有关": True,
    "相关": True,
    "涉及": True,
    "所涉": True,
    "各": False,
}
# Words after the territory → the kinds of unit of each region they name.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "": (UnitKind.GOV,),
    "人民政府": (UnitKind.GOV,),
    "政府": (UnitKind.GOV,),
    "党委和政府": (UnitKind.GOV, UnitKind.PARTY),
    "党委和人民政府": (UnitKind.GOV, UnitKind.PARTY),
    "党委、政府": (UnitKind.GOV, UnitKind.PARTY),
    "党委、人民政府": (UnitKind.GOV, UnitKind.PARTY),
    "党委政府": (UnitKind.GOV, UnitKind.PARTY),
    "党政": (UnitKind.GOV, UnitKind.PARTY),
    "党委": (UnitKind.PARTY,),
}
# Department groups: they name no unit unless a list follows in brackets.
DEPARTMENT_GROUPS: tuple[str, ...] = (
    "市直有关部门",
    "市直相关部门",
    "市直各有关部门",
    "市直各相关部门",
    "市直各部门",
    "市直部门",
    "市直有关单位",
    "市直相关单位",
    "市直各有关单位",
    "市直各相关单位",
    "市直各单位",
    "市级有关部门",
    "市级相关部门",
    "市级各有关部门",
    "市级各部门",
    "市有关部门",
    "市相关部门",
    "有关市直部门",
    "相关市直部门",
    "县直有关部门",
    "区直有关部门",
    "各有关单位",
    "各相关单位",
    "各有关部门",
    "各相关部门",
    "有关单位",
    "相关单位",
    "有关部门",
    "相关部门",
    "相关职能部门",
    "有关职能部门",
    "各职能部门",
    "各成员单位",
    "领导小组各成员单位",
)

# Other wordings of a territorial group, read as the phrase they stand for.
SYNONYMS: dict[str, str] = {
    "属地政府": "各有关县区人民政府",
    "属地人民政府": "各有关县区人民政府",
    "属地县区政府": "各有关县区人民政府",
    "属地县（市、区）政府": "各有关县区人民政府",
    "属地县（市、区）人民政府": "各有关县区人民政府",
    "所在地政府": "各有关县区人民政府",
    "所在县区政府": "各有关县区人民政府",
}

_PAREN_LIST = re.compile(r"^(?P<head>.+?)[（(](?P<list>[^（）()]+)[）)]$")
_LIST_SEP = re.compile(r"[、，,；;/／\s]+")


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text).replace("(", "（").replace(")", "）")


def _territorial_pattern() -> re.Pattern:
    def alt(words):
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    return re.compile(
        rf"^(?P<prefix>{alt(PREFIXES)})(?P<area>{alt(AREAS)})(?P<suffix>{alt(s for s in SUFFIXES if s)})?$"
    )


_TERRITORIAL = _territorial_pattern()
_DEPARTMENTS = {_norm(p) for p in DEPARTMENT_GROUPS}
_SYNONYMS = {_norm(k): _norm(v) for k, v in SYNONYMS.items()}


@dataclass(frozen=True)
class Member:
    """One unit a group expands to; `county` is its region for a territorial group."""

    unit: object  # accounts.models.Unit
    county: object | None = None  # accounts.models.Region


@dataclass
class GroupUse:
    """One group phrase in one row and what it expands to."""

    phrase: str
    role: str  # the AssignmentRole of the cell position the phrase stood in
    territorial: bool
    members: list[Member] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def counties(self) -> list:
        seen: dict[int, object] = {}
        for m in self.members:
            if m.county is not None:
                seen.setdefault(m.county.pk, m.county)
        return list(seen.values())

    @property
    def member_names(self) -> str:
        return "、".join(str(m.unit) for m in self.members)


@dataclass
class RowGroups:
    """The groups of one row, the mode they are expanded with and the modes allowed."""

    row: int
    uses: list[GroupUse]
    mode: str = DEFAULT_MODE
    modes_allowed: tuple[str, ...] = (MODE_SPLIT, MODE_ONE)

    @property
    def territorial(self) -> list[GroupUse]:
        return [u for u in self.uses if u.territorial and u.members]

    @property
    def dropped(self) -> list[GroupUse]:
        return [u for u in self.uses if not u.members]

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(m, MODES[m]) for m in self.modes_allowed]


class GroupError(ValueError):
    """A group phrase that cannot be expanded (no region below the round's …)."""


class GroupResolver:
    """Expands group phrases against the regions the actor sees and the active units.

    `regions`: the actor's regions by id (validator.RegionIndex.regions); `units`: the active
    units (validator.UnitIndex.units); `find_region`: a name → region lookup that raises
    ValueError; `find_unit`: a name → unit lookup that raises ValueError."""

    def __init__(self, *, regions: dict, units: dict, find_region, find_unit):
        self.regions = regions
        self.find_region = find_region
        self.find_unit = find_unit
        self.units_by_region: dict[int, list] = {}
        # A plan repeats its phrases on every row: each is expanded once (the uses are not
        # changed after they are built, so rows may share them).
        self._cache: dict[tuple, GroupUse | GroupError | None] = {}
        for unit in units.values():
            self.units_by_region.setdefault(unit.region_id, []).append(unit)

    def resolve(self, name: str, *, role: str, round_region, county=None) -> GroupUse | None:
        """The expansion of `name` if it is a group phrase, else None. Raises GroupError
        (Chinese reason) for a group that expands to nothing or an unknown listed name."""
        key = (
            _norm(name),
            role,
            round_region.pk if round_region else None,
            county.pk if county else None,
        )
        if key not in self._cache:
            try:
                self._cache[key] = self._resolve(name, role, round_region, county)
            except GroupError as exc:
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, GroupError):
            raise found
        return found

    def _resolve(self, name, role, round_region, county) -> GroupUse | None:
        head, listed = _split_list(_norm(name))
        head = _SYNONYMS.get(head, head)
        if head in _DEPARTMENTS:
            return self._departments(name, role, listed)
        m = _TERRITORIAL.match(head)
        if not m:
            return None
        return self._territorial(name, role, m, listed, round_region, county)

    def _departments(self, phrase: str, role: str, listed: list[str]) -> GroupUse:
        use = GroupUse(phrase, role, territorial=False)
        for name in listed:
            try:
                use.members.append(Member(self.find_unit(name)))
            except ValueError as exc:
                raise GroupError(f"“{phrase}”中的{exc}") from None
        return use

    def _territorial(self, phrase, role, m, listed, round_region, county) -> GroupUse:
        level, endings = AREAS[m["area"]]
        kinds = SUFFIXES[m["suffix"] or ""]
        use = GroupUse(phrase, role, territorial=True)
        if listed:
            areas = []
            for name in listed:
                try:
                    areas.append(self.find_region(name))
                except ValueError as exc:
                    raise GroupError(f"“{phrase}”中的{exc}") from None
        else:
            if round_region is None:
                raise GroupError(f"无法展开“{phrase}”：督察轮次没有被督察地区")
            areas = [
                r
                for r in self.regions.values()
                if r.level == level
                and r.path.startswith(round_region.path)
                and r.name.endswith(endings)
            ]
            areas.sort(key=lambda r: r.path)
            if not areas:
                raise GroupError(
                    f"无法展开“{phrase}”：{round_region.name}下没有对应的{RegionLevel(level).label}"
                )
            if PREFIXES[m["prefix"]] and county is None:
                use.notes.append(
                    f"“{phrase}”未列明具体县区，已按{round_region.name}全部县区展开，请核对"
                )
        if county is not None:
            # The row names its county: the group means that county's government.
            areas = [a for a in areas if county.path.startswith(a.path)] or [county]
        missing = []
        for area in areas:
            found = [self._unit_of(area, kind) for kind in kinds]
            found = [u for u in found if u is not None]
            if not found:
                missing.append(area.name)
                continue
            if len(found) < len(kinds):
                use.notes.append(f"{area.name}没有党委单位，仅由{found[0]}承担")
            use.members.extend(Member(u, area) for u in found)
        label = "政府" if UnitKind.GOV in kinds else "党委"
        if not use.members:
            raise GroupError(f"无法展开“{phrase}”：{'、'.join(missing)}在单位表中都没有{label}单位")
        if missing:
            use.notes.append(f"“{phrase}”：{'、'.join(missing)}在单位表中没有{label}单位，已略过")
        return use

    def _unit_of(self, region, kind: str):
        """The region's government (or party committee): the one named "…人民政府"/"…委员会"
        first, then the first of that kind (a 政府办公室 only when nothing better exists)."""
        candidates = [u for u in self.units_by_region.get(region.pk, ()) if u.kind == kind]
        if not candidates:
            return None
        wanted = "人民政府" if kind == UnitKind.GOV else "委员会"
        return next((u for u in candidates if u.name.endswith(wanted)), None) or next(
            (u for u in candidates if "办公室" not in u.name), candidates[0]
        )


def _split_list(text: str) -> tuple[str, list[str]]:
    """ "各有关县区（东城区、南江县）" → ("各有关县区", ["东城区", "南江县"]); a bracket that is
    part of the phrase itself ("各县（市、区）") is not a list."""
    m = _PAREN_LIST.match(text)
    whole = _SYNONYMS.get(text, text)
    if m and not _TERRITORIAL.match(whole) and whole not in _DEPARTMENTS:
        names = [n for n in _LIST_SEP.split(m["list"]) if n]
        return m["head"], names
    return text, []


def expand(base: list[tuple[object, str]], groups: RowGroups | None) -> list[tuple[object, list]]:
    """The tasks a row becomes: [(county or None, [(unit, role), …]), …].

    `base`: the row's units that are not groups, with their roles. Department group members
    join every task in their cell's role; territorial members follow the row's mode."""
    if groups is None:
        return [(None, list(base))]
    common = list(base)
    for use in groups.uses:
        if not use.territorial:
            for i, m in enumerate(use.members):
                role = use.role
                if role == AssignmentRole.LEAD and i > 0:
                    role = AssignmentRole.COOP
                common.append((m.unit, role))
    territorial = groups.territorial
    if not territorial or groups.mode == MODE_DROP:
        return [(None, common)]
    if groups.mode == MODE_ONE:
        units = common + [
            (m.unit, AssignmentRole.TERRITORIAL) for use in territorial for m in use.members
        ]
        return [(None, units)]
    counties: dict[int, object] = {}
    for use in territorial:
        for county in use.counties:
            counties.setdefault(county.pk, county)
    result = []
    for county in sorted(counties.values(), key=lambda r: r.path):
        units = common + [
            (m.unit, AssignmentRole.TERRITORIAL)
            for use in territorial
            for m in use.members
            if m.county is not None and m.county.pk == county.pk
        ]
        result.append((county, units))
    return result
