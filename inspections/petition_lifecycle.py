"""The petition (信访件) workflow and who may do what on a petition, declared once
(DOMAIN §1.3: 受理 → 交办 → 调查核实 → 办理结果上报 → 审核 → 办结 / 阶段性办结 → 公开 → 销号).

Like rectification.lifecycle for tasks: each move names the statuses it leaves from, the status
it goes to (None: the move changes no status) and who may make it. The services in
inspections.petitions look moves up here and carry them out with a conditional update on the
old status; `allowed_moves()` gives the petition page's forms and the API's `allowed_moves`,
and `refusal()` the reason a move is refused (403).

    RECEIVED ─assign→ ASSIGNED ─start→ HANDLING ─report→ REPORTED ─check_pass→ CHECKED
                          │               ▲  ▲               │ check_return     │ finish / finish_stage
                          └────report─────┼──┴───────────────┘  ◀──return───────┤
                                          │                                     ▼
                                          └──── reopen (with a reason) ◀── DONE / STAGE_DONE
                                                                          DONE ─close→ CLOSED

A petition closed by stage (阶段性办结) keeps being worked on: its lead unit reports again
(report leaves from STAGE_DONE too), or the office converts it into a rectification task.
已办结 never goes back silently: only `reopen`, with its reason on the record. 已销号 is final;
a repeated complaint is a new petition (a 重复件 linked to the first).
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from accounts.choices import Role
from accounts.events import EventVerb
from accounts.scope import is_office, is_unit_member
from inspections.choices import PetitionStatus as S


class Actor(Enum):
    """Who may make a move, relative to the petition."""

    OFFICE = "the inspection office whose region holds the petition"
    ASSIGNED_UNIT = "a reporter or unit head of the lead unit or a cooperating unit"
    LEAD_UNIT = "a reporter or unit head of the lead unit (承办单位)"
    # The unit's self-check of the handling result (单位审核) is its head's, never the
    # reporter's own (separation of duties, as for close-outs).
    LEAD_HEAD = "a unit head of the lead unit who did not report the result"


@dataclass(frozen=True)
class Move:
    verb: str  # also the move's EventVerb
    label: str
    sources: frozenset[str]
    target: str | None
    actors: tuple[Actor, ...]
    needs_reason: bool = False


def _move(verb, sources, target, *actors, needs_reason=False) -> Move:
    # A move's label is its event verb's: the buttons, the refusals and the history agree.
    return Move(verb, str(EventVerb(verb).label), frozenset(sources), target, actors, needs_reason)


OPEN = {S.ASSIGNED, S.HANDLING, S.REPORTED, S.CHECKED}

MOVES: dict[str, Move] = {
    move.verb: move
    for move in (
        # 交办 (and 重新交办 while no unit has started): lead + cooperating units, a due date.
        _move("petition_assign", {S.RECEIVED, S.ASSIGNED}, S.ASSIGNED, Actor.OFFICE),
        _move("petition_start", {S.ASSIGNED}, S.HANDLING, Actor.ASSIGNED_UNIT),
        _move(
            "petition_report",
            {S.ASSIGNED, S.HANDLING, S.STAGE_DONE},
            S.REPORTED,
            Actor.LEAD_UNIT,
        ),
        _move("petition_check_pass", {S.REPORTED}, S.CHECKED, Actor.LEAD_HEAD),
        _move(
            "petition_check_return",
            {S.REPORTED},
            S.HANDLING,
            Actor.LEAD_HEAD,
            needs_reason=True,
        ),
        _move("petition_finish", {S.CHECKED}, S.DONE, Actor.OFFICE),
        _move("petition_finish_stage", {S.CHECKED}, S.STAGE_DONE, Actor.OFFICE),
        _move(
            "petition_return",
            {S.CHECKED},
            S.HANDLING,
            Actor.OFFICE,
            needs_reason=True,
        ),
        _move(
            "petition_reopen",
            {S.DONE, S.STAGE_DONE},
            S.HANDLING,
            Actor.OFFICE,
            needs_reason=True,
        ),
        _move("petition_close", {S.DONE}, S.CLOSED, Actor.OFFICE),
        # Moves that change no status.
        _move(
            "petition_evidence",
            {S.ASSIGNED, S.HANDLING, S.REPORTED, S.CHECKED, S.STAGE_DONE, S.DONE},
            None,
            Actor.OFFICE,
            Actor.ASSIGNED_UNIT,
        ),
        _move("petition_publish", {S.STAGE_DONE, S.DONE, S.CLOSED}, None, Actor.OFFICE),
        _move(
            "petition_convert",
            {S.ASSIGNED, S.HANDLING, S.STAGE_DONE},
            None,
            Actor.OFFICE,
        ),
        _move("petition_edit", set(S.values) - {S.CLOSED}, None, Actor.OFFICE),
    )
}


@dataclass(frozen=True)
class Standing:
    """The user's units' standing on one petition (no query: read from the loaded row)."""

    lead: bool = False
    cooperating: bool = False
    reported_by_id: int | None = None


def standing(user, petition, cooperating_ids: Collection[int] = ()) -> Standing:
    if not is_unit_member(user):
        return Standing(reported_by_id=petition.reported_by_id)
    return Standing(
        lead=petition.handling_unit_id == user.unit_id,
        cooperating=user.unit_id in cooperating_ids,
        reported_by_id=petition.reported_by_id,
    )


def _actor_refusal(user, actor: Actor, where: Standing) -> str | None:
    if actor is Actor.OFFICE:
        return None if is_office(user) else "只有环督办可以执行此操作"
    if not is_unit_member(user):
        return "只有承办单位的填报员或审核人可以执行此操作"
    if actor is Actor.ASSIGNED_UNIT:
        return None if where.lead or where.cooperating else "您的单位不是该信访件的承办或配合单位"
    if not where.lead:
        return "只有牵头承办单位可以执行此操作"
    if actor is Actor.LEAD_HEAD:
        if user.role != Role.UNIT_HEAD:
            return "单位审核由承办单位的单位审核人进行"
        if user.pk == where.reported_by_id:
            return "职责分离：上报人不能审核本人上报的办理结果"
    return None


def refusal(user, move: Move, where: Standing) -> str | None:
    """Why `user` may not make `move` on a visible petition, whatever its status."""
    reason = None
    for actor in move.actors:
        reason = _actor_refusal(user, actor, where)
        if reason is None:
            break
    return reason


def allowed_moves(user, status: str, where: Standing) -> frozenset[str]:
    """The moves `user` may make on a visible petition in `status`."""
    return frozenset(
        verb
        for verb, move in MOVES.items()
        if status in move.sources and refusal(user, move, where) is None
    )
