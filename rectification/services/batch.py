"""Batch actions (批量操作): the same per-item service, item by item, in one request.

A batch never updates rows in bulk: each item goes through the service a single form would
call (closeout_self_check, extension_decide, task_remind), in that service's own transaction
with its own checks, so a refused item changes nothing and the others are still done. Items
outside the actor's scope are reported as 无权处理 and never reach the service. The pages
and the API show the same summary: "已处理 N 项；M 项未处理：<编号>：<原因>".
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.errors import InvalidInput, NotAllowed, ServiceError
from accounts.models import User
from accounts.scope import is_office
from rectification.models import CloseoutApplication, Extension, Task
from rectification.services.closeouts import closeout_self_check
from rectification.services.supervision import REMIND_MESSAGE_MAX, task_remind
from rectification.services.tasks import extension_decide

# A batch is one request: beyond this many items the user is asked to split it.
BATCH_LIMIT = 200
OUT_OF_SCOPE = "无权处理"
MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField); beyond it the database refuses


@dataclass(frozen=True)
class BatchItem:
    id: int
    label: str  # what the user knows the item by (the task's 编号), "ID <id>" when not visible
    ok: bool
    reason: str = ""


@dataclass
class BatchResult:
    items: list[BatchItem] = field(default_factory=list)

    @property
    def done(self) -> list[BatchItem]:
        return [item for item in self.items if item.ok]

    @property
    def refused(self) -> list[BatchItem]:
        return [item for item in self.items if not item.ok]

    def summary(self) -> str:
        text = f"已处理 {len(self.done)} 项"
        refused = self.refused
        if refused:
            text += f"；{len(refused)} 项未处理：" + "；".join(
                f"{item.label}：{item.reason}" for item in refused
            )
        return text


def clean_ids(ids: Iterable[Any]) -> list[int]:
    """The ids as integers, each once, in the order given; a bad or oversized list is
    refused before anything is done."""
    cleaned: list[int] = []
    for raw in ids:
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise InvalidInput(f"无效的编号：{raw}", field="ids") from None
        if not 0 < value <= MAX_ID:
            raise InvalidInput(f"无效的编号：{raw}", field="ids")
        cleaned.append(value)
    cleaned = list(dict.fromkeys(cleaned))
    if not cleaned:
        raise InvalidInput("请至少勾选一项", field="ids")
    if len(cleaned) > BATCH_LIMIT:
        raise InvalidInput(
            f"一次最多处理 {BATCH_LIMIT} 项，本次勾选了 {len(cleaned)} 项，请分批处理", field="ids"
        )
    return cleaned


def _run(
    ids: list[int], visible: QuerySet, code_path: str, act: Callable[[int], object]
) -> BatchResult:
    """Each id in turn: not in `visible` (the actor's scope) → 无权处理; else `act(id)`, whose
    ServiceError becomes the item's reason. One query reads the labels of the visible ids."""
    labels = dict(visible.filter(pk__in=ids).values_list("pk", code_path))
    result = BatchResult()
    for item_id in ids:
        if item_id not in labels:
            result.items.append(BatchItem(item_id, f"ID {item_id}", False, OUT_OF_SCOPE))
            continue
        try:
            act(item_id)
        except ServiceError as exc:
            result.items.append(BatchItem(item_id, labels[item_id], False, exc.message))
        else:
            result.items.append(BatchItem(item_id, labels[item_id], True))
    return result


def _required_opinion(opinion: str, what: str) -> str:
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput(f"请填写{what}", field="opinion")
    if len(opinion) > 500:
        raise InvalidInput(f"{what}不能超过500字", field="opinion")
    return opinion


def closeouts_self_check_batch(*, actor: User, ids: Iterable[Any], opinion: str) -> BatchResult:
    """批量自验通过: closeout_self_check(passed=True) with one opinion on each application.
    The service refuses what a single form would (the applicant's own application, one
    already self-checked, an actor who is not a head of the lead unit)."""
    if actor.role != Role.UNIT_HEAD:
        raise NotAllowed("只有单位审核人可以进行自验")
    opinion = _required_opinion(opinion, "自验意见")
    cleaned = clean_ids(ids)
    return _run(
        cleaned,
        CloseoutApplication.objects.visible_to(actor),
        "task__code",
        lambda pk: closeout_self_check(application=pk, actor=actor, passed=True, opinion=opinion),
    )


def extensions_decide_batch(
    *, actor: User, ids: Iterable[Any], approve: bool, opinion: str
) -> BatchResult:
    """批量批准 / 批量不批准: extension_decide with one opinion on each pending request."""
    if not is_office(actor):
        raise NotAllowed("只有环督办可以审批延期申请")
    opinion = _required_opinion(opinion, "审批意见")
    cleaned = clean_ids(ids)
    return _run(
        cleaned,
        Extension.objects.visible_to(actor),
        "task__code",
        lambda pk: extension_decide(extension=pk, actor=actor, approve=approve, note=opinion),
    )


def tasks_remind_batch(*, actor: User, ids: Iterable[Any], message: str = "") -> BatchResult:
    """批量提醒: task_remind on each task (its lead unit, once a day), with one message."""
    if not is_office(actor):
        raise NotAllowed("只有环督办可以发送催办提醒")
    message = (message or "").strip()
    if len(message) > REMIND_MESSAGE_MAX:
        raise InvalidInput(f"提醒内容不能超过{REMIND_MESSAGE_MAX}字", field="message")
    cleaned = clean_ids(ids)
    return _run(
        cleaned,
        Task.objects.visible_to(actor),
        "code",
        lambda pk: task_remind(task=pk, actor=actor, message=message),
    )
