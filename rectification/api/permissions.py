"""API permissions. Scope (who sees which row) is not here: it is the querysets' visible_to().

Here only the coarse rules that need no row: leaders are read-only (docs/design.md §4), and
so is a read-only API token, whoever its owner.
Row-level rules (which unit may report, who may accept) live in the services, which raise
NotAllowed (403) or NotFound (404).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.choices import Role, TokenScope
from accounts.models import ApiToken


class ReadOnlyForLeaders(BasePermission):
    message = "领导账号为只读，不能修改数据"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "leader_may_write", False):
            return True
        user = request.user
        return not (user and user.is_authenticated and user.role == Role.LEADER)


class TokenScopeAllows(BasePermission):
    message = "该 API 令牌为只读令牌，不能修改数据（请使用读写令牌）"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if request.method in SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        return token.scope == TokenScope.WRITE
