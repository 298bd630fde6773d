"""The admin site, with the second factor (README 登录与密码).

MfaMiddleware already sends a session that owes its second factor to the code page before
any admin page; the site checks it too, so that the admin never relies on one middleware's
place in the list: a password alone, through /admin/login/ or /login/, never opens it."""

from django.contrib.admin import AdminSite


class MfaAdminSite(AdminSite):
    def has_permission(self, request) -> bool:
        from accounts import mfa

        return super().has_permission(request) and mfa.pending(request) is None
