"""The task lifecycle and who may do what on a task, declared once (docs/design.md §3, §4).

Each move names the statuses it leaves from, the status it goes to (none for the moves that
change no status: evidence, extension requests, reviews, milestones …) and who may make it.
Services look moves up here and carry them out with a conditional update; nothing else
assigns Task.status. `allowed_moves()` is what a user may do on a task now: the task page's
buttons, the page guards (`refusal()`), the services' actor check and the API all ask it, so
a button is never offered that the service refuses.

    NOT_STARTED ─report→ IN_PROGRESS ─apply→ APPLIED ─self-check→ IN_REVIEW ─accept→ PUBLICIZING
                             ▲   ▲              │ return              │ return       │ close
                             │   └──────────────┴─────────────────────┘              ▼
                             └──────────────── reopen (回头看 finds rebound) ◀────── CLOSED

A 长期坚持 (is_ongoing) task closes by stage (阶段性销号): it reaches CLOSED like any other and
stays watched by the `recheck` move (a quarterly re-check report); a 反弹 or 部分反弹 look-back
reopens it.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from accounts.choices import Role
from accounts.scope import is_office, is_unit_member
from rectification.choices import RESPONSIBLE_ROLES, WORKING_STATUSES, AssignmentRole
from rectification.choices import TaskStatus as S


class Actor(Enum):
    """Who may make a move, relative to the task."""

    ASSIGNED_UNIT = "a reporter or unit head of any unit assigned to the task"
    RESPONSIBLE_UNIT = "a reporter or unit head of the lead or territorial unit"
    # The self-check (县级自验 / 部门自验) belongs to the head of the unit that leads the task,
    # whichever unit applied (docs/design.md §3).
    LEAD_HEAD = "a unit head of the task's lead unit"
    # 行业部门认定 is recorded by the assigned sector department's own account.
    SECTOR_HEAD = "a unit head of a sector unit (行业主管部门) assigned to the task"
    OFFICE = "the inspection office whose region holds the task"


@dataclass(frozen=True)
class Move:
    verb: str  # the move's key; a status move's verb is also its EventVerb
    label: str
    sources: frozenset[str]
    target: str | None  # None: the move changes no status
    actors: tuple[Actor, ...]  # any one of them may make it
    # A decision on a close-out application: never made by its applicant, nor (after the
    # self-check) by its self-checker (separation of duties, docs/design.md §3).
    independent: bool = False


ANY = frozenset(S.values)
NOT_CLOSED = ANY - {S.CLOSED}
UNIT_SIDE = (Actor.ASSIGNED_UNIT, Actor.RESPONSIBLE_UNIT)
# The actors whose answer depends on the user's unit's roles on the task.
UNIT_HEADS = (*UNIT_SIDE, Actor.LEAD_HEAD, Actor.SECTOR_HEAD)


def _move(
    verb: str,
    label: str,
    sources: Collection[str],
    target: str | None,
    *actors: Actor,
    independent: bool = False,
) -> Move:
    return Move(verb, label, frozenset(sources), target, actors, independent)


MOVES: dict[str, Move] = {
    move.verb: move
    for move in (
        # Status moves.
        _move(
            "report", "报送进展", {S.NOT_STARTED, S.IN_PROGRESS}, S.IN_PROGRESS, Actor.ASSIGNED_UNIT
        ),
        _move("apply", "申请销号", {S.IN_PROGRESS}, S.APPLIED, Actor.RESPONSIBLE_UNIT),
        # 自验: 县级自验 or 部门自验 by the lead unit (closeout_rules.self_check_label).
        _move(
            "self_check_pass",
            "自验通过",
            {S.APPLIED},
            S.IN_REVIEW,
            Actor.LEAD_HEAD,
            independent=True,
        ),
        _move(
            "self_check_return",
            "自验退回",
            {S.APPLIED},
            S.IN_PROGRESS,
            Actor.LEAD_HEAD,
            independent=True,
        ),
        _move(
            "accept",
            "验收通过并公示",
            {S.IN_REVIEW},
            S.PUBLICIZING,
            Actor.OFFICE,
            independent=True,
        ),
        _move("return", "验收退回", {S.IN_REVIEW, S.PUBLICIZING}, S.IN_PROGRESS, Actor.OFFICE),
        _move("close", "销号", {S.PUBLICIZING}, S.CLOSED, Actor.OFFICE, independent=True),
        _move("reopen", "重启整改", {S.CLOSED}, S.IN_PROGRESS, Actor.OFFICE),
        # Moves on a task that change no status. The office's actor comes first, so that a
        # refusal names the unit side (see refusal()).
        _move("evidence", "上传佐证材料", NOT_CLOSED, None, Actor.OFFICE, Actor.ASSIGNED_UNIT),
        _move("extension_request", "申请延期", WORKING_STATUSES, None, Actor.RESPONSIBLE_UNIT),
        _move("extension_decide", "审批延期", ANY, None, Actor.OFFICE),
        # 逾期后延期: after the deadline only the office decides an extension (with a reason).
        _move("extension_overdue", "逾期后延期", WORKING_STATUSES, None, Actor.OFFICE),
        _move("report_review", "审阅进展报告", ANY, None, Actor.OFFICE),
        _move("notice_objection", "登记公示异议", {S.PUBLICIZING}, None, Actor.OFFICE),
        _move(
            "review",
            "登记验收意见",
            {S.IN_REVIEW, S.PUBLICIZING},
            None,
            Actor.OFFICE,
            independent=True,
        ),
        _move(
            "sector_review",
            "行业部门认定",
            {S.IN_REVIEW, S.PUBLICIZING},
            None,
            Actor.SECTOR_HEAD,
            independent=True,
        ),
        _move("lookback", "回头看", {S.CLOSED}, None, Actor.OFFICE),
        # A 长期坚持 task closed by stage stays watched: its units report a quarterly re-check
        # (the service refuses it for a dated task).
        _move("recheck", "长期坚持阶段复查", {S.CLOSED}, None, Actor.ASSIGNED_UNIT),
        _move("milestone", "完成阶段节点", ANY, None, Actor.OFFICE, Actor.RESPONSIBLE_UNIT),
        _move("assign", "调整责任分工", NOT_CLOSED, None, Actor.OFFICE),
        _move("edit", "修改任务信息", ANY, None, Actor.OFFICE),
        _move("supervision", "督办", ANY, None, Actor.OFFICE),
        _move("warning", "预警等级变化", NOT_CLOSED, None, Actor.OFFICE),
    )
}


def _actor_refusal(user, actor: Actor, unit_roles: Collection[str]) -> str | None:
    if actor is Actor.OFFICE:
        return None if is_office(user) else "只有环督办可以执行此操作"
    head = is_unit_member(user) and user.role == Role.UNIT_HEAD
    if actor is Actor.LEAD_HEAD:
        if not head or AssignmentRole.LEAD not in unit_roles:
            return "自验由牵头单位的单位审核人进行：您不是该任务牵头单位的审核人"
        return None
    if actor is Actor.SECTOR_HEAD:
        if not head or AssignmentRole.SECTOR not in unit_roles:
            return "行业部门认定须由该任务的行业主管部门的单位审核人本人登记"
        return None
    if not is_unit_member(user):
        return "只有责任单位的填报员或审核人可以执行此操作"
    if actor is Actor.ASSIGNED_UNIT and not unit_roles:
        return "您的单位不是该任务的责任单位"
    if actor is Actor.RESPONSIBLE_UNIT and not set(unit_roles) & set(RESPONSIBLE_ROLES):
        return "只有牵头单位或属地责任单位可以执行此操作"
    return None


# What each independent move decides, for the refusal's message.
_DECISIONS = {
    "self_check_pass": "自验",
    "self_check_return": "自验",
    "accept": "验收",
    "review": "登记验收意见",
    "sector_review": "登记行业部门认定",
    "close": "销号",
}


_SELF_CHECK = ("self_check_pass", "self_check_return")


def _independence_refusal(user, move: Move, application) -> str | None:
    """Separation of duties on a close-out application: nobody decides on their own
    application, and its self-checker does not also accept, record a review of, or close it."""
    if application is None or getattr(user, "pk", None) is None:
        return None
    what = _DECISIONS.get(move.verb, move.label)
    if user.pk == getattr(application, "applied_by_id", None):
        return f"职责分离：申请人不能对本人提交的销号申请{what}"
    if move.verb not in _SELF_CHECK and user.pk == getattr(application, "self_checked_by_id", None):
        return f"职责分离：自验人不能再对同一销号申请{what}"
    return None


def needs_unit_roles(user, move: Move) -> bool:
    """Whether the answer for `user` depends on their unit's roles on the task (a query)."""
    return is_unit_member(user) and any(actor in UNIT_HEADS for actor in move.actors)


def refusal(
    user,
    move: Move,
    *,
    unit_roles: Collection[str] = (),
    application=None,
) -> str | None:
    """Why `user` may not make `move` on a visible task, whatever its status; None if they may.

    unit_roles: the AssignmentRoles of the user's unit on the task (empty for anyone else);
    application: the task's open close-out application the move acts on, if any (its
    applied_by_id and self_checked_by_id are read: separation of duties).
    The services raise NotAllowed with this reason, the page guards a 403.
    """
    reason = None
    for actor in move.actors:
        reason = _actor_refusal(user, actor, unit_roles)
        if reason is None:
            break
    if reason is None and move.independent:
        reason = _independence_refusal(user, move, application)
    return reason


def allowed_moves(
    user,
    status: str,
    *,
    unit_roles: Collection[str] = (),
    application=None,
) -> frozenset[str]:
    """The moves `user` may make on a visible task in `status` (arguments as for refusal())."""
    return frozenset(
        verb
        for verb, move in MOVES.items()
        if status in move.sources
        and refusal(user, move, unit_roles=unit_roles, application=application) is None
    )


def unit_roles_in(user, assignments) -> set[str]:
    """The roles of the user's unit among a task's loaded assignments (no query)."""
    if not is_unit_member(user):
        return set()
    return {a.role for a in assignments if a.unit_id == user.unit_id}


def needs_applicant(user, status: str) -> bool:
    """Whether allowed_moves() for `user` on a task in `status` depends on the open close-out
    application (so a caller that has not loaded it may skip the query)."""
    return getattr(user, "role", None) in (Role.UNIT_HEAD, Role.OFFICE) and any(
        status in move.sources and move.independent for move in MOVES.values()
    )
