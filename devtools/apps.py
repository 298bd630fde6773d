from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Tools around the product, not part of it: the demo city (load_demo), the synthetic
    province (generate_province) and the benchmark. Product code never imports this app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "devtools"
    verbose_name = "开发工具"
