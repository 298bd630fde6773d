"""Business-calendar arithmetic shared by the jobs (months, cutoffs, Asia/Shanghai midnights)."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(day: date) -> date:
    return next_month_start(day) - timedelta(days=1)


def previous_month_start(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def report_cutoff(day: date) -> date:
    """The monthly progress report's due day in `day`'s month (same rule as period_for)."""
    return day.replace(day=min(settings.MONTHLY_REPORT_CUTOFF_DAY, month_end(day).day))


def local_midnight(day: date) -> datetime:
    """00:00 of `day` in the project's time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))
