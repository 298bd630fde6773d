"""Scope: the one module that answers which rows a user may see, and in what capacity.

Rules (DESIGN.md §4):
- admin: everything (read); changes accounts and reference data only;
- inspection office and leaders: everything whose region lies in their unit's region subtree;
- reporters and unit heads: rows their unit is assigned to (lead, cooperating, territorial,
  sector), nothing else;
- anyone else (no unit, inactive, anonymous): nothing.

Every list, count, dashboard, export, API endpoint, download and job reads through
`restrict()` (via each model's `visible_to(user)` queryset method). An object outside a
user's scope is a 404; inside it but not allowed is a 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from django.db.models import Q, QuerySet

from accounts.choices import Role
from accounts.models import Region, Unit, User


class Reach(Enum):
    NONE = "none"
    ALL = "all"
    REGION = "region"
    UNIT = "unit"


@dataclass(frozen=True)
class UserScope:
    reach: Reach
    unit_id: int | None = None
    region_path: str = ""  # REGION reach: the materialized path of the user's unit's region

    def subtree(self) -> QuerySet:
        """REGION reach: the ids of the regions in the subtree, as a subquery with a literal
        path prefix. Lists filter `region_id IN (subquery)`, never a list of thousands of
        literal ids to send and plan on every request at province scale."""
        if self.reach is not Reach.REGION or not self.region_path:
            return Region.objects.none().values("pk")
        return Region.objects.filter(path__startswith=self.region_path).values("pk")

    @cached_property
    def region_ids(self) -> tuple[int, ...]:
        """The subtree's ids (one query, then cached with the scope for the request)."""
        return tuple(self.subtree().values_list("pk", flat=True))


_NOBODY = UserScope(Reach.NONE)


def scope_of(user) -> UserScope:
    """What the user reaches. Cached on the user object for the length of a request."""
    cached = getattr(user, "_tracker_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if getattr(user, "is_authenticated", False):
        user._tracker_scope = scope
    return scope


def _compute_scope(user) -> UserScope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    if user.is_superuser or user.role == Role.ADMIN:
        return UserScope(Reach.ALL)
    if not user.unit_id:
        return _NOBODY
    if user.role in (Role.OFFICE, Role.LEADER):
        # The path of the region of the user's unit: loaded with the user by the
        # authentication backends (accounts.backends), else one query.
        unit = user.unit if User.unit.is_cached(user) else None
        if unit is not None and Unit.region.is_cached(unit):
            path = unit.region.path
        else:
            path = (
                Unit.objects.filter(pk=user.unit_id).values_list("region__path", flat=True).first()
            )
        return UserScope(Reach.REGION, unit_id=user.unit_id, region_path=path or "")
    if user.role in (Role.REPORTER, Role.UNIT_HEAD):
        return UserScope(Reach.UNIT, unit_id=user.unit_id)
    return _NOBODY


def restrict(
    qs: QuerySet,
    user,
    *,
    region_field: str | None,
    unit_q: Callable[[int], Q] | None,
    region_q: Callable[[QuerySet], Q] | None = None,
) -> QuerySet:
    """Narrow `qs` to what `user` may see.

    region_field: the lookup path to the row's region (for offices and leaders), or None when
    the rows have no region of their own (then office/leader see them only through unit_q's
    rows, which is never the case today).
    unit_q: builds the condition "the user's unit is assigned to this row".
    region_q: for rows that belong to a region *and* to what lies below it (a city round seen
    by a county office through its county's tasks): builds the condition from the subtree ids
    (a subquery), used instead of region_field.
    """
    scope = scope_of(user)
    if scope.reach is Reach.ALL:
        return qs
    if scope.reach is Reach.REGION and region_q is not None:
        return qs.filter(region_q(scope.subtree()))
    if scope.reach is Reach.REGION and region_field is not None:
        return qs.filter(**{f"{region_field}__in": scope.subtree()})
    if scope.reach is Reach.UNIT and unit_q is not None:
        return qs.filter(unit_q(scope.unit_id))
    return qs.none()


def sees_region(user, region_id: int | None) -> bool:
    """Whether an office or leader user's region subtree contains region_id."""
    scope = scope_of(user)
    if scope.reach is Reach.ALL:
        return True
    return scope.reach is Reach.REGION and region_id in scope.region_ids


def is_office(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.OFFICE


def is_unit_member(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role in (Role.REPORTER, Role.UNIT_HEAD)
        and user.unit_id is not None
    )
