"""Scope: the one module that answers which rows a user may see, and in what capacity.

Rules (docs/design.md §4):
- admin: everything (read); changes accounts and reference data only;
- inspection office and leaders: everything whose region lies in their unit's region subtree;
- reporters and unit heads: rows their unit is assigned to (lead, cooperating, territorial,
  sector), nothing else;
- anyone else (no unit, inactive, anonymous): nothing.

How the rows of each model reach a user is declared once, in SCOPE below; every model in it
gets `Model.objects.visible_to(user)` from ScopedQuerySet. Lists, counts, dashboards, exports,
API endpoints and downloads read through it (pages with get_visible_or_404, API viewsets with
ScopedViewMixin). An object outside a user's scope is a 404; inside it but not allowed is a
403 (which moves a user may make on a task: rectification.lifecycle.allowed_moves).
"""

from dataclasses import dataclass
from enum import Enum
from functools import cache, cached_property

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.choices import Role


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
        from accounts.models import Region  # accounts.models builds on ScopedQuerySet

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
    from accounts.models import Unit, User

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


# ---------------------------------------------------------------------------------------------
# How each model's rows reach a user: the one table


@dataclass(frozen=True)
class Rule:
    """How the rows of one model reach a user.

    region: lookups from the row to a Region. An office or a leader sees the row when one of
        them lies in its region subtree (a lookup through a to-many relation is an EXISTS).
    unit: lookups from the row to a Unit. A reporter or a unit head sees the row when one of
        them is its own unit.
    via: a foreign key. The row reaches whoever the row it points to reaches.
    recipient: a lookup to a User. The row is that user's own and nobody else's, not even an
        administrator's.
    hidden_from_units: (lookup, value) pairs of rows reporters and unit heads never see.
    live: lookups to the withdrawn_at of official records the row belongs to, beyond its own
        and those reached through `via` (which are found by themselves): while one of them is
        set the row is hidden with that record (accounts.withdrawal).
    Administrators see every row of every model without a recipient.
    """

    region: tuple[str, ...] = ()
    unit: tuple[str, ...] = ()
    via: str = ""
    recipient: str = ""
    hidden_from_units: tuple[tuple[str, object], ...] = ()
    live: tuple[str, ...] = ()


# Keyed by model label; accounts imports no other app, so the lookups are strings. Every model
# of inspections, rectification and exchange is here or in UNSCOPED (tests/services/test_permissions_
# oracle.py checks both, and compares every persona's rows with a hand-written oracle).
SCOPE: dict[str, Rule] = {
    "accounts.Region": Rule(region=("pk",)),
    # An API token is its owner's only (the admin site lists them all).
    "accounts.ApiToken": Rule(recipient="user"),
    "accounts.Unit": Rule(region=("region",), unit=("pk",)),
    "inspections.InspectionRound": Rule(
        # A county office also sees the city round its county's tasks belong to; a unit, the
        # rounds in which it holds a task or a problem.
        # Through the task's own round (Task.round is always its problem's): one EXISTS over
        # the (region, round) index instead of a join over every problem's tasks.
        region=("region", "tasks__region"),
        unit=("tasks__assignments__unit", "problems__assignments__unit"),
    ),
    "inspections.FeedbackAspect": Rule(via="round"),
    "inspections.FeedbackCategory": Rule(via="aspect"),
    "inspections.Problem": Rule(
        region=("round__region", "tasks__region"),
        unit=("tasks__assignments__unit", "assignments__unit"),
    ),
    # A unit sees the petitions handed to it, as lead (承办) or cooperating unit (配合).
    "inspections.Petition": Rule(
        region=("region",), unit=("handling_unit", "cooperating_units__pk")
    ),
    "rectification.Task": Rule(region=("region",), unit=("assignments__unit",)),
    "rectification.Assignment": Rule(via="task"),
    "rectification.Milestone": Rule(via="task"),
    "rectification.ProgressReport": Rule(via="task"),
    "rectification.ProgressReportRevision": Rule(via="report"),
    "rectification.Attachment": Rule(via="task"),
    "rectification.PetitionAttachment": Rule(via="petition"),
    "rectification.Extension": Rule(via="task"),
    "rectification.CloseoutApplication": Rule(via="task"),
    "rectification.CloseoutReview": Rule(via="application"),
    "rectification.PublicNotice": Rule(via="application"),
    # A citizen's objection (name, phone): the office and leaders of the task's region only.
    "rectification.PublicObjection": Rule(
        region=("notice__application__task__region",),
        live=("notice__application__task__withdrawn_at",),
    ),
    "rectification.Warning": Rule(via="task"),
    "rectification.LookBackCheck": Rule(via="task"),
    "rectification.Event": Rule(via="task"),
    "rectification.AccountabilityRecord": Rule(
        region=("task__region", "round__region"),
        unit=("task__assignments__unit",),
        live=("task__withdrawn_at", "round__withdrawn_at"),
    ),
    "rectification.SupervisionNotice": Rule(
        region=("target_unit__region",),
        unit=("target_unit",),
        # A letter the warnings job only proposed (拟发) is the office's draft.
        hidden_from_units=(("status", "PROPOSED"),),
    ),
    "rectification.Notification": Rule(recipient="recipient"),
    "rectification.SavedFilter": Rule(recipient="user"),
    # The dashboard's and the dispatch report's audience: offices and leaders, never units.
    "rectification.DispatchReport": Rule(region=("region",)),
    "rectification.DailyTally": Rule(region=("region",)),
    "rectification.TallyTrend": Rule(region=("region",)),
    # A background plan import: the offices (and leaders) of its submitter's region subtree.
    "exchange.ImportJob": Rule(region=("region",)),
    # A round's archive bundle: offices and leaders whose region holds the round's (the
    # pages and the download add: the office only, seeing every task of the round).
    "exchange.ArchiveJob": Rule(region=("round__region",)),
}

# Models whose rows are not anyone's in particular: reference data and bookkeeping.
UNSCOPED: frozenset[str] = frozenset(
    {
        "accounts.Person",
        "accounts.User",
        # Password resets and changes: the admin (read-only) and the audit export, which gives
        # an office the events of the accounts it manages (exchange/audit.py).
        "accounts.AccountEvent",
        # The access log (accounts.access): the administrator's, in the admin only.
        "accounts.AccessRecord",
        # The event tables' hash chain (accounts/chain.py): read by verify_events only.
        "accounts.EventSeal",
        "inspections.Holiday",
        "inspections.ImportBatch",
        # Read only through the round or petition it is about, once that row has been found
        # in the reader's scope (the petition page, the audit export: exchange/audit.py); it
        # has no region or unit of its own.
        "inspections.InspectionEvent",
        "rectification.ReportingPeriod",
        # The scheduled jobs' run ledger: deployment-wide bookkeeping, shown without figures on
        # the office's /jobs/ page and in the admin.
        "rectification.JobRun",
        "rectification.TallyDay",
    }
)


@dataclass(frozen=True)
class _Path:
    """A compiled lookup: a plain filter, or EXISTS over the rows of the first to-many
    relation on the way (so a row never repeats and the list's COUNT needs no DISTINCT)."""

    lookup: str
    related: type[Model] | None = None  # set: EXISTS over this model's rows …
    back: str = ""  # … whose field `back` points at …
    outer: str = "pk"  # … this field of the outer row, and whose `rest` reaches the value
    rest: str = ""
    # The withdrawn_at of withdrawable rows `rest` passes through (a round's problem's task):
    # a withdrawn task does not bring its problem or round into a unit's sight.
    live: tuple[str, ...] = ()

    def q(self, value) -> Q:
        if self.related is None:
            return Q(**{_lookup_for(self.lookup, value): value})
        inner = self.related._default_manager.filter(
            **{self.back: OuterRef(self.outer), _lookup_for(self.rest, value): value},
            **{f"{lookup}__isnull": True for lookup in self.live},
        )
        return Q(Exists(inner))


def _withdrawable_on(model: type[Model], parts: list[str]) -> tuple[str, ...]:
    """The withdrawn_at lookups of the withdrawable models a lookup passes through from
    `model` (not `model` itself, whose default manager leaves its withdrawn rows out)."""
    found = []
    opts = model._meta
    for i, part in enumerate(parts):
        if part == "pk":
            break
        field = opts.get_field(part)
        if not field.is_relation:
            break
        opts = field.related_model._meta
        if any(f.name == "withdrawn_at" for f in opts.fields):
            found.append("__".join([*parts[: i + 1], "withdrawn_at"]))
    return tuple(found)


def _lookup_for(lookup: str, value) -> str:
    return f"{lookup}__in" if isinstance(value, QuerySet) else lookup


def _compile(model: type[Model], lookup: str) -> _Path:
    parts = lookup.split("__")
    opts = model._meta
    for i, part in enumerate(parts):
        if part == "pk":
            break
        field = opts.get_field(part)
        if field.one_to_many or field.many_to_many:
            return _Path(
                lookup,
                related=field.related_model,
                back=field.field.name if field.auto_created else field.related_query_name(),
                outer="__".join(parts[:i]) or "pk",
                rest="__".join(parts[i + 1 :]),
                live=_withdrawable_on(field.related_model, parts[i + 1 :]),
            )
        if field.is_relation:
            opts = field.related_model._meta
    return _Path(lookup)


@dataclass(frozen=True)
class _Compiled:
    region: tuple[_Path, ...]
    unit: tuple[_Path, ...]
    recipient: str
    hidden_from_units: tuple[tuple[str, object], ...]
    # The withdrawn_at columns of the row and of the rows it reaches through `via` (an
    # attachment of a withdrawn task is withdrawn with it): accounts.withdrawal.
    live: tuple[str, ...] = ()


@cache
def _rule_for(model: type[Model]) -> _Compiled:
    label = model._meta.label
    if label not in SCOPE:
        raise LookupError(f"{label} has no scope rule in accounts.scope.SCOPE")
    rule = SCOPE[label]
    own = ("withdrawn_at",) if any(f.name == "withdrawn_at" for f in model._meta.fields) else ()
    if rule.via:
        parent = _rule_for(model._meta.get_field(rule.via).related_model)
        return _Compiled(
            region=tuple(_compile(model, f"{rule.via}__{p.lookup}") for p in parent.region),
            unit=tuple(_compile(model, f"{rule.via}__{p.lookup}") for p in parent.unit),
            recipient=f"{rule.via}__{parent.recipient}" if parent.recipient else "",
            hidden_from_units=tuple((f"{rule.via}__{k}", v) for k, v in parent.hidden_from_units),
            live=own + tuple(f"{rule.via}__{lookup}" for lookup in parent.live),
        )
    return _Compiled(
        region=tuple(_compile(model, lookup) for lookup in rule.region),
        unit=tuple(_compile(model, lookup) for lookup in rule.unit),
        recipient=rule.recipient,
        hidden_from_units=rule.hidden_from_units,
        live=own + rule.live,
    )


def _any(paths: tuple[_Path, ...], value) -> Q | None:
    q = None
    for path in paths:
        q = path.q(value) if q is None else q | path.q(value)
    return q


def visible(qs: QuerySet, user, *, withdrawn: bool = False) -> QuerySet:
    """Narrow `qs` to the rows `user` may see, by its model's rule in SCOPE. Withdrawn rows
    (and rows of a withdrawn task, petition …) are left out unless `withdrawn` is true, which
    only the 已撤销 pages of the office and the administrator ask for."""
    rule = _rule_for(qs.model)
    if not withdrawn and rule.live:
        qs = qs.filter(**{f"{lookup}__isnull": True for lookup in rule.live})
    if rule.recipient:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return qs.none()
        return qs.filter(**{rule.recipient: user.pk})
    scope = scope_of(user)
    if scope.reach is Reach.ALL:
        return qs
    if scope.reach is Reach.REGION:
        q = _any(rule.region, scope.subtree()) if scope.region_path else None
        return qs.none() if q is None else qs.filter(q)
    if scope.reach is Reach.UNIT:
        q = _any(rule.unit, scope.unit_id)
        if q is None:
            return qs.none()
        for lookup, value in rule.hidden_from_units:
            q &= ~Q(**{lookup: value})
        return qs.filter(q)
    return qs.none()


class ScopedQuerySet(QuerySet):
    """The base queryset of every model in SCOPE: `Model.objects.visible_to(user)`."""

    def visible_to(self, user, *, withdrawn: bool = False) -> "ScopedQuerySet":
        return visible(self, user, withdrawn=withdrawn)


class ScopedViewMixin:
    """For API viewsets: every row read starts from the view's queryset narrowed to the user's
    scope, so a row outside it is a 404 (the view's `queryset` names the model and its joins)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


def get_visible_or_404(queryset, user, **lookup):
    """For pages: the one row of `queryset` (a model or a queryset) matching `lookup` that
    `user` may see; 404 outside the scope, exactly as for a row that does not exist. A
    withdrawn row is a 404 too, except for the office and the administrator
    (get_withdrawable_or_404)."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    return get_object_or_404(qs.visible_to(user), **lookup)


def sees_withdrawn(user) -> bool:
    """Who may open a withdrawn official record (with its 已撤销 banner), restore it, and list
    the withdrawn: the office in its region, the administrator."""
    return getattr(user, "is_authenticated", False) and (
        is_office(user) or scope_of(user).reach is Reach.ALL
    )


def get_withdrawable_or_404(queryset, user, **lookup):
    """For the detail pages of withdrawable records: get_visible_or_404, but the office and
    the administrator also find a withdrawn row in their scope (the page shows 已撤销).
    `queryset`: a model, or a queryset of its `all_objects`."""
    qs = queryset.all_objects.all() if isinstance(queryset, type) else queryset
    return get_object_or_404(qs.visible_to(user, withdrawn=sees_withdrawn(user)), **lookup)


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


def can_audit(user) -> bool:
    """The audit export (exchange.audit): the office and the administrator."""
    return is_office(user) or scope_of(user).reach is Reach.ALL
