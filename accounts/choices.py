from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "PROVINCE", _("省")
    CITY = "CITY", _("市")
    COUNTY = "COUNTY", _("县区")
    TOWNSHIP = "TOWNSHIP", _("乡镇街道")


class UnitKind(models.TextChoices):
    PARTY = "PARTY", _("党委")
    GOV = "GOV", _("人民政府")
    DEPT = "DEPT", _("部门")
    COORD_OFFICE = "COORD_OFFICE", _("环督办")
    PARK = "PARK", _("园区管委会")
    DISCIPLINE = "DISCIPLINE", _("纪委监委")
    INSPECTOR = "INSPECTOR", _("督察机构")
    ENTERPRISE = "ENTERPRISE", _("企业")


class Role(models.TextChoices):
    REPORTER = "REPORTER", _("单位填报员")
    UNIT_HEAD = "UNIT_HEAD", _("单位审核人")
    OFFICE = "OFFICE", _("环督办")
    LEADER = "LEADER", _("领导（只读）")
    ADMIN = "ADMIN", _("系统管理员")


class TokenScope(models.TextChoices):
    READ = "READ", _("只读")
    WRITE = "WRITE", _("读写")


class AccessKind(models.TextChoices):
    """What an access-log row records (accounts.access)."""

    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("登录锁定")
    DENIED = "denied", _("拒绝访问")
    DOWNLOAD = "download", _("导出/下载")
