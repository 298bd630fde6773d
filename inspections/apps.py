from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class InspectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inspections"
    verbose_name = "督察与问题"

    def ready(self) -> None:
        from inspections import (
            checks,  # noqa: F401  (registers the system checks)
            workdays,
        )
        from inspections.models import Holiday

        # An admin's edit of the calendar counts at once in this process (others reload
        # within workdays.CACHE_SECONDS).
        post_save.connect(workdays.clear_cache, sender=Holiday, dispatch_uid="holiday_saved")
        post_delete.connect(workdays.clear_cache, sender=Holiday, dispatch_uid="holiday_deleted")
