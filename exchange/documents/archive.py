"""The documents an archive bundle (一案一档, exchange.archive) files for each task: its
销号审批表 once it is in 公示 or closed, and every 督办函 / 约谈通知 issued about it.

Word only: the editable file is the one offices keep, and a PDF costs a second or two of
font subsetting per document (the bundle's index is printable as PDF already)."""

from collections.abc import Iterable

from exchange.documents import builders
from exchange.documents.docx import docx_bytes
from exchange.documents.views import CLOSEOUT_APPLICATION_STATUSES, CLOSEOUT_TASK_STATUSES
from rectification.choices import SupervisionStatus
from rectification.models import Task


def task_documents(subject) -> Iterable[tuple[str, bytes]]:
    if not isinstance(subject, Task):
        return []
    found = []
    application = builders.closeout_application(subject)
    if (
        subject.status in CLOSEOUT_TASK_STATUSES
        and application is not None
        and application.status in CLOSEOUT_APPLICATION_STATUSES
    ):
        document = builders.closeout_document(subject, application)
        found.append((f"{document.file_name}.docx", docx_bytes(document)))
    notices = subject.supervisions.exclude(status=SupervisionStatus.PROPOSED).order_by("pk")
    for notice in notices.select_related("target_unit"):
        document = builders.supervision_document(notice)
        found.append((f"{document.file_name}.docx", docx_bytes(document)))
    return found
