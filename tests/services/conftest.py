"""A driver that walks a task through the lifecycle with the real services.

`flow.to(task, "PUBLICIZING")` leaves the task in that status the way users would have put it
there (report → apply → self-check → accept → close), and returns the close-out application
when there is one. Notices run 2020-02-08 … 2020-02-14 and are accepted on their first day,
so the pinned business date 2020-02-15 lies after them and closing is allowed.
"""

from datetime import date

import pytest

from accounts import clock
from rectification import services
from rectification.models import CloseoutApplication, Task
from rectification.services import CLOSEOUT_CHECKLIST

NOTICE_START = date(2020, 2, 8)
NOTICE_END = date(2020, 2, 14)  # five working days (10–14 February)
NOTICE_PHONE = "0999-12369"
STEPS = ("NOT_STARTED", "IN_PROGRESS", "APPLIED", "IN_REVIEW", "PUBLICIZING", "CLOSED")


class Flow:
    def __init__(self, world, before_after):
        self.world = world
        self.before_after = before_after

    def _people(self, task: Task):
        """(reporter, unit head, office) who act on this task: the 东城区 or the 西城区 side."""
        w = self.world
        if task.pk == w.other_task.pk:
            from tests.factories import UserFactory

            head = UserFactory(username="xc_head", role="UNIT_HEAD", unit=w.xc_gov)
            return w.outsider, head, w.office
        return w.reporter, w.unit_head, w.office

    def to(self, task: Task, status: str) -> CloseoutApplication | None:
        reporter, head, office = self._people(task)
        target = STEPS.index(status)
        app = None
        if target >= 1:
            services.task_report_progress(
                task=task, actor=reporter, progress_text="截污管网铺设过半", progress_pct=60
            )
        if target >= 2:
            app = services.task_apply_closeout(
                task=task,
                actor=reporter,
                summary="排口已封堵，管网已接通",
                checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
                files=self.before_after(),
            )
        if target >= 3:
            services.closeout_self_check(
                application=app, actor=head, passed=True, opinion="县级自验合格"
            )
        if target >= 4:
            # accepted on the notice's first day (a notice never starts before its acceptance)
            with clock.travel(clock.at(NOTICE_START, 10)):
                services.closeout_accept(
                    application=app,
                    actor=office,
                    opinion="市级验收合格",
                    notice_start=NOTICE_START,
                    notice_end=NOTICE_END,
                    contact_phone=NOTICE_PHONE,
                )
        if target >= 5:
            services.closeout_close(application=app, actor=office, doc_no="示环督办销〔2020〕1号")
        task.refresh_from_db()
        assert task.status == status
        if app is not None:
            app.refresh_from_db()
        return app


@pytest.fixture
def flow(world, before_after):
    return Flow(world, before_after)
