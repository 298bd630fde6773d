"""The synthetic province generator at small sizes (both databases)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts.choices import Role
from accounts.models import User
from devtools.bench.province import generate_province
from rectification import schedule
from rectification.choices import AssignmentRole, TaskStatus
from rectification.models import Assignment, Event, ProgressReport, Task


@pytest.mark.django_db
def test_generated_province_is_consistent():
    # given a small province
    stats = generate_province(
        tasks=300,
        reports_per_task=3,
        seed=7,
        cities=2,
        counties_per_city=3,
        today=date(2020, 2, 15),
        log=lambda *_: None,
    )
    # then the counts add up
    assert stats.rows["tasks"] == Task.objects.count() == 300
    assert stats.rows["reports"] == ProgressReport.objects.count()
    assert (
        ProgressReport.objects.count()
        == 3 * Task.objects.exclude(status=TaskStatus.NOT_STARTED).count()
    )
    # every task has exactly one lead assignment, and lead_unit mirrors it
    leads = dict(
        Assignment.objects.filter(role=AssignmentRole.LEAD).values_list("task_id", "unit_id")
    )
    assert len(leads) == 300
    assert all(leads[t] == u for t, u in Task.objects.values_list("pk", "lead_unit_id"))
    # closed tasks have closed_at and a close event; others don't
    closed = Task.objects.filter(status=TaskStatus.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    assert Event.objects.filter(verb="close").count() == closed.count()
    # the stored 序时 status is what the rule computes
    for row in Task.objects.values(
        "status", "start_date", "deadline", "progress_pct", "schedule_status"
    )[:100]:
        verdict = schedule.evaluate(
            status=row["status"],
            start_date=row["start_date"],
            deadline=row["deadline"],
            progress_pct=row["progress_pct"],
            today=date(2020, 2, 15),
        )
        assert verdict.status == row["schedule_status"]
    # the province office sees every task, a city office only its city's
    province_office = User.objects.get(username__endswith="office-province")
    assert Task.objects.visible_to(province_office).count() == 300
    city_offices = User.objects.filter(role=Role.OFFICE).exclude(pk=province_office.pk)
    per_city = [Task.objects.visible_to(u).count() for u in city_offices]
    assert sum(per_city) == 300 and all(per_city)


@pytest.mark.django_db
def test_generate_province_command_reports_its_rate():
    from io import StringIO

    out = StringIO()
    call_command(
        "generate_province",
        "--tasks",
        "120",
        "--cities",
        "1",
        "--counties-per-city",
        "2",
        "--reports-per-task",
        "2",
        stdout=out,
    )
    assert "rows/s" in out.getvalue()
    assert Task.objects.count() == 120
    assert Task.objects.values("region_id").annotate(n=Count("*")).count() == 2
