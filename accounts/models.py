"""Regions, units (organizations), people, users and their API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import AccessKind, RegionLevel, Role, TokenScope, UnitKind
from accounts.clock import ClockDateTimeField
from accounts.scope import ScopedQuerySet


class Region(models.Model):
    """Administrative region: province → city → county → township (GB/T 2260 style codes)."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "990000/990100/990102/": the codes from the root down. Lets scope select a whole
    # subtree with one indexed prefix query instead of walking parents.
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=RegionLevel.values), name="region_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # path is a pure function of the parent chain; computing it here keeps it correct for
        # every writer (admin, loader, import) without a rule living anywhere else.
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)


class Unit(models.Model):
    """An organization that is assigned tasks or reviews them (单位)."""

    name = models.CharField(_("全称"), max_length=128, unique=True)
    short_name = models.CharField(_("简称"), max_length=64, blank=True)
    # Other names the unit goes by in spreadsheets, one per line (市住建局 = 市住房和城乡建设局).
    aliases = models.TextField(_("别名"), blank=True, help_text=_("每行一个"))
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        "Person",
        verbose_name=_("主要负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    webhook_url = models.URLField(_("群机器人地址"), blank=True, max_length=500)
    webhook_kind = models.CharField(
        _("群机器人类型"),
        max_length=16,
        blank=True,
        choices=[("wecom", _("企业微信")), ("dingtalk", _("钉钉"))],
    )
    sort = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["sort", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class Person(models.Model):
    """A named person: responsible person (责任人) or leader in charge (分管领导)."""

    name = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("职务"), max_length=128, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="people"
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_leader = models.BooleanField(_("市领导"), default=False)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit_id", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class User(AbstractUser):
    """A login. What it sees and may change follows from its unit and role (accounts/scope.py)."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.REPORTER)
    phone = models.CharField(_("手机"), max_length=32, blank=True)
    # Set when the office or the administrator created the account or reset its password: the
    # user must choose a password of their own before anything else (ForcedPasswordChange
    # middleware); cleared by accounts.services.password_change.
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        # Bulk loaders (devtools' generated province) write users without naming it.
        db_default=False,
        help_text=_("初始密码或重置后的临时密码，用户下次登录时须先修改"),
    )
    # Whether the user has a confirmed TOTP device (two-factor login, accounts.mfa), kept by
    # accounts.mfa: a request of a user without one costs no query to find that out.
    mfa_enabled = models.BooleanField(
        _("已启用两步验证"),
        default=False,
        db_default=False,
        editable=False,
        help_text=_("登录时须输入身份验证器上的验证码；由“重置两步验证”清除"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        full = self.get_full_name() or self.username
        return f"{full}（{self.unit}）" if self.unit_id else full

    def get_full_name(self) -> str:
        # Chinese names: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class AccountEvent(models.Model):
    """What happened to a login's password or second factor, and who did it (reset, change,
    two-factor enrolment, verification, failure, reset).

    Logins, failed logins, lockouts, refusals and downloads are in AccessRecord (the access
    log); django-axes keeps its own counters (AccessAttempt) for the lockout. This table holds
    the changes the product itself makes to an account.
    """

    class Verb(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("重置密码")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        MFA_ENROLLED = "mfa_enrolled", _("启用两步验证")
        MFA_VERIFIED = "mfa_verified", _("两步验证通过")
        MFA_RECOVERY_USED = "mfa_recovery_used", _("使用恢复码登录")
        MFA_FAILED = "mfa_failed", _("两步验证失败")
        MFA_RECOVERY_CODES = "mfa_recovery_codes", _("重新生成恢复码")
        MFA_DISABLED = "mfa_disabled", _("关闭两步验证")
        MFA_RESET = "mfa_reset", _("重置两步验证")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="account_events"
    )
    verb = models.CharField(_("操作"), max_length=32, choices=Verb.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("账号记录")
        verbose_name_plural = _("账号记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    verb__in=[
                        "password_reset",
                        "password_change",
                        "mfa_enrolled",
                        "mfa_verified",
                        "mfa_recovery_used",
                        "mfa_failed",
                        "mfa_recovery_codes",
                        "mfa_disabled",
                        "mfa_reset",
                    ]
                ),
                name="account_event_verb_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_verb_display()}"


class ApiToken(models.Model):
    """A key another system sends as `Authorization: Token <key>` to act as its owner.

    Only the SHA-256 of the key is stored (the key is shown once, when it is made: a copy of
    the database lets nobody call the API); `prefix` (its first characters) tells the owner's
    tokens apart. A token expires, may be revoked, and is read-only or read-write: within
    that, the owner's role and unit decide what it sees and does, exactly as for the person.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("所有人"),
        # Users are deactivated, not deleted; if one ever is, its keys must go with it.
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    scope = models.CharField(
        _("权限"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    # A token reaches its owner only (/me/tokens/); the admin site lists all of them.
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="api_token_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def state(self, now) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        if self.expires_at <= now:
            return "已过期"
        return "有效"


class AccessRecord(models.Model):
    """The access log: logins, logouts, failed logins, lockouts, refusals (403) and every
    export or download, with who, from where and what (accounts.access writes it).

    Read by the administrator only (admin, read-only); rows older than
    ACCESS_LOG_RETENTION_DAYS are deleted by the daily housekeeping job.
    """

    created_at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=AccessKind.choices)
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        # A user is deactivated, not deleted; if one ever is, the record keeps the name tried.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=255, blank=True)
    method = models.CharField(_("方法"), max_length=8, blank=True)
    path = models.CharField(_("地址"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    object_label = models.CharField(_("对象"), max_length=255, blank=True)
    detail = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AccessKind.values), name="access_record_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="access_kind_time"),
            # The lockout back-off counts an account's (or an address's) earlier lockouts.
            models.Index(fields=["ip_address", "kind", "created_at"], name="access_ip_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"


class EventSeal(models.Model):
    """One link of the tamper-evident chain over the event tables (accounts/chain.py).

    Every event row (rectification.Event, inspections.InspectionEvent, AccountEvent) gets one
    seal, written in the writer's transaction: `hash` is SHA-256 over the previous seal's hash,
    this seal's `seq`, the table, the event id and every non-empty column of the event row.
    One global chain in `seq` order (docs/adr/0006-tamper-evident-events.md). Append-only: on
    PostgreSQL a trigger refuses UPDATE and DELETE here and on the event tables."""

    seq = models.BigIntegerField(_("序号"), primary_key=True)
    table = models.CharField(_("表"), max_length=64)
    event_id = models.BigIntegerField(_("记录编号"))
    prev_hash = models.CharField(_("前一哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    class Meta:
        verbose_name = _("操作记录封存")
        verbose_name_plural = _("操作记录封存")
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["table", "event_id"], name="event_seal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.table}#{self.event_id}"
