"""Every write to a task and what hangs off it.

Each service takes keyword arguments, checks the actor's scope and role and the object's
state, changes rows inside one transaction, writes an Event, and returns the main object.
Illegal calls raise an accounts.errors.ServiceError subclass with a Chinese message and
leave the database unchanged. Pages, the API, admin actions, jobs and the importer call these
through this package (`from rectification import services`).
"""

from rectification.services.base import (
    EvidenceFile,
    Message,
    notify,
    notify_many,
    notify_select,
    period_for,
    refresh_schedule,
    unit_roles,
)
from rectification.services.closeouts import (
    CLOSEOUT_CHECKLIST,
    closeout_accept,
    closeout_close,
    closeout_record_review,
    closeout_return,
    closeout_self_check,
    task_apply_closeout,
    task_record_lookback,
)
from rectification.services.supervision import (
    notification_mark_read,
    supervision_notice_close,
    supervision_notice_create,
    supervision_notice_dismiss,
    supervision_notice_issue,
    supervision_notice_reply,
    warning_clear,
    warning_raise,
)
from rectification.services.tasks import (
    TASK_EDITABLE_FIELDS,
    UnitRole,
    extension_decide,
    milestone_add,
    milestone_complete,
    milestone_edit,
    task_add_evidence,
    task_create,
    task_report_progress,
    task_request_extension,
    task_set_units,
    task_update,
)

__all__ = [
    "CLOSEOUT_CHECKLIST",
    "TASK_EDITABLE_FIELDS",
    "EvidenceFile",
    "Message",
    "UnitRole",
    "closeout_accept",
    "closeout_close",
    "closeout_record_review",
    "closeout_return",
    "closeout_self_check",
    "extension_decide",
    "milestone_add",
    "milestone_complete",
    "milestone_edit",
    "notification_mark_read",
    "notify",
    "notify_many",
    "notify_select",
    "period_for",
    "refresh_schedule",
    "supervision_notice_close",
    "supervision_notice_create",
    "supervision_notice_dismiss",
    "supervision_notice_issue",
    "supervision_notice_reply",
    "task_add_evidence",
    "task_apply_closeout",
    "task_create",
    "task_record_lookback",
    "task_report_progress",
    "task_request_extension",
    "task_set_units",
    "task_update",
    "unit_roles",
    "warning_clear",
    "warning_raise",
]
