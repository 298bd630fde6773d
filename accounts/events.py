"""The audit vocabulary and the two ways to write an event (docs/adr/0003-event-log.md).

Every change the product makes to a task, a supervision notice, a petition, a round or a
milestone writes one event row: who, when, which object (a generic target), which verb from
`EventVerb`, from which status to which, and a note. The verbs are declared here once and
the event tables refuse any other (a CheckConstraint on `verb`).

Two tables hold the rows, because the apps depend one way (rectification → inspections →
accounts): `rectification.Event` (events about tasks and what hangs off them; it carries the
task for the timeline and the close-out trend) and `inspections.InspectionEvent` (events
about rounds and petitions, written by inspections.services, which cannot import
rectification). Both have the same columns apart from the task, and both are written only
through the two writers below:

- `record(model, ...)`: one event about one object (services);
- `record_select(model, select, params, columns=...)`: one INSERT … SELECT for a batch
  (set-based jobs such as the warning sweep), no row passing through Python;
- `record_many(model, entries)`: the events of many objects a bulk service has just created
  (the plan import), written with bulk INSERTs.

Each writer seals what it wrote in its own transaction (accounts/chain.py, the hash chain of
docs/adr/0006-tamper-evident-events.md): it takes the event writers' lock before its INSERT
and chains the new rows after it. An edit carries its old and new values in `changes`
({field: [old, new]}, see `changes()`).
"""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from accounts import chain, clock


class EventVerb(models.TextChoices):
    """What happened. The first eight are the task lifecycle's moves (rectification.lifecycle)."""

    # Task lifecycle moves
    REPORT = "report", _("报送进展")
    APPLY = "apply", _("申请销号")
    SELF_CHECK_PASS = "self_check_pass", _("自验通过")
    SELF_CHECK_RETURN = "self_check_return", _("自验退回")
    ACCEPT = "accept", _("验收通过并公示")
    RETURN = "return", _("验收退回")
    CLOSE = "close", _("销号")
    REOPEN = "reopen", _("重启整改")
    # Other changes to a task
    CREATE = "create", _("新建任务")
    ASSIGN = "assign", _("调整责任分工")
    EDIT = "edit", _("修改任务信息")
    EVIDENCE = "evidence", _("上传佐证材料")
    EXTENSION_REQUEST = "extension_request", _("申请延期")
    EXTENSION_APPROVE = "extension_approve", _("批准延期")
    EXTENSION_REJECT = "extension_reject", _("不批准延期")
    EXTENSION_OVERDUE = "extension_overdue", _("逾期后延期")
    REPORT_AMEND = "report_amend", _("修改进展报告")
    REPORT_REVIEW = "report_review", _("审阅进展报告")
    REPORT_RETURN = "report_return", _("退回补充进展报告")
    REVIEW = "review", _("登记验收意见")
    NOTICE_OBJECTION = "notice_objection", _("登记公示异议")
    LOOKBACK = "lookback", _("回头看")
    RECHECK = "recheck", _("长期坚持阶段复查")
    MILESTONE_ADD = "milestone_add", _("新增阶段节点")
    MILESTONE_EDIT = "milestone_edit", _("修改阶段节点")
    MILESTONE = "milestone", _("完成阶段节点")
    # Warnings and supervision
    WARNING = "warning", _("预警等级变化")
    SUPERVISION = "supervision", _("督办")
    SUPERVISION_PROPOSE = "supervision_propose", _("拟发督办函")
    SUPERVISION_ISSUE = "supervision_issue", _("签发督办")
    SUPERVISION_REPLY = "supervision_reply", _("回复督办")
    SUPERVISION_CLOSE = "supervision_close", _("督办办结")
    SUPERVISION_DISMISS = "supervision_dismiss", _("不予签发（撤销拟发督办）")
    WARNING_CLEAR = "warning_clear", _("解除预警")
    REMIND = "remind", _("催办提醒")
    # Withdrawal of official records (rectification.services.withdraw): a task or its evidence
    WITHDRAW = "withdraw", _("撤销（作废）")
    RESTORE = "restore", _("恢复")
    EVIDENCE_WITHDRAW = "evidence_withdraw", _("撤销佐证材料")
    EVIDENCE_RESTORE = "evidence_restore", _("恢复佐证材料")
    # Rounds, their feedback tree and problems, petitions (inspections.InspectionEvent)
    ROUND_CREATE = "round_create", _("新建督察轮次")
    ROUND_EDIT = "round_edit", _("修改督察轮次信息")
    ROUND_STATUS = "round_status", _("督察轮次状态变更")
    FEEDBACK_TREE = "feedback_tree", _("调整反馈问题分类")
    PROBLEM_CREATE = "problem_create", _("新增反馈问题")
    PROBLEM_EDIT = "problem_edit", _("修改反馈问题")
    # Petitions (信访件): the moves of inspections.petition_lifecycle.MOVES, and the rest
    PETITION_RECEIVE = "petition_receive", _("受理信访件")
    PETITION_ASSIGN = "petition_assign", _("交办信访件")
    PETITION_START = "petition_start", _("签收办理")
    PETITION_REPORT = "petition_report", _("上报办理结果")
    PETITION_CHECK_PASS = "petition_check_pass", _("单位审核通过")
    PETITION_CHECK_RETURN = "petition_check_return", _("单位审核退回")
    PETITION_FINISH = "petition_finish", _("审核通过，办结")
    PETITION_FINISH_STAGE = "petition_finish_stage", _("审核通过，阶段性办结")
    PETITION_RETURN = "petition_return", _("环督办审核退回")
    PETITION_REOPEN = "petition_reopen", _("重新办理")
    PETITION_CLOSE = "petition_close", _("信访件销号")
    PETITION_EVIDENCE = "petition_evidence", _("上传信访件佐证材料")
    PETITION_PUBLISH = "petition_publish", _("公开办理情况")
    PETITION_CONVERT = "petition_convert", _("转为整改任务")
    PETITION_OVERDUE = "petition_overdue", _("信访件逾期预警")
    PETITION_EDIT = "petition_edit", _("修改信访件信息")
    PETITION_WITHDRAW = "petition_withdraw", _("撤销（作废）信访件")
    PETITION_RESTORE = "petition_restore", _("恢复信访件")
    PETITION_EVIDENCE_WITHDRAW = "petition_evidence_withdraw", _("撤销信访件佐证材料")
    PETITION_EVIDENCE_RESTORE = "petition_evidence_restore", _("恢复信访件佐证材料")
    # Rounds and problems withdrawn and restored (rectification.services.withdraw)
    ROUND_WITHDRAW = "round_withdraw", _("撤销（作废）督察轮次")
    ROUND_RESTORE = "round_restore", _("恢复督察轮次")
    PROBLEM_WITHDRAW = "problem_withdraw", _("撤销（作废）反馈问题")
    PROBLEM_RESTORE = "problem_restore", _("恢复反馈问题")
    # Units the office names from the plan import's preview (inspections.InspectionEvent)
    UNIT_ALIAS = "unit_alias", _("添加单位别名")
    UNIT_CREATE = "unit_create", _("新建单位")


# The verbs about rounds, petitions and the units the office adds from an import, stored in
# inspections.InspectionEvent; every other
# verb is about a task (or its notices) and stored in rectification.Event.
INSPECTION_VERBS: tuple[str, ...] = tuple(
    v.value
    for v in (
        EventVerb.ROUND_CREATE,
        EventVerb.ROUND_EDIT,
        EventVerb.ROUND_STATUS,
        EventVerb.FEEDBACK_TREE,
        EventVerb.PROBLEM_CREATE,
        EventVerb.PROBLEM_EDIT,
        EventVerb.UNIT_ALIAS,
        EventVerb.UNIT_CREATE,
        EventVerb.ROUND_WITHDRAW,
        EventVerb.ROUND_RESTORE,
        EventVerb.PROBLEM_WITHDRAW,
        EventVerb.PROBLEM_RESTORE,
    )
) + tuple(v.value for v in EventVerb if v.value.startswith("petition_"))
TASK_VERBS: tuple[str, ...] = tuple(v for v in EventVerb.values if v not in INSPECTION_VERBS)


def record(
    model: type[Model],
    *,
    target: Model,
    verb: EventVerb,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    **columns,
) -> Model:
    """One event about `target` in the event table `model`, stamped by the clock.

    `columns` are the table's own extra columns (rectification.Event: task) and `changes`
    (an edit's {field: [old, new]}, see changes())."""
    return append(
        model,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        verb=EventVerb(verb),
        from_status=from_status,
        to_status=to_status,
        note=note,
        actor=actor,
        created_at=clock.now(),
        **columns,
    )


def append(model: type[Model], **fields) -> Model:
    """Insert one row into the chained table `model` and seal it, in one transaction (the
    writer of tables without a generic target: accounts.AccountEvent)."""
    with transaction.atomic():
        chain.lock()
        row = model.objects.create(**fields)
        chain.seal(model)
    return row


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def changes(before: dict, after: dict) -> dict[str, list]:
    """An edit's `changes` column: {field: [old, new]} for every field of `before` whose value
    in `after` differs, as JSON values (dates ISO, decimals and related rows as text; choices
    keep their stored value, the timeline shows their label)."""
    return {
        name: [_plain(old), _plain(after[name])]
        for name, old in before.items()
        if name in after and after[name] != old
    }


def record_many(model: type[Model], entries: Iterable[dict], *, batch_size: int = 1000) -> int:
    """record() for many objects at once, in bulk INSERTs of `batch_size` rows, all stamped
    with one clock time. Each entry holds record()'s keywords: `target`, `verb`, and any of
    `actor`, `from_status`, `to_status`, `note` and the table's own columns. Returns the number
    of rows written."""
    now = clock.now()
    types: dict[type[Model], ContentType] = {}
    rows = []
    for entry in entries:
        entry = dict(entry)
        target = entry.pop("target")
        kind = type(target)
        if kind not in types:
            types[kind] = ContentType.objects.get_for_model(target)
        rows.append(
            model(
                target_type=types[kind],
                target_id=target.pk,
                verb=EventVerb(entry.pop("verb")),
                created_at=now,
                **entry,
            )
        )
    with transaction.atomic():
        chain.lock()
        model.objects.bulk_create(rows, batch_size=batch_size)
        chain.seal(model)
    return len(rows)


# Columns a batch may leave out, and what they are then.
_DEFAULTS = {"actor_id": "NULL", "from_status": "''", "to_status": "''", "note": "''"}


def _default(column: str) -> str:
    if column == "changes":  # JSON: an empty object
        return "CAST('{}' AS jsonb)" if connection.vendor == "postgresql" else "'{}'"
    return _DEFAULTS[column]


def target_sql(target: type[Model]) -> str:
    """The target columns a `record_select` SELECT yields for rows about `target`'s model:
    "'rectification' AS target_app, 'task' AS target_model" (code constants, not input)."""
    meta = target._meta
    return f"'{meta.app_label}' AS target_app, '{meta.model_name}' AS target_model"


def record_select(
    model: type[Model], select: str, params: dict[str, object], *, columns: Sequence[str]
) -> int:
    """The set-based sibling of record(): one INSERT … SELECT, no row passes through Python.

    `select` (SQL with named parameters) yields `target_app`, `target_model` (see
    target_sql), `target_id`, `verb`, and the other `columns` it names: any of `actor_id`,
    `from_status`, `to_status`, `note`, and the table's own (rectification.Event: `task_id`).
    Columns it leaves out are empty (no actor, no statuses, no note). The content type is
    joined here, the time is the clock's. Returns the number of rows written."""
    given = set(columns) | {"target_id", "verb"}
    names = [
        f.column
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in ("target_type_id", "created_at")
    ]
    unknown = given - set(names)
    missing = [n for n in names if n not in given and n not in _DEFAULTS and n != "changes"]
    if unknown or missing:
        raise ValueError(f"record_select columns: unknown {unknown or ''} missing {missing or ''}")
    values = [f"e.{n}" if n in given else _default(n) for n in names]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(names)}, target_type_id, created_at) "
        f"SELECT {', '.join(values)}, ct.id, %(event_created_at)s "
        f"FROM ({select}) e "
        "JOIN django_content_type ct "
        "ON ct.app_label = e.target_app AND ct.model = e.target_model"
    )
    params = {
        **params,
        "event_created_at": connection.ops.adapt_datetimefield_value(clock.now()),
    }
    with transaction.atomic():
        chain.lock()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        chain.seal(model)
    return count


# Keys of `changes` that are not a field of the event's target.
_CHANGE_LABELS = {"units": _("责任单位")}


def describe_changes(target: type[Model] | None, changes: dict) -> list[tuple[str, str, str]]:
    """(label, old, new) of an event's `changes` for the timeline: the label is the target
    model's field verbose name, a choice shows its label, an empty value shows （空）."""
    rows = []
    for name, pair in (changes or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label, choices = str(_CHANGE_LABELS.get(name, name)), {}
        if target is not None and name not in _CHANGE_LABELS:
            try:
                field = target._meta.get_field(name)
            except FieldDoesNotExist:  # a key the model no longer has: its stored name
                field = None
            if field is not None:
                label = str(getattr(field, "verbose_name", name))
                choices = {str(k): str(v) for k, v in getattr(field, "flatchoices", ()) or ()}
        rows.append(
            (
                label,
                *(
                    "（空）" if v is None or v == "" else choices.get(str(v), str(v))
                    for v in (old, new)
                ),
            )
        )
    return rows
