"""The business date.

Deadlines, 序时进度 and warnings are judged against `today()`. It is the real local date in
Asia/Shanghai unless settings.TRACKER_TODAY pins it (the demo city is a snapshot of
2020-02-15, so its live demo pins that day). Timestamps (events, uploads) stay real.
"""

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    pinned = getattr(settings, "TRACKER_TODAY", None)
    return pinned or timezone.localdate()
