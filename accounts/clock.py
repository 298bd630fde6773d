"""The one clock: the business date and every timestamp the product writes.

`today()` is the date deadlines, 序时进度 and warnings are judged against; `now()` is the
time stamped on every row the product writes (events, reports, close-outs, notices,
notifications, dispatch reports, uploads). Both read the same source, so a pinned business
date never sits beside the wall clock's date:

- `travel(moment)` (a context manager) moves the clock for the code inside it: the demo
  loader tells the demo city's story this way, one dated step after another;
- settings.TRACKER_NOW pins the clock to one moment;
- settings.TRACKER_TODAY pins the date and keeps the wall clock's time of day (the live demo
  is a snapshot of 2020-02-15: an action taken in it is stamped 2020-02-15 at the real time);
- otherwise the real time, and the local date in Asia/Shanghai.

Nothing in the product calls `timezone.now()` or `date.today()` for a value it stores;
`ClockDateTimeField` gives auto_now / auto_now_add fields the same clock.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.utils import timezone

_travelled: ContextVar[datetime | None] = ContextVar("tracker_clock", default=None)


def now() -> datetime:
    """The current moment as the product sees it (timezone-aware)."""
    moment = _travelled.get()
    if moment is not None:
        return moment
    pinned = getattr(settings, "TRACKER_NOW", None)
    if pinned is not None:
        return pinned
    real = timezone.now()
    pinned_day = getattr(settings, "TRACKER_TODAY", None)
    if pinned_day is None:
        return real
    local = timezone.localtime(real)
    return datetime.combine(pinned_day, local.timetz())


def today() -> date:
    """The business date."""
    moment = _travelled.get()
    if moment is not None:
        return timezone.localdate(moment)
    pinned = getattr(settings, "TRACKER_NOW", None)
    if pinned is not None:
        return timezone.localdate(pinned)
    pinned_day = getattr(settings, "TRACKER_TODAY", None)
    return pinned_day or timezone.localdate()


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware moment on `day` in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@contextmanager
def travel(moment: datetime | date) -> Iterator[datetime]:
    """Run the code inside with the clock at `moment` (a date means 09:00 that day)."""
    if not isinstance(moment, datetime):
        moment = at(moment)
    elif timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _travelled.set(moment)
    try:
        yield moment
    finally:
        _travelled.reset(token)


class ClockDateTimeField(models.DateTimeField):
    """A DateTimeField whose auto_now / auto_now_add values come from `now()`."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
