"""The admin home page's warning about a year missing from the working-day calendar."""

from django import template

from accounts import clock
from inspections import workdays

register = template.Library()


@register.simple_tag
def workday_calendar_warning() -> str | None:
    return workdays.missing_warning(clock.today())
