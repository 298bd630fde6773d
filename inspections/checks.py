"""System checks of inspections' reference data: the working-day calendar."""

from django.core import checks
from django.db import DatabaseError, connection


@checks.register()
def workday_calendar_years(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the business year (or, in December, the next year) has no Holiday rows.

    Only when the database is reachable and migrated: `check --deploy` with a database that
    does not exist yet, or a fresh checkout before `migrate`, has nothing to say here.
    """
    from accounts import clock
    from inspections import workdays
    from inspections.models import Holiday

    try:
        if Holiday._meta.db_table not in connection.introspection.table_names():
            return []
        warning = workdays.missing_warning(clock.today())
    except (DatabaseError, RuntimeError):
        # RuntimeError: database access is not allowed here (a test without the database,
        # Celery's start-up checks inside one).
        return []
    finally:
        workdays.clear_cache()
    if warning is None:
        return []
    return [
        checks.Warning(
            warning,
            hint="后台 /admin/inspections/holiday/ 录入，或 manage.py seed_holidays",
            obj="inspections.Holiday",
            id="inspections.W001",
        )
    ]
