"""The task lifecycle, declared once (DESIGN.md §3).

Each move names the statuses it leaves from, the status it goes to, and who may make it.
Services look moves up here and carry them out with a conditional update; nothing else
assigns Task.status.

    NOT_STARTED ─report→ IN_PROGRESS ─apply→ APPLIED ─self-check→ IN_REVIEW ─accept→ PUBLICIZING
                             ▲   ▲              │ return              │ return       │ close
                             │   └──────────────┴─────────────────────┘              ▼
                             └──────────────── reopen (回头看 finds rebound) ◀────── CLOSED
"""

from dataclasses import dataclass
from enum import Enum

from accounts.events import EventVerb
from rectification.choices import TaskStatus as S


class Actor(Enum):
    """Who may make a move, relative to the task."""

    ASSIGNED_UNIT = "a reporter or unit head of any unit assigned to the task"
    RESPONSIBLE_UNIT = "a reporter or unit head of the lead or territorial unit"
    APPLICANT_HEAD = "the unit head of the unit that applied"
    OFFICE = "the inspection office whose region holds the task"


@dataclass(frozen=True)
class Move:
    verb: EventVerb
    label: str
    sources: frozenset[str]
    target: str
    actor: Actor


def _move(verb: str, label: str, sources: set[str], target: str, actor: Actor) -> Move:
    return Move(EventVerb(verb), label, frozenset(sources), target, actor)


MOVES: dict[str, Move] = {
    move.verb: move
    for move in (
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
    )
}
