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
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from accounts import access, lockout
        from accounts.middleware import stamp_login

        # Session bookkeeping, not a business rule: the idle timeout and the absolute
        # lifetime count from the moment of login (accounts.middleware).
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: stamp_login(request) if request else None,
            dispatch_uid="accounts.stamp_login",
            weak=False,
        )
        # The access log (accounts.access) and the growing lockout (accounts.lockout).
        user_logged_in.connect(access.on_logged_in, dispatch_uid="accounts.access.login")
        user_logged_out.connect(access.on_logged_out, dispatch_uid="accounts.access.logout")
        user_login_failed.connect(access.on_login_failed, dispatch_uid="accounts.access.failed")
        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="accounts.lockout.locked")
