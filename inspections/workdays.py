"""Working days in China: statutory holidays and the 调休 working weekends.

Every rule stated in working days (公示 length, 督办函 reply deadlines …) counts with this
module. It reads `inspections.Holiday`: the days whose status differs from Monday–Friday
(a weekday holiday, `is_workday=False`; a weekend made a working day by 调休, `is_workday=True`).
The table is seeded from the `chinesecalendar` package (`seed_from_package`, run by a data
migration and by `manage.py seed_holidays`) and edited in the admin for years the package
does not cover yet.

A year with no Holiday row at all is *missing*: counting across it raises CalendarMissing
(never a silent Monday–Friday fallback), the admin home page shows a warning and
`manage.py check` warns (inspections.checks).

The whole table (a few hundred rows) is read once per process and kept for
CACHE_SECONDS; saving or deleting a Holiday in this process clears it at once.
"""

import time
from dataclasses import dataclass
from datetime import date, timedelta

from accounts.errors import InvalidState

CACHE_SECONDS = 60


class CalendarMissing(InvalidState):
    """A working-day count needs a year the calendar does not hold."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的节假日和调休安排尚未录入工作日日历，无法按工作日计算期限；"
            f"请系统管理员在后台“节假日”中录入{year}年的安排"
        )


@dataclass(frozen=True)
class _Calendar:
    overrides: dict[date, bool]  # date → is_workday, for days that differ from Mon–Fri
    years: frozenset[int]  # years with at least one row


_cache: tuple[float, _Calendar] | None = None


def clear_cache(**_kwargs) -> None:
    """Forget the loaded calendar (after an edit; the tests call it between tests)."""
    global _cache
    _cache = None


def _calendar() -> _Calendar:
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < CACHE_SECONDS:
        return _cache[1]
    from inspections.models import Holiday

    overrides = dict(Holiday.objects.values_list("date", "is_workday"))
    calendar = _Calendar(overrides, frozenset(d.year for d in overrides))
    _cache = (now, calendar)
    return calendar


def covered_years() -> frozenset[int]:
    """The years the calendar holds."""
    return _calendar().years


def missing_years(*years: int) -> list[int]:
    """Those of `years` the calendar does not hold, in order."""
    held = covered_years()
    return sorted({y for y in years if y not in held})


def is_workday(day: date) -> bool:
    """Whether `day` is a working day (raises CalendarMissing for a year not held)."""
    calendar = _calendar()
    if day.year not in calendar.years:
        raise CalendarMissing(day.year)
    status = calendar.overrides.get(day)
    return status if status is not None else day.weekday() < 5


def add(start: date, n: int) -> date:
    """The n-th working day after `start` (`start` itself is not counted: "限10个工作日"
    from a letter dated Wednesday ends on the tenth working day after it). n=0 is `start`."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def between(a: date, b: date) -> int:
    """Working days from a to b, both included (0 when b is before a): the length of a
    period such as a 公示 from its first to its last day."""
    count = 0
    day = a
    while day <= b:
        if is_workday(day):
            count += 1
        day += timedelta(days=1)
    return count


def last_day(start: date, n: int) -> date:
    """The last day of a period of n working days that starts on `start` (n ≥ 1): the
    earliest end a notice starting on `start` may have. If `start` is not a working day,
    the count begins with the next working day."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start if is_workday(start) else add(start, 1)
    return add(day, n - 1)


def package_days() -> list[tuple[date, bool, str]]:
    """The days the installed `chinesecalendar` package knows whose status differs from
    Monday–Friday: (date, is_workday, name)."""
    import chinese_calendar

    names = {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节",
        "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
    }
    days = []
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            days.append((day, False, names.get(name, name)))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            label = names.get(name, name) if name else ""
            days.append((day, True, f"{label}调休上班" if label else "调休上班"))
    return sorted(days)


def seed_from_package(holiday_model=None) -> int:
    """Insert the package's days that the table lacks; rows already there (an admin's
    edit) are kept. Returns how many rows were added. `holiday_model` lets a data
    migration pass its historical model."""
    if holiday_model is None:
        from inspections.models import Holiday as holiday_model
    present = set(holiday_model.objects.values_list("date", flat=True))
    rows = [
        holiday_model(date=day, is_workday=workday, name=name[:64])
        for day, workday, name in package_days()
        if day not in present
    ]
    holiday_model.objects.bulk_create(rows, batch_size=500)
    clear_cache()
    return len(rows)


# The next year's arrangement is published by the State Council in October or November; from
# this month on, a missing next year is warned about too.
NEXT_YEAR_FROM_MONTH = 12


def years_needed(today: date) -> list[int]:
    """The years the calendar must hold on `today`: this year, and next year in December."""
    years = [today.year]
    if today.month >= NEXT_YEAR_FROM_MONTH:
        years.append(today.year + 1)
    return years


def missing_warning(today: date) -> str | None:
    """The warning to show when a year needed on `today` is missing, else None."""
    missing = missing_years(*years_needed(today))
    if not missing:
        return None
    listed = "、".join(f"{y}年" for y in missing)
    return (
        f"工作日日历缺少{listed}的节假日和调休安排：按工作日计算的期限（公示期、督办函回复期限）"
        f"将无法计算。请在“节假日”中录入，或升级 chinesecalendar 后运行 manage.py seed_holidays。"
    )
