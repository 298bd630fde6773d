"""Read replicas (accounts/replicas.py): which database each request reads from.

Two kinds of test:
- with a second connection to the test database standing in for a replica (both passes):
  the routing rules — which pages and API reads go to the replica, reads inside a transaction
  and logins on the primary, read-your-writes after a form post or an API write, an
  unreachable replica skipped with a warning, nothing routed without replicas;
- against a real PostgreSQL hot standby (`pg_basebackup -R`, started by .ci/run on port
  5433; TEST_REPLICA_URL names it): the pages are served by a server in recovery
  (`pg_is_in_recovery()`), the dashboard reads live figures there instead of building the
  day's tally (the standby would refuse the write), a stopped standby falls back to the primary.
"""

import logging
import os
import socket
import time
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import replicas
from accounts.tokens import api_token_create
from rectification.models import ProgressReport, TallyDay, Task
from tests.conftest import skip_or_fail

ALIAS = "replica_test"
# The tests' replica is a database the test case may use (and, as a mirror of default, does
# not flush).
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", ALIAS])


def _point(alias: str, **overrides) -> None:
    """(Re)point `alias` at the test database, or at another server (`overrides`)."""
    if hasattr(connections._connections, alias):
        connections[alias].close()
        delattr(connections._connections, alias)
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "TEST": {**connections["default"].settings_dict.get("TEST", {}), "MIRROR": "default"},
        **overrides,
    }


@pytest.fixture(scope="module", autouse=True)
def _replica_alias():
    """A second connection to the test database, known to Django for this module's tests
    (configured as a replica only by the fixtures below)."""
    _point(ALIAS)
    yield
    if hasattr(connections._connections, ALIAS):
        connections[ALIAS].close()
        delattr(connections._connections, ALIAS)
    connections.settings.pop(ALIAS, None)


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def replica(settings):
    """The second connection, configured as the only replica."""
    _point(ALIAS)
    settings.DATABASE_REPLICAS = [ALIAS]
    replicas._down_until.clear()
    yield ALIAS
    connections[ALIAS].close()
    replicas._down_until.clear()


@contextmanager
def queries_on(alias: str):
    with CaptureQueriesContext(connections[alias]) as ctx:
        yield ctx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Routing rules


def test_without_replicas_every_read_is_on_the_primary(world, login, settings):
    assert settings.DATABASE_REPLICAS == []
    client = login(world.office)
    r = client.get(reverse("task_list"))
    assert r.status_code == 200
    assert not hasattr(r.wsgi_request, "read_from")
    assert replicas.ReplicaRouter().db_for_read(Task) == "default"


def test_lists_and_dashboards_read_from_the_replica(world, login, replica):
    client = login(world.office)
    for name in ("task_list", "dashboard", "round_list", "petition_list", "dispatch_list"):
        with queries_on(replica) as on_replica:
            r = client.get(reverse(name))
        assert r.status_code == 200, name
        assert r.wsgi_request.read_from == replica, name
        assert len(on_replica) > 0, name
    # the task list shows the tasks read there
    assert world.task.code in client.get(reverse("task_list")).content.decode()


def test_a_task_page_and_forms_stay_on_the_primary(world, login, replica):
    """Only the pages marked replica_read (and API reads) tolerate lag: a task's own page is
    where a user checks what they just did."""
    client = login(world.reporter)
    with queries_on(replica) as on_replica:
        r = client.get(reverse("task_detail", args=[world.task.pk]))
    assert r.status_code == 200
    assert len(on_replica) == 0


def test_reads_inside_a_transaction_and_logins_stay_on_the_primary(world, replica):
    router = replicas.ReplicaRouter()
    token = replicas._replica.set(replica)
    try:
        assert router.db_for_read(Task) == replica
        # the tables of logins, sessions and tokens: a login a second old must work
        assert router.db_for_read(type(world.office)) == "default"
        with transaction.atomic():
            assert router.db_for_read(Task) == "default"
        assert router.db_for_write(Task) == "default"
    finally:
        replicas._replica.reset(token)
    assert router.db_for_read(Task) == "default"
    assert router.allow_migrate(replica, "rectification") is False


def _report(task, pct):
    return {
        "version": Task.objects.get(pk=task.pk).version,
        "progress_text": f"完成{pct}%",
        "progress_pct": pct,
        "difficulties": "",
        "next_steps": "",
        "falling_reason": "",
        "evidence_kind": "DURING",
    }


def test_after_a_form_post_the_user_reads_the_primary_for_a_while(world, login, replica, settings):
    settings.REPLICA_STICKY_SECONDS = 2
    client = login(world.reporter)
    r = client.post(reverse("task_report", args=[world.task.pk]), _report(world.task, 30))
    assert r.status_code == 302
    assert ProgressReport.objects.filter(task=world.task).exists()
    # the next list is read where the report was written
    with queries_on(replica) as on_replica:
        r = client.get(reverse("task_list"))
    assert r.status_code == 200 and not hasattr(r.wsgi_request, "read_from")
    assert len(on_replica) == 0
    # another user is not held on the primary
    other = login(world.office)
    assert other.get(reverse("task_list")).wsgi_request.read_from == replica
    # once the window has passed, the replica again
    time.sleep(2.1)
    assert client.get(reverse("task_list")).wsgi_request.read_from == replica


def test_an_api_client_reads_its_own_writes(world, client, replica):
    key = api_token_create(
        user=world.reporter, actor=world.reporter, name="填报系统", scope="WRITE"
    ).key
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    r = client.get("/api/v1/tasks/", **headers)
    assert r.status_code == 200 and r.wsgi_request.read_from == replica
    r = client.post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "完成过半", "progress_pct": 50},
        content_type="application/json",
        **headers,
    )
    assert r.status_code in (200, 201), r.content
    with queries_on(replica) as on_replica:
        r = client.get(f"/api/v1/tasks/{world.task.pk}/", **headers)
    assert r.status_code == 200 and r.json()["progress_pct"] == 50
    assert len(on_replica) == 0


def test_an_unreachable_replica_is_skipped_with_a_warning(world, login, replica, caplog):
    _point(
        replica,
        ENGINE="django.db.backends.postgresql",
        HOST="127.0.0.1",
        PORT=str(_free_port()),  # nothing listens there: a stopped server
        NAME="nowhere",
        OPTIONS={"connect_timeout": 2},
    )
    client = login(world.office)
    with caplog.at_level(logging.WARNING, logger="accounts.replicas"):
        r = client.get(reverse("task_list"))
    assert r.status_code == 200 and world.task.code in r.content.decode()
    assert not hasattr(r.wsgi_request, "read_from")
    assert "read replica replica_test unreachable" in caplog.text
    # left alone for a while: the next request does not try it again
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="accounts.replicas"):
        assert client.get(reverse("dashboard")).status_code == 200
    assert "unreachable" not in caplog.text


# ---------------------------------------------------------------------------------------------
# A real hot standby


def _standby_settings() -> dict:
    if connections["default"].vendor != "postgresql":
        pytest.skip("the hot standby tests run in the PostgreSQL pass")
    url = os.environ.get("TEST_REPLICA_URL")
    if not url:
        skip_or_fail("TEST_REPLICA_URL not set: no hot standby to test against")
    parts = urlparse(url)
    return {"HOST": parts.hostname, "PORT": str(parts.port or 5432)}


def _caught_up(alias: str, timeout: float = 15) -> None:
    """Wait until the standby has replayed everything the primary has written."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"the standby did not replay {lsn} within {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def standby(settings):
    overrides = _standby_settings()
    _point(ALIAS, **overrides)
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            in_recovery = cursor.fetchone()[0]
    except Exception as exc:  # any failure to reach it is a missing service
        _point(ALIAS)
        skip_or_fail(f"hot standby at {overrides} unreachable: {exc}")
    assert in_recovery, "TEST_REPLICA_URL must name a standby (pg_is_in_recovery() is false)"
    settings.DATABASE_REPLICAS = [ALIAS]
    replicas._down_until.clear()
    yield ALIAS
    _point(ALIAS)  # closed before the test database is flushed: no standby query holds it up
    replicas._down_until.clear()


def test_pages_and_the_api_are_served_by_the_standby(world, login, standby):
    _caught_up(standby)
    client = login(world.office)
    with queries_on(standby) as on_standby:
        r = client.get(reverse("task_list"))
    assert r.status_code == 200 and world.task.code in r.content.decode()
    assert r.wsgi_request.read_from == standby
    assert any("rectification_task" in q["sql"] for q in on_standby)
    key = api_token_create(user=world.office, actor=world.office, name="大屏").key
    _caught_up(standby)
    r = client.get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 200 and r.wsgi_request.read_from == standby
    assert {t["code"] for t in r.json()["results"]} >= {world.task.code}


def test_the_dashboard_on_the_standby_reads_live_figures_and_writes_nothing(world, login, standby):
    # the primary's figures, from the day's tally
    client = login(world.office)
    expected = client.get(reverse("dashboard")).context["board"]
    # a day whose tally the job has not built yet
    TallyDay.objects.all().delete()
    _caught_up(standby)
    with queries_on(standby) as on_standby:
        r = client.get(reverse("dashboard"))
    assert r.status_code == 200 and r.wsgi_request.read_from == standby
    board = r.context["board"]
    assert board.totals == expected.totals
    assert [(a.name, a.total, a.closed) for a in board.areas] == [
        (a.name, a.total, a.closed) for a in expected.areas
    ]
    assert board.trend == expected.trend
    # nothing was built (the standby would have refused the write; the primary was not asked)
    assert not TallyDay.objects.exists()
    assert not any("rectification_dailytally" in q["sql"] for q in on_standby)


def test_a_form_post_then_the_list_reads_the_primary(world, login, standby):
    client = login(world.reporter)
    r = client.post(reverse("task_report", args=[world.task.pk]), _report(world.task, 45))
    assert r.status_code == 302
    with queries_on(standby) as on_standby:
        r = client.get(reverse("task_list"))
    assert r.status_code == 200 and len(on_standby) == 0
    assert "45%" in r.content.decode()


def test_a_stopped_standby_falls_back_to_the_primary(world, login, standby, caplog):
    """The standby's server goes away (its connections are refused): pages still answer."""
    _point(standby, HOST="127.0.0.1", PORT=str(_free_port()), OPTIONS={"connect_timeout": 2})
    client = login(world.office)
    with caplog.at_level(logging.WARNING, logger="accounts.replicas"):
        r = client.get(reverse("dashboard"))
    assert r.status_code == 200 and not hasattr(r.wsgi_request, "read_from")
    assert "unreachable" in caplog.text
