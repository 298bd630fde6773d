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
from rectification.choices import RESPONSIBLE_ROLES, WORKING_STATUSES
from rectification.choices import TaskStatus as S


class Actor(Enum):
    """Who may make a move, relative to the task."""

    ASSIGNED_UNIT = "a reporter or unit head of any unit assigned to the task"
    RESPONSIBLE_UNIT = "a reporter or unit head of the lead or territorial unit"
    APPLICANT_HEAD = "the unit head of the unit that applied"
    OFFICE = "the inspection office whose region holds the task"


@dataclass(frozen=True)
class Move:
    verb: str  # the move's key; a status move's verb is also its EventVerb
    label: str
    sources: frozenset[str]
    target: str | None  # None: the move changes no status
    actors: tuple[Actor, ...]  # any one of them may make it


ANY = frozenset(S.values)
NOT_CLOSED = ANY - {S.CLOSED}
UNIT_SIDE = (Actor.ASSIGNED_UNIT, Actor.RESPONSIBLE_UNIT)


def _move(
    verb: str, label: str, sources: Collection[str], target: str | None, *actors: Actor
) -> Move:
    return Move(verb, label, frozenset(sources), target, actors)


MOVES: dict[str, Move] = {
    move.verb: move
    for move in (
        # Status moves.
        _move(
            "report", "报送进展", {S.NOT_STARTED, S.IN_PROGRESS}, S.IN_PROGRESS, Actor.ASSIGNED_UNIT
        ),
        _move("apply", "申请销号", {S.IN_PROGRESS}, S.APPLIED, Actor.RESPONSIBLE_UNIT),
        _move("self_check_pass", "县级自验通过", {S.APPLIED}, S.IN_REVIEW, Actor.APPLICANT_HEAD),
        _move(
            "self_check_return", "县级自验退回", {S.APPLIED}, S.IN_PROGRESS, Actor.APPLICANT_HEAD
        ),
        _move("accept", "验收通过并公示", {S.IN_REVIEW}, S.PUBLICIZING, Actor.OFFICE),
        _move("return", "验收退回", {S.IN_REVIEW, S.PUBLICIZING}, S.IN_PROGRESS, Actor.OFFICE),
        _move("close", "销号", {S.PUBLICIZING}, S.CLOSED, Actor.OFFICE),
        _move("reopen", "重启整改", {S.CLOSED}, S.IN_PROGRESS, Actor.OFFICE),
        # Moves on a task that change no status. The office's actor comes first, so that a
        # refusal names the unit side (see refusal()).
        _move("evidence", "上传佐证材料", NOT_CLOSED, None, Actor.OFFICE, Actor.ASSIGNED_UNIT),
        _move("extension_request", "申请延期", WORKING_STATUSES, None, Actor.RESPONSIBLE_UNIT),
        _move("extension_decide", "审批延期", ANY, None, Actor.OFFICE),
        # 逾期后延期: after the deadline only the office decides an extension (with a reason).
        _move("extension_overdue", "逾期后延期", WORKING_STATUSES, None, Actor.OFFICE),
        _move("report_review", "审阅进展报告", ANY, None, Actor.OFFICE),
        _move("review", "登记验收意见", {S.IN_REVIEW, S.PUBLICIZING}, None, Actor.OFFICE),
        _move("notice_objection", "登记公示异议", {S.PUBLICIZING}, None, Actor.OFFICE),
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


def _actor_refusal(user, actor: Actor, unit_roles: Collection[str], application) -> str | None:
    if actor is Actor.OFFICE:
        return None if is_office(user) else "只有环督办可以执行此操作"
    if not is_unit_member(user):
        return "只有责任单位的填报员或审核人可以执行此操作"
    if actor is Actor.APPLICANT_HEAD:
        if user.role != Role.UNIT_HEAD or getattr(application, "unit_id", None) != user.unit_id:
            return "只有申请单位的审核人可以进行县级自验"
        if user.pk == application.applied_by_id:
            # Nobody approves their own application (docs/design.md §3).
            return "申请人不能对自己的申请进行县级自验，请由本单位其他审核人自验"
        return None
    if actor is Actor.ASSIGNED_UNIT and not unit_roles:
        return "您的单位不是该任务的责任单位"
    if actor is Actor.RESPONSIBLE_UNIT and not set(unit_roles) & set(RESPONSIBLE_ROLES):
        return "只有牵头单位或属地责任单位可以执行此操作"
    return None


def needs_unit_roles(user, move: Move) -> bool:
    """Whether the answer for `user` depends on their unit's roles on the task (a query)."""
    return is_unit_member(user) and any(actor in UNIT_SIDE for actor in move.actors)


def refusal(
    user,
    move: Move,
    *,
    unit_roles: Collection[str] = (),
    application=None,
) -> str | None:
    """Why `user` may not make `move` on a visible task, whatever its status; None if they may.

    unit_roles: the AssignmentRoles of the user's unit on the task (empty for anyone else);
    application: the task's close-out application the move acts on, if any (its unit_id and
    applied_by_id are read).
    The services raise NotAllowed with this reason, the page guards a 403.
    """
    reason = None
    for actor in move.actors:
        reason = _actor_refusal(user, actor, unit_roles, application)
        if reason is None:
            return None
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
    return getattr(user, "role", None) == Role.UNIT_HEAD and any(
        status in move.sources and Actor.APPLICANT_HEAD in move.actors for move in MOVES.values()
    )
