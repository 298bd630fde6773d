"""Admin for regions, units, people and users: the reference data the system administrator keeps."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import clock, services, tokens
from accounts.errors import ServiceError
from accounts.models import (
    AccessRecord,
    AccountEvent,
    ApiToken,
    EventSeal,
    Person,
    Region,
    Unit,
    User,
)

# django-otp's own device admins show and edit the TOTP secrets; a device is made by its
# owner (个人信息 → 两步验证) and removed by the reset action on the user list.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

admin.site.site_header = _("督察整改台账 管理后台")
admin.site.site_title = _("督察整改台账")
admin.site.index_title = _("基础数据与记录")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "region", "parent", "sort", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    search_fields = ["name", "short_name", "aliases"]
    list_select_related = ["region", "parent"]
    autocomplete_fields = ["region", "parent", "head"]
    list_editable = ["sort"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "aliases", "kind", "region", "parent"]}),
        (_("联系"), {"fields": ["head", "phone"]}),
        (_("群机器人"), {"fields": ["webhook_kind", "webhook_url"]}),
        (_("其他"), {"fields": ["sort", "is_active"]}),
    ]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "unit", "phone", "is_leader"]
    list_filter = ["is_leader", "unit__kind"]
    search_fields = ["name", "title", "unit__name", "unit__short_name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "display_name",
        "unit",
        "role",
        "phone",
        "is_active",
        "must_change_password",
        "mfa_enabled",
        "is_staff",
        "last_login",
    ]
    list_filter = [
        "role",
        "is_active",
        "must_change_password",
        "mfa_enabled",
        "is_staff",
        "is_superuser",
        "unit__kind",
    ]
    search_fields = [
        "username",
        "last_name",
        "first_name",
        "email",
        "phone",
        "unit__name",
        "unit__short_name",
    ]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "person"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["last_name", "first_name", "email", "phone"]}),
        # What the user sees and may change follows from unit and role (accounts/scope.py).
        (_("单位与角色"), {"fields": ["unit", "role", "person"]}),
        (
            _("权限"),
            {
                "fields": [
                    "is_active",
                    "must_change_password",
                    "mfa_enabled",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("单位与角色"), {"fields": ["last_name", "first_name", "unit", "role", "person"]}),
    ]

    actions = ["reset_passwords", "reset_mfa"]
    readonly_fields = ["mfa_enabled"]

    @admin.display(description=_("姓名"), ordering="last_name")
    def display_name(self, obj: User) -> str:
        return obj.get_full_name() or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # The password typed in the new-user form is an initial one.
            services.mark_password_temporary(user=obj, by=request.user, note="新建账号的初始密码")

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):
            # The password form saved: a password the administrator typed for someone else
            # is temporary too.
            user = self.get_object(request, id)
            services.mark_password_temporary(user=user, by=request.user, note="管理员设置的密码")
        return response

    @admin.action(description=_("重置密码（生成临时密码）"))
    def reset_passwords(self, request, queryset):
        done = [
            (user, services.reset_password(user=user, by=request.user))
            for user in queryset.order_by("username")
            if user.pk != request.user.pk
        ]
        if not done:
            self.message_user(request, "没有可重置的账号（不能重置自己的密码）。", messages.WARNING)
            return None
        # The temporary passwords are shown on this response only, never stored.
        response = TemplateResponse(
            request,
            "admin/accounts/user/reset_passwords_done.html",
            {
                **self.admin_site.each_context(request),
                "title": "临时密码",
                "done": done,
                "opts": self.model._meta,
                "mailed": services.mail_configured(),
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description=_("重置两步验证（手机丢失）"))
    def reset_mfa(self, request, queryset):
        done, skipped = [], []
        for user in queryset.order_by("username"):
            try:
                services.reset_mfa(user=user, by=request.user)
            except ServiceError:
                skipped.append(user.username)
            else:
                done.append(user.username)
        if done:
            self.message_user(
                request,
                f"已重置 {len(done)} 个账号的两步验证：{'、'.join(done)}。下次登录时须重新绑定。",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request, f"未启用两步验证，无需重置：{'、'.join(skipped)}。", messages.WARNING
            )


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Read-only: rows written by accounts.services."""

    list_display = ["created_at", "user", "verb", "actor", "note"]
    list_filter = ["verb"]
    search_fields = ["user__username", "actor__username", "note"]
    list_select_related = ["user__unit", "actor__unit"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventSeal)
class EventSealAdmin(admin.ModelAdmin):
    """Read-only: the event log's hash chain, written by accounts.events (accounts/chain.py)."""

    list_display = ["seq", "table", "event_id", "hash"]
    list_filter = ["table"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Listed and revoked here; made by their owner on /me/tokens/ or with `create_api_token`
    (the key is shown once, to whoever made it: never here)."""

    list_display = [
        "name",
        "prefix",
        "user",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username", "user__last_name"]
    list_select_related = ["user__unit"]
    readonly_fields = list_display
    fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("吊销所选 API 令牌"), permissions=["view"])
    def revoke(self, request, queryset):
        now = clock.now()
        live = [t for t in queryset if t.state(now) == "有效"]
        for token in live:
            tokens.api_token_revoke(token=token, actor=request.user)
        self.message_user(request, f"已吊销 {len(live)} 个令牌", messages.SUCCESS)


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """The access log (accounts.access): read-only; old rows go with the daily job."""

    list_display = [
        "created_at",
        "kind",
        "username",
        "user",
        "ip_address",
        "method",
        "path",
        "status",
        "object_label",
        "detail",
    ]
    list_filter = ["kind", ("user", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["username", "ip_address", "path", "object_label", "detail", "user_agent"]
    list_select_related = ["user__unit"]
    date_hierarchy = "created_at"
    readonly_fields = [*list_display, "user_agent"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
