"""The 整改时限 cell as offices write it → a final deadline, its type, the milestones it
implies, and a warning for every reading that is a guess.

A pure parser: no queries. It raises ValueError with a Chinese reason that quotes the cell
when nothing in it can be read as a deadline.

What it reads (the table in tests/excel/test_deadlines.py is the specification):
- dates with any separator ("2020-12-31", "2020/12/31", "2020.12.31", "2020年12月31日",
  "20201231"); month ends ("2020年12月底前", "2020年6月", "2020.12", "2020-12"); 上/中/下旬;
  year ends ("2020年底前", "2021年", "2021"); 上半年/下半年; quarters ("2020年第三季度");
- Excel cells: datetimes, a number 2020.12 (2020.1 is read as October, with a warning: Excel
  stores a typed "2020.10" as 2020.1), a year 2021, a date serial 44196, a number 20201231;
- year ranges ("2020年至2022年", "2020—2022年") → the last year's end, a milestone per year;
  other ranges ("2020年6月至12月") → their end;
- staged deadlines ("2020年12月底前（阶段性目标），2022年底前全面完成") → a milestone per date,
  the latest being the final deadline;
- 立行立改 / 立即整改 / 即知即改 (immediate), 长期坚持 / 持续整改 / 常态化 (ongoing) and their
  combinations with each other and with dates.
"""

import calendar
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime

from openpyxl.utils.datetime import from_excel

from inspections.choices import DeadlineType

_YEARS = range(1990, 2101)
# Excel serials of 1990-01-01 and 2100-12-31: a bare number in this range is a date.
_SERIALS = range(32874, 73416)
MAX_MILESTONE_TEXT = 200
FINAL_STAGE = "全面完成"

IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改", "立查立改", "边查边改", "立知立改")
# Ongoing work in the words offices use; "长期"/"持续" alone only as the whole cell, so that
# "完成长期未处置的…" is not read as ongoing.
_ONGOING = re.compile(
    r"长期(?:坚持|推进|开展|保持|整改|巩固)|持续(?:整改|推进|开展|巩固|落实|抓好|改善|加强|保持)"
    r"|常态化|久久为功|^(?:长期|持续)$"
)


@dataclass(frozen=True)
class Stage:
    """A planned stage read from the deadline: its date and what is due by then."""

    date: date
    text: str


@dataclass(frozen=True)
class Deadline:
    deadline_type: str
    deadline: date | None
    is_ongoing: bool = False
    # Every stage in date order, the final deadline last; empty for a single date.
    milestones: tuple[Stage, ...] = ()
    # What the parser assumed (Chinese, one sentence each); the preview shows them.
    warnings: tuple[str, ...] = ()


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _checked(year: int, month: int, day: int | None = None) -> date:
    if year not in _YEARS:
        raise ValueError(f"年份“{year}”不在合理范围内")
    if not 1 <= month <= 12:
        raise ValueError(f"月份“{month}”无效")
    if day is None:
        return _month_end(year, month)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"日期“{year}年{month}月{day}日”不存在") from None


# ---------------------------------------------------------------------------------------------
# Dates mentioned in a text


@dataclass
class _Mention:
    start: int
    end: int
    kind: str  # "day", "month", "half", "quarter", "year"
    year: int | None  # None: written without a year ("12月底前", "三季度")
    month: int = 12
    day: int | None = None
    value: date | None = None
    inherited: bool = False  # the year was taken from the date before it


_Y = r"(?<!\d)(\d{4})"
_OPT_Y = r"(?:(?<!\d)(\d{4})年)?"
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_XUN_DAY = {"上": 10, "中": 20}

_PATTERNS = [
    ("day", re.compile(_Y + r"[年./\-](\d{1,2})[月./\-](\d{1,2})(?!\d)[日号]?")),
    ("compact", re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")),
    ("xun", re.compile(_OPT_Y + r"(?<![\d.])(\d{1,2})月(上|中|下)旬")),
    ("month", re.compile(_OPT_Y + r"(?<![\d./\-])(\d{1,2})月份?")),
    ("month_sep", re.compile(_Y + r"[./\-](\d{1,2})(?!\d)(?![./\-]\d)")),
    ("half", re.compile(_OPT_Y + r"(上|下)半年")),
    ("quarter", re.compile(_OPT_Y + r"第?([一二三四1-4])季度")),
    ("year", re.compile(_Y + r"年度?")),
    # The first year of "2020—2022年", written without 年.
    ("range_start", re.compile(_Y + r"(?=(?:至|到|~|—+|–|-)\d{4})")),
]
_RANGE_GAP = re.compile(r"^(?:年?底|年?末|以?前|份|度)?(?:至|到|~|—+|–|-)$")
_CLAUSE_END = re.compile(r"[，,；;。\n]")


def _mention(kind: str, m: re.Match) -> _Mention:
    g = m.groups()
    if kind == "day":
        return _Mention(m.start(), m.end(), "day", int(g[0]), int(g[1]), int(g[2]))
    if kind == "compact":
        return _Mention(m.start(), m.end(), "day", int(g[0]), int(g[1]), int(g[2]))
    year = int(g[0]) if g[0] else None
    if kind == "xun":
        return _Mention(m.start(), m.end(), "day", year, int(g[1]), _XUN_DAY.get(g[2], 0))
    if kind in ("month", "month_sep"):
        return _Mention(m.start(), m.end(), "month", year, int(g[1]))
    if kind == "half":
        return _Mention(m.start(), m.end(), "half", year, 6 if g[1] == "上" else 12)
    if kind == "quarter":
        return _Mention(m.start(), m.end(), "quarter", year, 3 * _QUARTERS[g[1]])
    return _Mention(m.start(), m.end(), "year", year)


def _mentions(text: str) -> list[_Mention]:
    """The dates a text names, left to right, without overlaps (the longest reading wins)."""
    found = [_mention(kind, m) for kind, pattern in _PATTERNS for m in pattern.finditer(text)]
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    chosen: list[_Mention] = []
    for mention in found:
        if not chosen or mention.start >= chosen[-1].end:
            chosen.append(mention)
    return chosen


def _resolve(mention: _Mention) -> date:
    if mention.kind != "day":
        return _checked(mention.year, mention.month)
    if mention.day == 0:  # 下旬
        return _checked(mention.year, mention.month)
    return _checked(mention.year, mention.month, mention.day)


def _stage_text(text: str, mention: _Mention, next_start: int) -> str:
    """What is due by a mentioned date: the words after it up to the clause's end (or the
    next date), else the words before it in its clause; brackets and 前/底 removed."""
    after_end = next_start
    if m := _CLAUSE_END.search(text, mention.end):
        after_end = min(after_end, m.start())
    words = _clean_stage(text[mention.end : after_end])
    if not words:
        clause_start = max(
            (m.end() for m in _CLAUSE_END.finditer(text, 0, mention.start)), default=0
        )
        words = _clean_stage(text[clause_start : mention.start])
    return words[:MAX_MILESTONE_TEXT]


def _clean_stage(words: str) -> str:
    words = re.sub(r"^(?:年?底|年?末|以前|之前|前|份|度|内)+", "", words)
    words = re.sub(r"[（）()【】\[\]“”\"]", "", words)
    return words.strip("，,；;。、:： ")


# ---------------------------------------------------------------------------------------------
# Cells


def _normalize(text: str) -> str:
    # NFKC: full-width digits and separators ("２０２０．１２", "～") read as ASCII ones. A time
    # of day after a date ("2020-12-31 00:00:00", a date pasted as text) means nothing here.
    text = re.sub(r"\s+\d{1,2}:\d{2}(?::\d{2})?", "", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", text)


def _number_date(value: float | int) -> tuple[date, tuple[str, ...]]:
    """A numeric cell: a year (2021), a date serial (44196), 20201231, or 2020.12."""
    shown = repr(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value in _YEARS:
            return _checked(value, 12), ()
        if value in _SERIALS:
            return from_excel(value).date(), ()
        if 19900101 <= value <= 21001231:
            return _checked(value // 10000, value // 100 % 100, value % 100), ()
        raise _unreadable(shown)
    if not math.isfinite(value):
        raise _unreadable(shown)
    if int(value) in _SERIALS:
        return from_excel(value).date(), ()
    year, _, fraction = shown.partition(".")
    if int(value) in _YEARS and fraction.isdigit() and len(fraction) <= 2:
        if fraction == "1":
            return _checked(int(year), 10), (
                f"数字“{shown}”按{year}年10月理解（Excel会把输入的“{year}.10”存成{shown}）；"
                f"如指{year}年1月，请改为“{year}年1月”",
            )
        month = int(fraction)
        if 1 <= month <= 12:
            return _checked(int(year), month), ()
    raise _unreadable(shown)


@dataclass
class _Reading:
    final: date | None
    stages: list[Stage]
    warnings: list[str]


def _read_dates(
    text: str, *, final_name: str = FINAL_STAGE, default_year: int | None = None
) -> _Reading:
    """The dates of a deadline text: one date, a range, or stages. A date written without
    its year takes the year of the date before it (or after it, or `default_year`)."""
    mentions = _mentions(text)
    warnings: list[str] = []
    if not mentions:
        return _Reading(None, [], warnings)
    ranged = len(mentions) == 2 and _RANGE_GAP.match(text[mentions[0].end : mentions[1].start])
    last_year = None
    for i, mention in enumerate(mentions):
        written = text[mention.start : mention.end]
        if mention.year is None:
            if last_year is None:
                later = next((m.year for m in mentions[i + 1 :] if m.year), default_year)
                if later is None or mention.kind == "year":
                    raise ValueError(f"整改时限“{text}”没有写年份，请写明如“2020年12月底前”")
                mention.year = later
            else:
                mention.year = last_year
            mention.inherited = True
            if not ranged:
                warnings.append(f"“{written}”未写年份，按{mention.year}年理解")
        last_year = mention.year
        mention.value = _resolve(mention)
    if len(mentions) == 1:
        return _Reading(mentions[0].value, [], warnings)
    if ranged:
        first, last = mentions
        if last.value < first.value and last.inherited and last.year + 1 in _YEARS:
            # "2020年10月至3月": a winter campaign that ends in the next year.
            last.year += 1
            last.value = _resolve(last)
            warnings.append(f"“{text[last.start : last.end]}”未写年份，按{last.year}年理解")
        if last.value < first.value:
            raise ValueError(f"整改时限“{text}”的结束时间早于开始时间")
        if first.kind == last.kind == "year" and first.year < last.year:
            stages = [Stage(date(y, 12, 31), f"{y}年度任务") for y in range(first.year, last.year)]
            return _Reading(last.value, [*stages, Stage(last.value, final_name)], warnings)
        return _Reading(last.value, [], warnings)
    dates = [m.value for m in mentions]
    final = max(dates)
    if dates != sorted(dates):
        warnings.append(f"各阶段时间不是按先后顺序书写，以最晚的{final:%Y-%m-%d}为最终时限")
    by_date: dict[date, str] = {}
    for i, mention in enumerate(mentions):
        next_start = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
        by_date.setdefault(mention.value, _stage_text(text, mention, next_start))
    if len(by_date) == 1:  # the same date written twice
        return _Reading(final, [], warnings)
    stages = [Stage(d, by_date[d] or "阶段性目标") for d in sorted(by_date) if d != final]
    return _Reading(final, [*stages, Stage(final, by_date[final] or final_name)], warnings)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unreadable(value: object) -> ValueError:
    return ValueError(f"无法识别的整改时限“{value}”，请填写日期或“2020年12月底前”“立行立改”等")


def parse_deadline(value: object, stage: object = None) -> Deadline:
    """A 整改时限 cell (and the optional 阶段目标 cell beside it) → the task's deadline."""
    if _empty(value):
        raise ValueError("整改时限为空")
    if isinstance(value, datetime):
        deadline = Deadline(DeadlineType.DATED, value.date())
    elif isinstance(value, date):
        deadline = Deadline(DeadlineType.DATED, value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found, warnings = _number_date(value)
        deadline = Deadline(DeadlineType.DATED, found, warnings=warnings)
    elif isinstance(value, str):
        deadline = _parse_text(value)
    else:
        raise _unreadable(value)
    if _empty(stage):
        return deadline
    return _with_stage(deadline, stage)


def _parse_text(value: str) -> Deadline:
    text = _normalize(value)
    if re.fullmatch(r"\d{4}", text):  # "2021" typed as text
        text += "年"
    try:
        reading = _read_dates(text)
    except ValueError as exc:
        reason = str(exc)
        if "整改时限“" in reason:
            raise
        raise ValueError(f"整改时限“{value.strip()}”：{reason}") from None
    immediate = any(word in text for word in IMMEDIATE_WORDS)
    ongoing_word = _ONGOING.search(text)
    ongoing = ongoing_word is not None
    if immediate:
        kind = DeadlineType.IMMEDIATE
    elif reading.final and ongoing and ongoing_word.start() == 0:
        # "长期坚持（2019-12-31）": a long-term task with a first-stage date (the export).
        kind = DeadlineType.ONGOING
    elif reading.final:
        kind = DeadlineType.DATED
    elif ongoing:
        kind = DeadlineType.ONGOING
    else:
        raise _unreadable(value.strip())
    return Deadline(kind, reading.final, ongoing, tuple(reading.stages), tuple(reading.warnings))


def _with_stage(deadline: Deadline, stage: object) -> Deadline:
    """Add the 阶段目标 column's dates as milestones before the final deadline."""
    warnings = list(deadline.warnings)
    if isinstance(stage, str):
        shown = stage.strip()
        try:
            reading = _read_dates(
                _normalize(shown),
                final_name="",
                default_year=deadline.deadline.year if deadline.deadline else None,
            )
        except ValueError as exc:
            warnings.append(f"阶段目标“{shown}”无法识别（{exc}），未生成进度节点")
            reading = _Reading(None, [], [])
        warnings.extend(f"阶段目标：{w}" for w in reading.warnings)
        found = reading.stages or (
            [Stage(reading.final, _stage_of(shown))] if reading.final else []
        )
    else:
        shown = str(stage)
        try:
            parsed = parse_deadline(stage)
            found = [Stage(parsed.deadline, "阶段性目标")] if parsed.deadline else []
            warnings.extend(f"阶段目标：{w}" for w in parsed.warnings)
        except ValueError:
            found = []
    if not found:
        if not any(shown in w for w in warnings):
            warnings.append(f"阶段目标“{shown}”中没有可识别的日期，未生成进度节点")
        return replace(deadline, warnings=tuple(warnings))
    final = deadline.deadline
    by_date = {m.date: m for m in deadline.milestones}
    for item in found:
        if final and item.date > final:
            warnings.append(
                f"阶段目标“{shown}”的日期{item.date:%Y-%m-%d}晚于最终时限{final:%Y-%m-%d}，已忽略"
            )
            continue
        if item.date != final:
            by_date.setdefault(item.date, Stage(item.date, item.text or "阶段性目标"))
    if final and by_date and final not in by_date:
        by_date[final] = Stage(final, FINAL_STAGE)
    milestones = tuple(by_date[d] for d in sorted(by_date))
    if len(milestones) == 1 and milestones[0].date == final:
        milestones = ()
    return replace(deadline, milestones=milestones, warnings=tuple(warnings))


def _stage_of(text: str) -> str:
    mentions = _mentions(_normalize(text))
    if not mentions:
        return "阶段性目标"
    normalized = _normalize(text)
    return _stage_text(normalized, mentions[0], len(normalized)) or "阶段性目标"
