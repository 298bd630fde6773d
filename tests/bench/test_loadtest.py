"""`manage.py loadtest` at a tiny size, so it cannot rot (issue 16).

The command runs as a separate process, as it is meant to be run, and starts gunicorn (product
and raw app) and Locust as processes of its own: they need committed rows in a database they
can open. On PostgreSQL that is the test database itself (the test is transactional); on
SQLite, whose test database lives in memory, a file copy of it.

Asserts that every endpoint was loaded on both servers, that the product answered without an
error, that the report posts and the 验收 posts really wrote their rows, and that the servers
are gone afterwards — never the timings.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
ENDPOINTS = {
    "reporter: my tasks",
    "reporter: task page",
    "reporter: report form",
    "reporter: report post",
    "office: ledger (county + status)",
    "office: review queue",
    "office: accept form",
    "office: accept post",
    "leader: dashboard",
    "api: task list",
    "api: task list next page",
}
# A report post writes the month's report, or amends it keeping the earlier version: one row
# either way.
REPORT_ROWS = (
    "SELECT (SELECT COUNT(*) FROM rectification_progressreport) "
    "+ (SELECT COUNT(*) FROM rectification_progressreportrevision)"
)
ACCEPTED = "SELECT COUNT(*) FROM rectification_closeoutapplication WHERE status = 'ACCEPTED'"


def database_url(tmp_path: Path) -> str:
    """A URL of the test database that other processes can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "load.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        return f"sqlite:///{path}"
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{host}:{port}/{s['NAME']}"


def count(url: str, sql: str) -> int:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_loadtest_loads_every_endpoint_of_the_product_and_the_raw_app(tmp_path):
    # given a tiny generated province in a database other processes can open
    call_command(
        "generate_province",
        "--tasks",
        "1500",
        "--cities",
        "2",
        "--counties-per-city",
        "2",
        "--reports-per-task",
        "2",
        stdout=StringIO(),
    )
    url = database_url(tmp_path)
    report_rows, accepted = count(url, REPORT_ROWS), count(url, ACCEPTED)
    out = tmp_path / "load.json"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "TRACKER_TODAY": settings.TRACKER_TODAY.isoformat(),
        "VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    # when the load test runs one short step of 5 users (one of each persona at least)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "loadtest",
            "--steps",
            "5",
            "--duration",
            "5",
            "--workers",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    runs = {r["target"]: r for r in report["runs"]}
    # then both servers were loaded on every endpoint
    assert set(runs) == {"product", "raw"}
    for target, run in runs.items():
        assert set(run["endpoints"]) == ENDPOINTS, target
        for name, endpoint in run["endpoints"].items():
            assert endpoint["requests"] > 0, (target, name)
        assert run["mix"]["requests"] == sum(e["requests"] for e in run["endpoints"].values())
    # and the product answered every request as expected
    assert runs["product"]["mix"]["failures"] == 0, runs["product"]["errors"]
    assert runs["raw"]["mix"]["failures"] == 0, runs["raw"]["errors"]

    # and every report post wrote its report, every 验收 post its acceptance (the plan
    # itself reported once on each application it prepared). A post still in flight when
    # Locust stops at the time limit is written but not counted: at most one per simulated
    # user and run.
    def succeeded(name: str) -> int:
        return sum(
            r["endpoints"][name]["requests"] - r["endpoints"][name]["failures"]
            for r in runs.values()
        )

    in_flight = sum(r["users"] for r in runs.values())
    prepared = sum(report["accept_pool"].values())
    reports = count(url, REPORT_ROWS) - report_rows - prepared
    assert (
        0
        < succeeded("reporter: report post")
        <= reports
        <= succeeded("reporter: report post") + in_flight
    )
    accepts = count(url, ACCEPTED) - accepted
    assert (
        0
        < succeeded("office: accept post")
        <= accepts
        <= succeeded("office: accept post") + in_flight
    )
    # and the table was printed, the verdict and the saturation judged
    assert "| **mix** |" in result.stdout
    assert report["steps_judged"][0]["users"] == 5
    assert report["met"] in (True, False)
    # and both servers are gone
    assert set(report["ports"]) == {"product", "raw"}
    for port in report["ports"].values():
        assert not listening(port)
