"""The login page's single sign-on parts (registration/login.html)."""

from django import template
from django.conf import settings

from accounts import sso

register = template.Library()


@register.simple_tag(takes_context=True)
def sso_refusal(context) -> str:
    """Why an LDAP login was refused (an existing directory account without a user here)."""
    request = context.get("request")
    return sso.refusal(request) if request is not None else ""


@register.inclusion_tag("registration/_sso_login.html", takes_context=True)
def sso_login_button(context) -> dict:
    """“统一身份认证登录”, only when OpenID Connect is configured."""
    return {"oidc_enabled": settings.OIDC_ENABLED, "next": context.get("next", "")}
