from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MfaAdminConfig(admin_apps.AdminConfig):
    """Django's admin, its site refusing a session that has not passed the second factor
    (accounts.admin_site.MfaAdminSite). Named in INSTALLED_APPS instead of
    "django.contrib.admin"."""

    default = False
    default_site = "accounts.admin_site.MfaAdminSite"


class AccountsConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "机构与账号"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import stamp_login

        # Session bookkeeping, not a business rule: the idle timeout and the absolute
        # lifetime count from the moment of login (accounts.middleware).
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: stamp_login(request) if request else None,
            dispatch_uid="accounts.stamp_login",
            weak=False,
        )
