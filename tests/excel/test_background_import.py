"""Big plans commit in the background (issue 12, item 6): above IMPORT_BACKGROUND_ROWS the
commit only queues an ImportJob; the job (beat → run_queued) commits all or nothing, its
progress is readable while its transaction is open, its result or its Chinese reason after."""

import threading
import time

import pytest
from django.db import connection

from accounts.choices import Role, UnitKind
from devtools.bench.imports import plan_workbook
from exchange.models import ImportJob
from exchange.plan_import import jobs
from inspections.models import ImportBatch, Problem
from rectification.models import Assignment, Event, Task
from tests.excel.conftest import upload
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def big_plan(world, rows=12) -> bytes:
    """`rows` rows over the world's two counties and two departments (10 points a problem)."""
    return plan_workbook(
        rows, counties=["东城区", "西城区"], departments=["市住建局", "市生态环境局"]
    )


@pytest.fixture
def small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 5


def preview(client, data, round_id):
    response = client.post(
        "/api/v1/imports/preview/",
        {"file": upload(data, "big.xlsx"), "mode": "existing", "round": round_id},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def commit(client, sha256, round_id):
    return client.post(
        "/api/v1/imports/commit/",
        {"sha256": sha256, "file_name": "big.xlsx", "mode": "existing", "round": round_id},
        content_type="application/json",
    )


def counts_without_jobs(row_counts) -> dict:
    return {k: v for k, v in row_counts().items() if k != "exchange.ImportJob"}


def test_a_plan_above_the_threshold_is_queued_then_committed_by_the_job(
    plan_units, office_client, small_threshold, row_counts
):
    # given a previewed plan of 12 rows, above the threshold of 5
    body = preview(office_client, big_plan(plan_units), plan_units.round.pk)
    before = counts_without_jobs(row_counts)
    # when the office commits it
    response = commit(office_client, body["sha256"], plan_units.round.pk)
    # then the API answers at once with a queued job and nothing is written yet
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["status"], job["status_label"], job["rows"]) == ("QUEUED", "排队中", 12)
    assert response["Location"] == f"/api/v1/imports/{job['id']}/"
    assert counts_without_jobs(row_counts) == before
    # and a second commit of the same file while it is queued is refused
    again = commit(office_client, body["sha256"], plan_units.round.pk)
    assert again.status_code == 400 and "正在后台导入" in again.json()["detail"]
    # when the worker's beat runs the queue
    assert jobs.run_queued() == jobs.ImportRun(done=1, failed=0, interrupted=0)
    # then everything is there, the job says 已完成 and points at its batch
    state = office_client.get(f"/api/v1/imports/{job['id']}/").json()
    assert (state["status"], state["done"], state["total"], state["percent"]) == (
        "DONE",
        12,
        12,
        100,
    )
    batch = ImportBatch.objects.get(sha256=body["sha256"])
    assert state["batch"] == batch.pk and state["task_count"] == 12
    assert Task.objects.filter(round=plan_units.round).count() == 2 + 12
    assert Event.objects.filter(verb="create", task__round=plan_units.round).count() == 12
    # and the same file cannot be committed again
    assert commit(office_client, body["sha256"], plan_units.round.pk).status_code == 409


def test_a_plan_at_the_threshold_commits_in_the_request(plan_units, office_client, settings):
    settings.IMPORT_BACKGROUND_ROWS = 12
    body = preview(office_client, big_plan(plan_units), plan_units.round.pk)
    response = commit(office_client, body["sha256"], plan_units.round.pk)
    assert response.status_code == 201, response.json()
    assert response.json()["task_count"] == 12
    assert not ImportJob.objects.exists()


def test_the_bulk_commit_writes_what_task_create_writes(plan_units, office_client, settings):
    # A plan committed in the request (one task at a time in the old committer) and the same
    # plan's rows through the job: same tasks, units, colours, events.
    settings.IMPORT_BACKGROUND_ROWS = 5
    body = preview(office_client, big_plan(plan_units, rows=20), plan_units.round.pk)
    commit(office_client, body["sha256"], plan_units.round.pk)
    jobs.run_queued()
    tasks = Task.objects.filter(round=plan_units.round).exclude(code__startswith="SD-")
    assert tasks.count() == 20
    first = tasks.select_related("problem").order_by("id").first()
    assert (first.problem.code, first.seq, first.lead_unit, first.region) == (
        "P1",
        1,
        plan_units.dc_gov,
        plan_units.dongcheng,
    )
    assert first.warning_level and first.schedule_status
    # the second row (西城区) is led by 市住建局, its county's government is territorial
    second = tasks.order_by("id")[1]
    roles = sorted(Assignment.objects.filter(task=second).values_list("role", "unit__short_name"))
    assert roles == [("COOP", "市生态环境局"), ("LEAD", "市住建局"), ("TERRITORIAL", "西城区政府")]
    assert Problem.objects.filter(round=plan_units.round, code__startswith="P").count() == 2


def test_progress_is_readable_while_the_job_writes(
    plan_units, office_client, small_threshold, monkeypatch
):
    # given a queued job of 12 tasks written 4 at a time
    monkeypatch.setattr("rectification.services.tasks.BULK_BATCH", 4)
    body = preview(office_client, big_plan(plan_units), plan_units.round.pk)
    job_id = commit(office_client, body["sha256"], plan_units.round.pk).json()["id"]
    seen = []
    real = jobs._set_progress

    def spy(job, phase, done=0, total=0):
        real(job, phase, done, total)
        seen.append(office_client.get(f"/api/v1/imports/{job_id}/").json())

    monkeypatch.setattr(jobs, "_set_progress", spy)
    # when the job runs, the API is asked after every step
    jobs.run_queued()
    # then it said 导入中 with the tasks written so far, batch by batch
    running = [(s["status"], s["phase"], s["done"], s["total"]) for s in seen]
    assert running == [
        ("RUNNING", "check", 0, 0),
        ("RUNNING", "write", 0, 12),
        ("RUNNING", "write", 4, 12),
        ("RUNNING", "write", 8, 12),
        ("RUNNING", "write", 12, 12),
    ]
    assert seen[2]["percent"] == 33 and seen[2]["status_label"] == "导入中"
    assert office_client.get(f"/api/v1/imports/{job_id}/").json()["status"] == "DONE"


def test_a_refusal_in_the_job_leaves_nothing_and_the_job_says_why(
    plan_units, office_client, small_threshold, row_counts, monkeypatch
):
    # given a queued plan whose 8th task code gets taken after the job validated the plan
    # (inside the job's transaction, so the clashing task is rolled back too)
    body = preview(office_client, big_plan(plan_units), plan_units.round.pk)
    job_id = commit(office_client, body["sha256"], plan_units.round.pk).json()["id"]
    problem = Problem.objects.get(round=plan_units.round, code="4")
    from exchange.plan_import import committer

    real_bulk = committer.tasks_create_bulk

    def clash_then_create(**kwargs):
        TaskFactory(problem=problem, code=kwargs["tasks"][7].code, region=plan_units.dongcheng)
        return real_bulk(**kwargs)

    monkeypatch.setattr(committer, "tasks_create_bulk", clash_then_create)
    before = counts_without_jobs(row_counts)
    # when the job runs
    jobs.run_queued()
    # then nothing is left and the job says 失败 with the row (header + 8) and the reason
    assert counts_without_jobs(row_counts) == before
    state = office_client.get(f"/api/v1/imports/{job_id}/").json()
    assert state["status"] == "FAILED" and state["status_label"] == "失败"
    assert state["error"].startswith("导入失败，未导入任何数据。第9行：任务编号"), state["error"]
    assert state["errors"][0]["row"] == 9
    assert not ImportBatch.objects.exists()


def test_a_crash_in_the_job_leaves_nothing(
    plan_units, office_client, small_threshold, row_counts, monkeypatch
):
    monkeypatch.setattr("rectification.services.tasks.BULK_BATCH", 4)
    body = preview(office_client, big_plan(plan_units), plan_units.round.pk)
    job_id = commit(office_client, body["sha256"], plan_units.round.pk).json()["id"]
    before = counts_without_jobs(row_counts)
    from accounts import events

    real = events.record_many
    calls = []

    def fail_on_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # problems' events, then two task batches went through
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(events, "record_many", fail_on_third_batch)
    result = jobs.run_queued()
    assert result.failed == 1
    assert counts_without_jobs(row_counts) == before
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "未导入任何数据" in job.error and "RuntimeError" in job.error
    # the staged file stays, so the office can submit it again
    again = commit(office_client, body["sha256"], plan_units.round.pk)
    assert again.status_code == 202


def test_a_job_left_running_by_a_dead_worker_is_marked_failed(plan_units, office_client):
    from datetime import timedelta

    from accounts import clock

    job = ImportJob.objects.create(
        sha256="b" * 64,
        file_name="lost.xlsx",
        region=plan_units.city,
        created_by=plan_units.office,
        status=ImportJob.Status.RUNNING,
        started_at=clock.now() - timedelta(hours=1),
    )
    assert jobs.run_queued().interrupted == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "导入中断" in job.error


@pytest.fixture
def queued_job(plan_units, office_client, small_threshold):
    body = preview(office_client, big_plan(plan_units), plan_units.round.pk)
    return ImportJob.objects.get(
        pk=commit(office_client, body["sha256"], plan_units.round.pk).json()["id"]
    )


def test_only_the_offices_of_its_region_read_the_job(plan_units, client, queued_job):
    other_office = UserFactory(
        username="xc_office",
        role=Role.OFFICE,
        unit=UnitFactory(
            name="西城区环督办", kind=UnitKind.COORD_OFFICE, region=plan_units.xicheng
        ),
    )
    expected = {
        plan_units.office: 200,
        plan_units.leader: 200,  # the city's leaders read what the city's office does
        other_office: 404,  # a county office below: not its job
        plan_units.reporter: 404,
        plan_units.unit_head: 404,
    }
    for user, status in expected.items():
        client.force_login(user)
        assert client.get(f"/api/v1/imports/{queued_job.pk}/").status_code == status, user
        assert client.get(f"/imports/jobs/{queued_job.pk}/").status_code == status, user
    client.logout()
    assert client.get(f"/api/v1/imports/{queued_job.pk}/").status_code in (401, 403)


def test_the_page_polls_until_the_job_ends(plan_units, office_client, small_threshold):
    # given a previewed big plan: the preview says it will run in the background
    page = office_client.post(
        "/imports/",
        {"file": upload(big_plan(plan_units)), "mode": "existing", "round": plan_units.round.pk},
    )
    assert "将在后台导入" in page.content.decode()
    # when the office confirms, the page goes to the job's page
    response = office_client.post(
        "/imports/commit/",
        {
            "sha256": page.context["sha256"],
            "file_name": "big.xlsx",
            "mode": "existing",
            "round": plan_units.round.pk,
        },
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/jobs/{job.pk}/"
    # then the page carries the polling fragment: htmx asks for it every second
    html = office_client.get(response["Location"]).content.decode()
    assert f'hx-get="/imports/jobs/{job.pk}/"' in html and 'hx-trigger="every 1s"' in html
    assert "排队中" in html and 'role="progressbar"' in html
    # and htmx's request gets the fragment alone
    fragment = office_client.get(response["Location"], headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="import-job"')
    # and the import page lists the job
    assert "后台导入任务" in office_client.get("/imports/").content.decode()
    # when the job has run, the fragment stops polling and shows the result
    jobs.run_queued()
    done = office_client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "导入成功" in done and "新建任务 12 个" in done


@pytest.mark.django_db(transaction=True)
def test_progress_is_read_on_another_connection_while_the_transaction_is_open(
    plan_units, client, small_threshold, monkeypatch
):
    # given a queued job whose writing pauses after its first batch, inside its transaction
    monkeypatch.setattr("rectification.services.tasks.BULK_BATCH", 4)
    client.force_login(plan_units.office)
    body = preview(client, big_plan(plan_units), plan_units.round.pk)
    job_id = commit(client, body["sha256"], plan_units.round.pk).json()["id"]
    paused, resume = threading.Event(), threading.Event()
    real = jobs._set_progress

    def pausing(job, phase, done=0, total=0):
        real(job, phase, done, total)
        if phase == "write" and done == 4:
            paused.set()
            resume.wait(30)

    monkeypatch.setattr(jobs, "_set_progress", pausing)
    worker = threading.Thread(target=lambda: (jobs.run_queued(), connection.close()))
    worker.start()
    try:
        assert paused.wait(30)
        # when the page is polled from this thread (its own database connection)
        state = client.get(f"/api/v1/imports/{job_id}/").json()
        # then it shows the progress
        assert (state["status"], state["done"], state["total"]) == ("RUNNING", 4, 12)
        if connection.vendor == "postgresql":
            # and none of the rows are visible yet (the test database of SQLite is a
            # shared-cache in-memory one, which locks a table being written instead)
            assert not Task.objects.filter(code__startswith="P").exists()
    finally:
        resume.set()
        worker.join(60)
    assert client.get(f"/api/v1/imports/{job_id}/").json()["status"] == "DONE"
    assert Task.objects.filter(round=plan_units.round).count() == 14


def test_run_imports_command_runs_the_queue(queued_job):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    started = time.monotonic()
    call_command("run_imports", stdout=out)
    assert "done=1" in out.getvalue() and time.monotonic() - started < 60
    queued_job.refresh_from_db()
    assert queued_job.status == ImportJob.Status.DONE


def test_tasks_create_bulk_writes_exactly_what_task_create_writes(plan_units):
    """The same tasks through task_create one at a time and through tasks_create_bulk give the
    same task, assignment and event rows (ids and times aside) and the same tally."""
    from dataclasses import fields

    from django.db import transaction

    from rectification import tally
    from rectification.models import DailyTally
    from rectification.services import NewTask, UnitRole, task_create, tasks_create_bulk

    w = plan_units
    new = [
        NewTask(
            problem=w.problem,
            code=f"B-{i}",
            name=f"点位{i}",
            region=w.dongcheng if i % 2 else w.xicheng,
            units=[
                UnitRole(w.dc_gov if i % 2 else w.xc_gov, "LEAD"),
                UnitRole(w.housing, "COOP"),
                UnitRole(w.eco, "SECTOR"),
            ][: 1 + i % 3],
            deadline=[None, *[__import__("datetime").date(2020, m, 28) for m in (1, 3, 12)]][i % 4],
            deadline_type="ONGOING" if i % 4 == 0 else "DATED",
            leader=w.vice_mayor if i == 3 else None,
        )
        for i in range(8)
    ]

    def snapshot():
        tasks = Task.objects.filter(code__startswith="B-").order_by("code")
        drop = {"id", "created_at", "updated_at"}
        return (
            [{k: v for k, v in row.items() if k not in drop} for row in tasks.values()],
            sorted(
                Assignment.objects.filter(task__in=tasks).values_list(
                    "task__code", "unit_id", "role", "sort"
                )
            ),
            sorted(
                Event.objects.filter(task__in=tasks).values_list(
                    "task__code", "verb", "actor_id", "to_status", "note", "target_type_id"
                )
            ),
            sorted(
                DailyTally.objects.values_list("region_id", "round_id", "lead_unit_id", "total")
            ),
        )

    with transaction.atomic():
        for t in new:
            task_create(actor=w.office, **{f.name: getattr(t, f.name) for f in fields(t)})
        one_by_one = snapshot()
        transaction.set_rollback(True)
    tasks_create_bulk(actor=w.office, tasks=new, batch_size=3)
    assert snapshot() == one_by_one
    assert tally.verify() == []


def test_the_preview_page_of_a_big_plan_lists_its_first_tasks_only(
    plan_units, office_client, monkeypatch
):
    # given a plan of 12 tasks and a preview that lists at most 5
    monkeypatch.setattr("exchange.views.PREVIEW_TASKS", 5)
    page = office_client.post(
        "/imports/",
        {"file": upload(big_plan(plan_units)), "mode": "existing", "round": plan_units.round.pk},
    )
    body = page.content.decode()
    # then the table has 5 rows and says that the commit takes all 12
    assert page.context["counts"]["tasks"] == 12
    assert len(page.context["shown_tasks"]) == 5
    assert "以上仅列出前 5 个任务（共 12 个）" in body
