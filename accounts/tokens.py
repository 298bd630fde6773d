"""API tokens: made, found and revoked here only (the /me/tokens/ page, the admin site, the
create_api_token command and the API's authentication all call these functions).

A key is `<prefix>.<secret>`; the database keeps its SHA-256 only, so the key is shown once.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from accounts import clock
from accounts.choices import TokenScope
from accounts.errors import InvalidInput, NotFound
from accounts.models import ApiToken, User

PREFIX_LENGTH = 8


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown to the owner once, never stored


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _new_key() -> str:
    return f"{secrets.token_hex(PREFIX_LENGTH // 2)}.{secrets.token_urlsafe(32)}"


@transaction.atomic
def api_token_create(
    *,
    user: User,
    actor: User,
    name: str,
    scope: str = TokenScope.READ,
    days: int | None = None,
) -> IssuedToken:
    """A new token of `user` (made by the user, or by an administrator for a system account),
    valid for `days` (default settings.API_TOKEN_DAYS)."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise NotFound("用户不存在或不在您的权限范围内")
    if not user.is_active:
        raise InvalidInput(f"用户已停用：{user.username}", field="user")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写令牌名称（用途，如“数据对接系统”）", field="name")
    if len(name) > 100:
        raise InvalidInput("令牌名称不能超过 100 个字", field="name")
    if scope not in TokenScope.values:
        raise InvalidInput("请选择令牌权限（只读或读写）", field="scope")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise InvalidInput(f"有效期须为 1 至 {settings.API_TOKEN_MAX_DAYS} 天", field="days")
    key = _new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
        scope=scope,
        expires_at=clock.now() + timedelta(days=days),
    )
    return IssuedToken(token, key)


def api_token_revoke(*, token: ApiToken | int, actor: User) -> ApiToken:
    """Revoke a token: its owner (/me/tokens/) or an administrator (the admin site). The row
    stays, so the owner's list shows when it was revoked."""
    pk = token.pk if isinstance(token, ApiToken) else token
    tokens = ApiToken.objects.all() if actor.is_superuser else ApiToken.objects.visible_to(actor)
    found = tokens.filter(pk=pk).first()
    if found is None:
        raise NotFound("令牌不存在或不在您的权限范围内")
    if found.revoked_at is None:
        now = clock.now()
        # conditional: two clicks at once revoke once, the first time stays
        ApiToken.objects.filter(pk=pk, revoked_at__isnull=True).update(revoked_at=now)
        found.refresh_from_db(fields=["revoked_at"])
    return found


def api_token_revoke_all(*, user: User, actor: User) -> int:
    """Revoke every live token of `user` (create_api_token --rotate)."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise NotFound("用户不存在或不在您的权限范围内")
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


def api_token_for_key(key: str) -> ApiToken | None:
    """The live token of `key` with its user, unit and region (one query), or None: unknown,
    revoked, expired, or its owner deactivated. (No "last used" is written: a read stays a
    read, and the list endpoints' pinned query counts hold for token calls too.)"""
    token = (
        ApiToken.objects.select_related("user__unit__region")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    now = clock.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    return token
