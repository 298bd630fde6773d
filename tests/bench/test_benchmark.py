"""The benchmark command at a small size, so it cannot rot (issue 6).

Asserts only that it completes, writes every scenario to the JSON, and that the product's
answers equal the raw-SQL answers (same ids, counts and totals) — never the timings.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from devtools.bench.scenarios import EXPORT_ROWS

SCENARIOS = {
    "list_api_county",
    "list_api_province_first",
    "list_api_province_deep",
    "list_html_city_office",
    "list_html_province_office",
    "list_html_vs_api",
    "list_html_my_tasks",
    "task_page",
    "dashboard_province",
    "dashboard_county",
    "dashboard_city",
    "ledger_export",
    "reminder_sweep",
    "warning_sweep",
}


@pytest.mark.django_db
def test_benchmark_runs_every_scenario_and_product_equals_raw(tmp_path):
    # given an empty database and a small size
    out = StringIO()
    path = tmp_path / "bench.json"
    # when the benchmark runs (it generates the province first)
    call_command(
        "benchmark",
        "--tasks",
        "1500",
        "--repeat",
        "2",
        "--cities",
        "2",
        "--counties-per-city",
        "3",
        "--reports-per-task",
        "2",
        "--json",
        str(path),
        "--phases",
        stdout=out,
    )
    # then it wrote every scenario, each measured, and the answers agree
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["province"]["tasks"] == 1500
    results = {s["key"]: s for s in report["scenarios"]}
    assert set(results) == SCENARIOS
    for key, result in results.items():
        assert result["same_answer"], (key, result["product_answer"], result["raw_answer"])
        assert len(result["product_ms"]) == len(result["raw_ms"]) >= 1, key
        assert result["queries"] > 0, key
        assert result["ratio"] is not None and result["target"] is not None, key
        assert result["met"] in (True, False), key
    # the export covers every task of a province smaller than EXPORT_ROWS
    assert EXPORT_ROWS > 1500
    assert "rows=1500" in results["ledger_export"]["product_answer"]
    # the deep page is judged against the first page of the same list
    assert results["list_api_province_deep"]["basis"] == "list_api_province_first"
    # each request is split by phase, the phases adding up to the request; the jobs are not
    for key, result in results.items():
        phases = result["phases_ms"]
        if key in ("ledger_export", "reminder_sweep", "warning_sweep"):
            assert phases is None, key
            continue
        assert phases["total"] > 0 and phases["sql"] > 0, key
    assert results["list_api_county"]["phases_ms"]["serialise"] > 0
    assert results["list_html_city_office"]["phases_ms"]["template"] > 0
    # and the tables are printed
    assert "| scenario |" in out.getvalue()
    assert "| scenario | request | middleware | SQL |" in out.getvalue()


@pytest.mark.django_db
def test_benchmark_reuses_a_generated_province(tmp_path):
    # given a province already generated
    call_command(
        "generate_province",
        "--tasks",
        "300",
        "--cities",
        "1",
        "--counties-per-city",
        "2",
        "--reports-per-task",
        "1",
        stdout=StringIO(),
    )
    out = StringIO()
    # when the benchmark runs one scenario with --skip-generate
    call_command(
        "benchmark",
        "--tasks",
        "100000",
        "--skip-generate",
        "--repeat",
        "1",
        "--only",
        "list_api_county",
        stdout=out,
    )
    # then it used that province rather than generating another
    assert "300 tasks" in out.getvalue()
    assert "generating" not in out.getvalue()


@pytest.mark.django_db
def test_benchmark_import_scenario_commits_a_generated_plan_and_cleans_up(tmp_path):
    from inspections.models import InspectionRound

    # when the import scenario runs alone, at a small size
    out = StringIO()
    path = tmp_path / "import.json"
    call_command(
        "benchmark", "--only", "import_20k", "--import-rows", "40", "--json", str(path), stdout=out
    )
    # then it reports the preview and the background commit of every row
    (scenario,) = json.loads(path.read_text(encoding="utf-8"))["scenarios"]
    assert (scenario["key"], scenario["rows"], scenario["tasks"]) == ("import_20k", 40, 40)
    assert scenario["commit_s"] >= scenario["write_s"] > 0
    assert "import_20k: commit of 40 tasks" in out.getvalue()
    # and leaves its round empty again
    round_ = InspectionRound.objects.get(code="IMPORT-BENCH")
    assert not round_.problems.exists() and not round_.import_batches.exists()


@pytest.mark.django_db
def test_the_phases_of_a_request_add_up_to_it(world, client):
    from django.urls import reverse

    from devtools.bench.phases import phase_timer

    # given the office's ledger page and its JSON list
    client.force_login(world.office)
    # when each request is timed by phase
    with phase_timer() as (phases, timed):
        timed(lambda: client.get(reverse("task_list")))
        timed(lambda: client.get(reverse("api:task-list")))
    # then the phases add up to the request
    for request in phases.requests:
        parts = ("middleware", "sql", "template", "serialise", "view_python")
        assert sum(request[k] for k in parts) == pytest.approx(request["total"], rel=0.01)
    # and each lands where it belongs: the page renders a template, the API serialises
    page, api = phases.requests
    assert page["template"] > 0 and page["serialise"] == 0
    assert api["serialise"] > 0 and api["template"] == 0
    assert page["session_auth"] > 0 and page["sql"] > page["session_auth"]
    assert page["view_python"] > 0 and api["view_python"] > 0
