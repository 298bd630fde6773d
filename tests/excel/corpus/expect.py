"""What a corpus plan is expected to give when the office previews (and commits) it.

Each corpus module writes its expectation down next to its builder, in the product's terms:
the headline, counts, a few tasks with their exact units and deadlines, the warnings, the
columns the import does not use. Units are named by their short names in the demo city
(docs/domain.md §5), roles by AssignmentRole value, rows by their number as Excel shows it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# Features of issue 12 a plan may need before it passes (the reason of its xfail mark).
# Multi-row headers, notes under the table, ignored columns listed, line breaks in titles,
# the 乡镇（街道） column, a point table's problem without its first point's measures.
HEADERS = "multi-row headers, trailing rows and cell clean-up"
DEADLINES = "deadline wordings and milestones"
# Group phrases expanded per county; a task of all the counties belongs to the city.
GROUPS = "group units"
SUGGESTIONS = "unit suggestions"
REIMPORT = "re-import by content"
BACKGROUND = "background commit"
# No helper's brief covers the column names of a public 边督边改 list (交办问题基本情况,
# 行政区域, 处理和整改情况): the corpus shows the gap.
PETITION_HEADERS = "petition list headers"

COUNTIES = ("东城区政府", "西城区政府", "南江县政府", "北山县政府", "青林县政府")
COUNTY_REGIONS = {
    "东城区政府": "东城区",
    "西城区政府": "西城区",
    "南江县政府": "南江县",
    "北山县政府": "北山县",
    "青林县政府": "青林县",
}


@dataclass(frozen=True)
class TaskExpect:
    """One task of the preview, found by its row (and its region when a group phrase split
    the row into one task per county)."""

    row: int
    region: str | None = None
    name: str | None = None  # compared without whitespace; no line breaks allowed
    units: dict[str, tuple[str, ...]] | None = None  # role → short names (exactly these)
    deadline: str | None = "?"  # ISO date, None for none, "?" for not checked
    deadline_type: str | None = None  # DATED / IMMEDIATE / ONGOING
    is_ongoing: bool | None = None
    milestones: tuple[str, ...] | None = None  # planned dates, ISO, in order
    township: str | None = None


@dataclass(frozen=True)
class Expected:
    headline: str
    problems: int
    tasks: int
    # Assignments by role over all tasks: {"LEAD": 9, "COOP": 22}; roles not named are 0.
    roles: dict[str, int]
    checks: tuple[TaskExpect, ...] = ()
    # (row, text the warning quotes); the preview has exactly these warnings.
    warnings: tuple[tuple[int, str], ...] = ()
    # Column headers (as written) the preview must list as not imported.
    ignored: tuple[str, ...] = ()
    # Column headers that must be used (not listed as ignored).
    used: tuple[str, ...] = ()
    # Rows under the table recognised as notes/signatures and skipped.
    trailing_rows: tuple[int, ...] = ()
    # (row, group phrase as written, the units it expands to).
    expansions: tuple[tuple[int, str, tuple[str, ...]], ...] = ()
    # A refused first preview: (row, column header, the unit the error suggests); the plan is
    # then previewed again with `unit_map` (name as written → unit short name).
    errors: tuple[tuple[int, str, str], ...] = ()
    unit_map: dict[str, str] = field(default_factory=dict)
    # Group option chosen for the whole batch: "split" (one task per county, the default),
    # "together" (one task, every county government territorial) or "omit".
    group_mode: str | None = None
    # Re-import: the corpus key of the plan committed first, and the task diff expected.
    reimport_of: str | None = None
    diff: dict[str, int] = field(default_factory=dict)
    # Background commit: the row threshold set for the test.
    background_rows: int | None = None
    # Checks on the committed round (the database), given the InspectionRound.
    after_commit: Callable | None = None


@dataclass(frozen=True)
class CorpusPlan:
    key: str
    what: str  # the document it imitates
    kind: str  # RoundKind value of the round it is imported into
    level: str  # RoundLevel value
    build: Callable[[], bytes]
    expected: Expected
    needs: tuple[str, ...] = ()
    commit: bool = False

    @property
    def round_name(self) -> str:
        return f"语料{self.key}"
