from django.apps import AppConfig


class RectificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rectification"
    verbose_name = "整改台账"

    def ready(self) -> None:
        from inspections import petition_services
        from rectification.services.petitions import notify_petition_assigned

        petition_services.on_petition_assigned(notify_petition_assigned)
