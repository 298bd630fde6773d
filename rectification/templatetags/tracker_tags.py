"""Template helpers for the tracker pages: Chinese numbering, status badges, file sizes."""

import json
from functools import cache

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from rectification.choices import ScheduleStatus, TaskStatus, WarningLevel

register = template.Library()

_DIGITS = "零一二三四五六七八九"


@register.filter
def cn_numeral(value) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (enough for feedback numbering)."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


_STATUS_CLASS = {
    TaskStatus.NOT_STARTED: "text-bg-secondary",
    TaskStatus.IN_PROGRESS: "text-bg-primary",
    TaskStatus.APPLIED: "text-bg-info",
    TaskStatus.IN_REVIEW: "text-bg-info",
    TaskStatus.PUBLICIZING: "text-bg-warning",
    TaskStatus.CLOSED: "text-bg-success",
}
_SCHEDULE_CLASS = {
    ScheduleStatus.BEHIND: "text-bg-danger",
    ScheduleStatus.ON: "text-bg-success",
    ScheduleStatus.AHEAD: "text-bg-primary",
    ScheduleStatus.NA: "text-bg-light",
}


@cache
def _labels(choices: type, language: str | None) -> dict[str, str]:
    """{value: label} of a choices class in a language: the badges of a 50-row table would
    otherwise build the enum's value list and resolve a lazy translation for every cell."""
    return {str(c.value): str(c.label) for c in choices}


def _label(choices: type, value) -> str:
    return _labels(choices, get_language()).get(value, value)


def _badge(css: str, label) -> str:
    return mark_safe(f'<span class="badge status-badge {escape(css)}">{escape(label)}</span>')


@register.simple_tag
def status_badge(status: str) -> str:
    return _badge(_STATUS_CLASS.get(status, ""), _label(TaskStatus, status))


@register.simple_tag
def schedule_badge(status: str) -> str:
    return _badge(_SCHEDULE_CLASS.get(status, ""), _label(ScheduleStatus, status))


@register.simple_tag
def warning_badge(level: str) -> str:
    if not level or level == WarningLevel.NONE:
        return ""
    return _badge(f"warn-{level}", _label(WarningLevel, level))


@register.filter
def status_label(status: str) -> str:
    """A task status, or a warning colour (the warning jobs' colour-change events)."""
    for choices in (TaskStatus, WarningLevel):
        labels = _labels(choices, get_language())
        if status in labels:
            return labels[status]
    return status


@register.filter
def filesize(size) -> str:
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for paging and sorting links)."""
    params = context["request"].GET.copy()
    for key in list(params):  # blank values are no filter (rectification.filtersets)
        values = [v for v in params.getlist(key) if v != ""]
        if values:
            params.setlist(key, values)
        else:
            del params[key]
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def bs_widget(field):
    """Render a bound field's widget with the Bootstrap class its type needs."""
    input_type = getattr(field.field.widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        css = "form-check-input"
    elif field.field.widget.__class__.__name__ in ("Select", "SelectMultiple"):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def fast_json_script(value, element_id: str):
    """Django's json_script, with the escaping done by three str.replace calls: the
    dashboard's 2,000 scatter points make ~250 kB of JSON, which json_script's per-character
    str.translate took 18 ms to escape. Same output (< > & as \\u escapes)."""
    payload = (
        json.dumps(value, cls=DjangoJSONEncoder)
        .replace("&", "\\u0026")
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
    )
    return format_html(
        '<script id="{}" type="application/json">{}</script>', element_id, mark_safe(payload)
    )


@register.simple_tag
def options(choices, selected="") -> str:
    """The <option> elements of `choices` ((value, label) pairs, or objects with pk and
    display_name / name), those whose value is in `selected` (a value or a list) marked
    selected: one Python call instead of a template loop, for the filter forms that list a
    province's hundreds of units and counties on every view."""
    chosen = {str(v) for v in selected} if isinstance(selected, list | tuple) else {str(selected)}
    html = []
    for choice in choices:
        if isinstance(choice, tuple | list):
            value, label = choice[0], choice[1]
        else:
            value = choice.pk
            label = getattr(choice, "display_name", None) or choice.name
        mark = " selected" if str(value) in chosen else ""
        html.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return mark_safe("".join(html))
