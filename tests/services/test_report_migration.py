"""Migration 0008 folds several reports of one task in one month into one before adding the
unique constraint: the latest stays, the earlier ones become its revisions."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("rectification", "0007_feedback_tree_and_problem_events")]
AFTER = [("rectification", "0008_report_per_period_review_and_overdue_extension")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.tally_stale
def test_duplicate_reports_become_revisions_of_the_latest(world):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Report = apps.get_model("rectification", "ProgressReport")
        Period = apps.get_model("rectification", "ReportingPeriod")
        period = Period.objects.create(
            code="2020-02",
            kind="MONTHLY",
            start_date="2020-02-01",
            end_date="2020-02-29",
            due_date="2020-02-25",
        )
        for pct, hour in ((40, 9), (55, 10), (60, 11)):
            Report.objects.create(
                task_id=world.task.pk,
                period_id=period.pk,
                unit_id=world.dc_gov.pk,
                progress_text=f"完成{pct}%",
                progress_pct=pct,
                submitted_by_id=world.reporter.pk,
                submitted_at=datetime(2020, 2, 10, hour, tzinfo=UTC),
            )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        Report = apps.get_model("rectification", "ProgressReport")
        Revision = apps.get_model("rectification", "ProgressReportRevision")
        [kept] = Report.objects.filter(task_id=world.task.pk)
        assert (kept.progress_pct, kept.revision_count) == (60, 2)
        assert sorted(Revision.objects.values_list("progress_pct", flat=True)) == [40, 55]
    finally:
        call_command("migrate", verbosity=0)
