"""A big plan import through a real Celery worker on the real Redis (REDIS_URL): the commit
queues the job, the `jobs.imports` task (the beat's entry) runs it on the worker, the API
shows its progress on another connection and then its result."""

import time

import pytest

from exchange.models import ImportJob
from rectification.models import Task
from tests.excel.test_background_import import big_plan, commit, preview
from tests.jobs.test_worker import worker  # noqa: F401  (the module's embedded worker)

pytestmark = [pytest.mark.realservices, pytest.mark.django_db(transaction=True)]


def test_a_big_plan_commits_on_the_worker(worker, plan_units, client, settings, monkeypatch):  # noqa: F811
    settings.IMPORT_BACKGROUND_ROWS = 5
    monkeypatch.setattr("rectification.services.tasks.BULK_BATCH", 10)
    client.force_login(plan_units.office)
    body = preview(client, big_plan(plan_units, rows=60), plan_units.round.pk)
    queued = commit(client, body["sha256"], plan_units.round.pk)
    assert queued.status_code == 202, queued.json()
    url = queued["Location"]
    from exchange.tasks import run_imports

    result = run_imports.delay()
    states = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(url).json()
        states.append((state["status"], state["done"]))
        if state["finished"]:
            break
        time.sleep(0.05)
    assert result.get(timeout=60) == {"done": 1, "failed": 0, "interrupted": 0}
    assert states[-1] == ("DONE", 60), states
    assert ImportJob.objects.get().batch is not None
    assert Task.objects.filter(round=plan_units.round).count() == 2 + 60
