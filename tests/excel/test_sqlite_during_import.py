"""SQLite stays usable while a big plan import commits (issue 12, item 6).

The suite's SQLite test database is a shared-cache in-memory one (no WAL, table locks), so
this runs against a real SQLite file, as `make run` does, in a child process: migrate, then
an import job whose transaction is held open after its first batch, while the main thread
reads (WAL: at once) and logs a user in through the login page (BEGIN IMMEDIATE + the busy
timeout: it waits for the import's commit, then succeeds).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_infra import _clean_env

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, threading, time
import django
django.setup()
from django.db import connection
from django.test import Client
from accounts.choices import Role
from accounts.models import User
from devtools.bench import imports
from exchange.plan_import import jobs, pipeline
from exchange.plan_import.validator import Target
from rectification.models import Task
import rectification.services.tasks as task_services

assert connection.vendor == "sqlite"
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
world = imports.import_world()
user = User.objects.create_user("probe", password="probe-pass-2020", role=Role.REPORTER)
data = imports.plan_workbook(300, counties=world.counties, departments=world.departments)
sha, plan = pipeline.preview_upload(
    data, "probe.xlsx", actor=world.office, target=Target("existing", round=world.round)
)
job = jobs.enqueue(sha, "probe.xlsx", actor=world.office,
                   target_data={"mode": "existing", "round": world.round.pk}, rows=plan.rows)
task_services.BULK_BATCH = 100
holding, hold_for = threading.Event(), 2.0
real = jobs._set_progress
def pausing(job, phase, done=0, total=0):
    real(job, phase, done, total)
    if phase == "write" and done == 100:
        holding.set()
        time.sleep(hold_for)  # the import's transaction stays open, holding the write lock
def run():
    jobs.run_queued()
    connection.close()
jobs._set_progress = pausing
worker = threading.Thread(target=run)
worker.start()
assert holding.wait(60)
t0 = time.monotonic()
tasks_seen = Task.objects.count()
read_s = time.monotonic() - t0
t0 = time.monotonic()
response = Client().post("/login/", {"username": "probe", "password": "probe-pass-2020"})
login_s = time.monotonic() - t0
worker.join(120)
job.refresh_from_db()
user.refresh_from_db()
print(json.dumps({
    "journal": journal, "read_s": read_s, "tasks_seen": tasks_seen,
    "login_status": response.status_code, "login_s": login_s,
    "logged_in": user.last_login is not None, "job": job.status, "tasks": Task.objects.count(),
}))
"""


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a SQLite file's behaviour; the PostgreSQL pass needs no second copy",
)
def test_reads_and_logins_work_while_an_import_commits_on_sqlite(tmp_path):
    env = _clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["journal"] == "wal"
    # a read while the import holds the write lock answers at once and sees none of its rows
    assert result["tasks_seen"] == 0 and result["read_s"] < 1.0, result
    # a login (a session insert and a last_login update) waits for the import's commit, then
    # succeeds: no "database is locked"
    assert (result["login_status"], result["logged_in"]) == (302, True), result
    assert result["login_s"] < 20, result
    assert (result["job"], result["tasks"]) == ("DONE", 300), result


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/tasks/", "text/plain; charset=utf-8"), ("/api/v1/tasks/", "application/json")],
)
def test_a_write_that_waited_out_the_lock_gets_an_explicit_message(path, content_type, rf):
    from django.db import OperationalError

    from config.middleware import DatabaseBusyMiddleware

    middleware = DatabaseBusyMiddleware(lambda request: None)
    response = middleware.process_exception(rf.post(path), OperationalError("database is locked"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert response["Content-Type"] == content_type
    assert "数据库正忙" in response.content.decode() and "没有保存" in response.content.decode()
    # any other database error stays an error
    other = middleware.process_exception(rf.post(path), OperationalError("no such table: x"))
    assert other is None
