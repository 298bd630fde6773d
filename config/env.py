"""Typed readers for environment variables that fail loudly on bad values.

Every setting the project reads from the environment goes through these helpers, and every
variable is documented in `.env.example`.
"""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_date(name: str) -> date | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a date YYYY-MM-DD, got {raw!r}") from exc


def env_datetime(name: str) -> datetime | None:
    """An ISO date-time (e.g. 2020-02-15T10:30); a naive value is in TIME_ZONE."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be a date-time YYYY-MM-DDTHH:MM, got {raw!r}"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return value
