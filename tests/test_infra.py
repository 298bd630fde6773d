"""Deployment files, configuration and the tooling commands the README promises."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_date, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
BIN = Path(sys.executable).parent


def _clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without the project's settings variables, plus overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _documented_names() and key not in ("DJANGO_SETTINGS_MODULE",)
    }
    env.update(overrides)
    return env


def _read_names() -> set[str]:
    """Every variable name config/settings.py reads through the env helpers or dj_database_url."""
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"env_(?:str|bool|int|list|date)\(\s*\"([A-Z0-9_]+)\"", source))
    names |= set(re.findall(r"env=\"([A-Z0-9_]+)\"", source))
    return names


def _documented_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


# --- docker-compose.yml -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_has_the_five_services_each_with_a_healthcheck_and_restart_policy(compose):
    services = compose["services"]

    always = {name for name, service in services.items() if not service.get("profiles")}
    assert always == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], f"{name} has no health check"
        assert service["restart"] in ("unless-stopped", "always"), name


def test_compose_read_replica_is_an_optional_hot_standby_of_postgres(compose):
    replica = compose["services"]["postgres-replica"]
    # only with `docker compose --profile replica`
    assert replica["profiles"] == ["replica"]
    assert replica["image"] == compose["services"]["postgres"]["image"]
    script = replica["command"][-1]
    assert "pg_basebackup -h postgres" in script and " -R " in script
    assert "hot_standby=on" in script
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pgreplica:/var/lib/postgresql/data" in replica["volumes"]
    assert "pgreplica" in compose["volumes"]
    # the primary lets it stream: the init script it mounts adds the replication line
    mount = next(v for v in compose["services"]["postgres"]["volumes"] if "initdb.d" in v)
    script_path = ROOT / mount.split(":")[0]
    assert "host replication" in script_path.read_text(encoding="utf-8")
    # and the site is told where it is through the setting .env.example documents
    assert "DATABASE_REPLICA_URLS=postgres://ducha:PASSWORD@postgres-replica:5432/ducha" in (
        (ROOT / ".env.example").read_text(encoding="utf-8")
    )


def test_compose_app_services_wait_for_healthy_database_and_broker(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]

        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name
        assert service["environment"]["DATABASE_URL"].startswith("postgres://"), name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:"), name
        assert service["environment"]["DEBUG"] == "0", name
        assert service["env_file"] == ".env", name


def test_compose_keeps_evidence_files_and_data_in_named_volumes(compose):
    declared = set(compose["volumes"])

    assert {"pgdata", "redisdata", "media", "var"} <= declared
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    for name in ("web", "worker", "beat"):
        mounts = compose["services"][name]["volumes"]
        assert "media:/var/lib/ducha/media" in mounts, name
        assert "var:/var/lib/ducha" in mounts, name


def test_compose_web_runs_gunicorn_migrates_and_probes_healthz(compose):
    web = compose["services"]["web"]

    assert web["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert any(arg.startswith("--workers=") for arg in web["command"])
    assert web["environment"]["MIGRATE_ON_START"] == "1"
    assert web["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]
    assert "/healthz" in (ROOT / "scripts" / "healthcheck.py").read_text(encoding="utf-8")
    # Published on loopback only: the HTTPS reverse proxy is the way in.
    assert web["ports"][0].startswith("127.0.0.1:")
    for name in ("worker", "beat"):
        assert "MIGRATE_ON_START" not in compose["services"][name]["environment"], name
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert compose["services"]["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    tool = BIN / "check-jsonschema"
    if not tool.exists():
        pytest.fail(f"check-jsonschema is a dev dependency and should be at {tool}")
    return subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_file_validates_against_the_compose_specification():
    result = _check_jsonschema(COMPOSE)

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_validation_rejects_a_broken_file(tmp_path, compose):
    # given a compose file whose depends_on names a condition the spec does not know
    broken = json.loads(json.dumps(compose))
    broken["services"]["web"]["depends_on"]["postgres"]["condition"] = "service_ready"
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")

    # when it is validated
    result = _check_jsonschema(path)

    # then the validator refuses it (so the check above really checks)
    assert result.returncode != 0


def test_dockerfile_builds_a_non_root_image_with_collected_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^USER ducha$", dockerfile, flags=re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r"^EXPOSE 8000$", dockerfile, flags=re.MULTILINE)
    entrypoint = ROOT / "scripts" / "docker-entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)
    assert "migrate --noinput" in entrypoint.read_text(encoding="utf-8")
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


# --- config/env.py ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("TRACKER_TEST_FLAG", raw)

    assert env_bool("TRACKER_TEST_FLAG", not expected) is expected


def test_env_helpers_fall_back_to_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("TRACKER_TEST_VALUE", raising=False)

    assert env_bool("TRACKER_TEST_VALUE", True) is True
    assert env_int("TRACKER_TEST_VALUE", 7) == 7
    assert env_list("TRACKER_TEST_VALUE", ["a"]) == ["a"]
    assert env_date("TRACKER_TEST_VALUE") is None
    assert env_str("TRACKER_TEST_VALUE", "x") == "x"


def test_env_values_parse(monkeypatch):
    monkeypatch.setenv("TRACKER_TEST_INT", " 42 ")
    monkeypatch.setenv("TRACKER_TEST_LIST", "a.example, b.example,,")
    monkeypatch.setenv("TRACKER_TEST_DATE", "2020-02-15")

    assert env_int("TRACKER_TEST_INT", 0) == 42
    assert env_list("TRACKER_TEST_LIST", []) == ["a.example", "b.example"]
    assert env_date("TRACKER_TEST_DATE") == date(2020, 2, 15)


@pytest.mark.parametrize(
    ("reader", "raw"),
    [
        (lambda: env_bool("TRACKER_TEST_BAD", False), "maybe"),
        (lambda: env_int("TRACKER_TEST_BAD", 0), "ten"),
        (lambda: env_int("TRACKER_TEST_BAD", 0), "1.5"),
        (lambda: env_date("TRACKER_TEST_BAD"), "15/02/2020"),
        (lambda: env_date("TRACKER_TEST_BAD"), "2020-02-30"),
    ],
)
def test_env_helpers_fail_loudly_on_bad_values(monkeypatch, reader, raw):
    monkeypatch.setenv("TRACKER_TEST_BAD", raw)

    with pytest.raises(ImproperlyConfigured, match="TRACKER_TEST_BAD"):
        reader()


# --- settings ---------------------------------------------------------------------------------

_LOAD_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT)"
)


def _load_settings(script: str = _LOAD_SETTINGS, **env: str) -> subprocess.CompletedProcess:
    """Run `script` (by default: print three settings) in a fresh process with only `env`."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_clean_env(DJANGO_SETTINGS_MODULE="config.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_load_in_production_without_secret_key():
    result = _load_settings(DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_refuse_a_malformed_value():
    result = _load_settings(DEBUG="0", SECRET_KEY="x" * 60, EMAIL_PORT="twenty-five")

    assert result.returncode != 0
    assert "EMAIL_PORT must be an integer" in result.stderr


def test_settings_in_production_mode_are_strict():
    result = _load_settings(DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="ducha.example.gov.cn")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_each_replica_url_becomes_a_mirrored_alias_and_none_by_default():
    show = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASE_REPLICAS, "
        "{a: [s.DATABASES[a]['HOST'], s.DATABASES[a]['PORT'], s.DATABASES[a]['TEST']] "
        "for a in s.DATABASE_REPLICAS}, s.DATABASE_ROUTERS]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URLS"}
    env["DATABASE_URL"] = "postgres://u:p@primary:5432/ducha"
    run = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True)
    assert json.loads(run.stdout)[0] == [], run.stderr
    env["DATABASE_REPLICA_URLS"] = (
        "postgres://u:p@standby1:5432/ducha, postgres://u:p@standby2/ducha"
    )
    run = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True)
    aliases, dbs, routers = json.loads(run.stdout)
    assert aliases == ["replica_1", "replica_2"]
    assert dbs["replica_1"][:2] == ["standby1", 5432] and dbs["replica_2"][0] == "standby2"
    # the test run makes no database on a read-only standby
    assert dbs["replica_1"][2]["MIRROR"] == "default"
    assert routers == ["accounts.replicas.ReplicaRouter"]


def test_env_example_documents_every_variable_the_settings_read():
    read = _read_names()
    documented = _documented_names()

    assert len(read) > 20  # the scan found the settings' variables
    assert read - documented == set(), "add these to .env.example"


# --- /healthz ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_says_when_a_scheduled_job_is_overdue(client, settings):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rectification.jobs import runs

    # given: noon, and no scheduled run recorded (no worker ran today's 00:15 and 08:00 jobs)
    settings.TRACKER_NOW = datetime(2020, 2, 15, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    response = client.get("/healthz")
    # then: the site is up, the jobs are not
    assert (response.status_code, response.json()) == (200, {"status": "ok", "jobs": "overdue"})

    # when the catch-up has run them
    runs.catch_up()
    assert client.get("/healthz").json() == {"status": "ok", "jobs": "ok"}


def test_healthz_answers_503_when_the_database_is_down():
    # given settings whose database refuses connections (nothing listens on port 1)
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )

    # when the probe is asked
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_clean_env(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then it says the site is not healthy
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body)["status"] == "error"


# --- Makefile, CI script, make serve ----------------------------------------------------------


def _make_dry_run(target: str) -> str:
    if not shutil.which("make"):
        pytest.fail("make is needed: the README's commands are Makefile targets")
    result = subprocess.run(
        ["make", "-n", "-B", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_installs_migrates_loads_the_demo_and_serves_the_snapshot_day():
    commands = _make_dry_run("run")

    assert "pip install --quiet --disable-pip-version-check -e ." in commands
    assert "manage.py migrate --noinput" in commands
    assert "TRACKER_TODAY=2020-02-15 .venv/bin/python manage.py load_demo" in commands
    assert commands.index("migrate") < commands.index("load_demo")
    assert "TRACKER_TODAY=2020-02-15 bash scripts/serve.sh" in _make_dry_run("serve")


def _pip_installs(commands: str) -> list[str]:
    """The requirement each `pip install` line of a dry run installs (its last word)."""
    return [
        line.split()[-1].strip("\"'") for line in commands.splitlines() if "-m pip install" in line
    ]


def test_make_run_installs_only_what_serving_needs_and_make_test_the_dev_extra():
    # given the dev extra of pyproject.toml (test runners, browsers, linters)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev = {
        re.split(r"[=<>\[ ]", req)[0].lower()
        for req in pyproject["project"]["optional-dependencies"]["dev"]
    }
    assert {"pytest", "playwright", "ruff"} <= dev
    runtime = {
        re.split(r"[=<>\[ ]", req)[0].lower() for req in pyproject["project"]["dependencies"]
    }
    assert not dev & runtime  # nothing the site needs hides in the dev extra

    # when make run and make test are dry-run
    run, test = _make_dry_run("run"), _make_dry_run("test")

    # then make run installs the project alone, make test with the dev extra, each with its
    # own stamp (a serve-only venv is not taken for a test venv); with the OpenLDAP and SASL
    # headers on the machine, make test adds the optional `ldap` extra
    ldap_headers = (
        Path("/usr/include/ldap.h").exists() and Path("/usr/include/sasl/sasl.h").exists()
    )
    dev_installs = [".[dev]", ".[dev,ldap]"] if ldap_headers else [".[dev]"]
    assert _pip_installs(run) == ["."]
    assert "[dev]" not in run and "ldap" not in run
    assert _pip_installs(test) == dev_installs
    assert ".installed-serve" in run and ".installed-dev" in test
    for target in ("lint", "check"):
        assert _pip_installs(_make_dry_run(target)) == dev_installs


def test_readme_names_the_one_system_package_debian_needs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert "python3-venv" in readme
    assert "make run" in readme and "make test" in readme
    assert "python3-venv" in _make_dry_run("run")  # the hint when the venv cannot be made


def test_make_check_runs_the_deploy_checks_with_production_settings():
    commands = _make_dry_run("check")

    assert "makemigrations --check --dry-run" in commands
    assert "DEBUG=0" in commands
    assert "check --deploy --fail-level WARNING" in commands


def test_ci_script_is_valid_bash_and_runs_the_readme_test_command_twice():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0
    assert "set -euo pipefail" in script
    assert script.count("make --no-print-directory test") == 2
    assert "TRACKER_REQUIRE_SERVICES=1" in script


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) is not alive.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def test_make_serve_runs_site_and_worker_and_stops_both(tmp_path):
    # given the serve script on a free port, with its own state folder
    port = _free_port()
    out = tmp_path / "serve.out"
    env = _clean_env(VENV=str(BIN.parent), HOST="127.0.0.1", PORT=str(port), VAR_DIR=str(tmp_path))
    with out.open("w") as sink:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # when it has started
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        assert _wait_for(healthy, 60), out.read_text()

        # it serves the demo with the debug pages off: a 404 is the site's Chinese page, the
        # static files come through WhiteNoise, the generated key is kept private in VAR_DIR
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)
            pytest.fail("a missing page answered 200")
        except urllib.error.HTTPError as error:
            page = error.read().decode()
            assert error.code == 404
            assert "页面不存在（404）" in page and "URLconf" not in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5) as r:
            assert r.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5) as r:
            assert r.status == 200
        key = tmp_path / "secret_key"
        assert len(key.read_text().strip()) > 50
        assert key.stat().st_mode & 0o077 == 0
        assert "DEBUG=0" in out.read_text()
        worker = re.search(r"Celery worker with beat started \(pid (\d+)\)", out.read_text())
        assert worker, out.read_text()
        worker_pid = int(worker.group(1))
        log = tmp_path / "log" / "celery.log"
        assert _wait_for(lambda: log.exists() and "ready." in log.read_text(), 60), (
            log.read_text() if log.exists() else "no celery log"
        )

        # and is told to stop
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

        # then the site and the worker are both gone
        assert _wait_for(lambda: not _alive(worker_pid), 15)
        assert not healthy()
        assert "Celery worker stopped" in out.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
