"""`assert_db_unchanged`: a refused service call must leave every row as it was."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from accounts.errors import ServiceError
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Extension,
    LookBackCheck,
    Milestone,
    Notification,
    ProgressReport,
    ProgressReportRevision,
    PublicNotice,
    Task,
)

COUNTED = (
    Task,
    Event,
    ProgressReport,
    ProgressReportRevision,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    PublicNotice,
    Extension,
    Notification,
    LookBackCheck,
    Assignment,
)


def _snapshot() -> dict:
    return {
        "counts": {model.__name__: model.objects.count() for model in COUNTED},
        "tasks": list(
            Task.objects.order_by("pk").values_list(
                "pk",
                "status",
                "version",
                "progress_pct",
                "deadline",
                "original_deadline",
                "start_date",
                "schedule_status",
                "closed_at",
                "reopen_count",
                "lead_unit_id",
                "extension_count",
            )
        ),
        "reports": list(
            ProgressReport.objects.order_by("pk").values_list(
                "pk", "progress_pct", "revision_count", "review_status", "progress_text"
            )
        ),
        "applications": list(
            CloseoutApplication.objects.order_by("pk").values_list("pk", "status")
        ),
        "extensions": list(Extension.objects.order_by("pk").values_list("pk", "status")),
        "notices": list(PublicNotice.objects.order_by("pk").values_list("pk", "result")),
        "milestones": list(Milestone.objects.order_by("pk").values_list("pk", "done_date")),
    }


@contextmanager
def assert_db_unchanged(
    raises: type[ServiceError] | None = None, phrase: str = ""
) -> Iterator[pytest.ExceptionInfo | None]:
    """Snapshot the tracked tables, run the block, and assert nothing changed.

    With `raises`, the block must raise exactly that error class (not a subclass sibling) with a
    non-empty Chinese message containing `phrase`.
    """
    before = _snapshot()
    if raises is None:
        yield None
    else:
        with pytest.raises(ServiceError) as info:
            yield info
        assert type(info.value) is raises, f"expected {raises.__name__}, got {info.value!r}"
        assert info.value.message.strip(), "the refusal carries no message"
        assert phrase in info.value.message, f"{phrase!r} not in {info.value.message!r}"
    after = _snapshot()
    assert after == before
