"""What OpenID Connect and LDAP logins share: finding the existing user an identity names,
and refusing, in Chinese and in the log, an identity that names none.

Single sign-on proves who a person is; it never decides what they may do. An identity is
mapped to an existing user (created by the office or the administrator, with their unit and
role) or refused: no user, unit or role is created or changed from a claim or an attribute.
"""

import logging

from django.contrib.auth import get_user_model
from django.http import HttpRequest

logger = logging.getLogger("accounts.sso")

NOT_ENROLLED = "统一身份认证账号“{name}”未在本系统开通，请联系环督办或系统管理员开通账号。"
AMBIGUOUS = "统一身份认证账号“{name}”对应本系统多个账号，无法登录，请联系系统管理员。"
INACTIVE = "账号已停用，请联系系统管理员。"
NO_IDENTITY = "统一身份认证未提供可识别本系统账号的信息（{claim}），请联系系统管理员。"
UNVERIFIED_EMAIL = "统一身份认证提供的电子邮箱未经验证，无法登录。"
FAILED = "统一身份认证登录失败，请重新登录。"
UNAVAILABLE = "统一身份认证服务暂时无法访问，请稍后再试或使用用户名和密码登录。"
STALE_REQUEST = "登录请求已失效，请重新点击“统一身份认证登录”。"
CANCELLED = "统一身份认证未完成登录，请重新登录。"

# The attribute a refusal is left on for the login page (registration/login.html).
REFUSAL = "sso_refusal"


def refuse(request: HttpRequest | None, message: str, reason: str, **details) -> None:
    """Log why an SSO login was refused, and leave the Chinese message for the login page."""
    logger.warning("SSO login refused: %s %s", reason, details)
    if request is not None:
        setattr(request, REFUSAL, message)


def refusal(request: HttpRequest) -> str:
    return getattr(request, REFUSAL, "")


def existing_user(request: HttpRequest | None, field: str, value: str, *, source: str):
    """The one active user whose `field` (username or email) equals `value`, ignoring case;
    None (refused, with the reason) when there is none, more than one, or it is inactive."""
    users = list(get_user_model()._default_manager.filter(**{f"{field}__iexact": value})[:2])
    if not users:
        refuse(
            request,
            NOT_ENROLLED.format(name=value),
            "no such user",
            source=source,
            **{field: value},
        )
        return None
    if len(users) > 1:
        refuse(
            request, AMBIGUOUS.format(name=value), "several users", source=source, **{field: value}
        )
        return None
    if not users[0].is_active:
        refuse(request, INACTIVE, "inactive user", source=source, username=users[0].username)
        return None
    return users[0]
