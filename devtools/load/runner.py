"""The load test (issue 16): gunicorn serving the product and gunicorn serving the raw app
(devtools/load/rawapp.py), the same users driven against each by Locust, step by step.

For each step (a number of simulated users) Locust runs headless for `duration` seconds
against the product, then against the raw app, with the same plan (devtools/load/plan.py)
and the same user mix (devtools/load/locustfile.py). Both servers get the same workers and
threads, the command's own DATABASE_URL/REDIS_URL and the production settings (DEBUG off),
over plain http on 127.0.0.1 as scripts/serve.sh runs them (TLS is the reverse proxy's).
Locust, gunicorn and the database share this machine's cores: the numbers are this
machine's, and the raw app's are the limit on it.

Bounded: steps × 2 × duration seconds of load, plus starting the servers and building the
plan. The servers are stopped whatever happens (also on Ctrl-C).
"""

import csv
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from devtools.load import plan as load_plan

ROOT = Path(settings.BASE_DIR)
LOCUSTFILE = ROOT / "devtools" / "load" / "locustfile.py"
TARGETS = ("product", "raw")
# The targets: the product's mix throughput ≥ 50 % of the raw app's, its mix p95 ≤
# 3× the raw app's, no errors; saturation: the first step whose mix p95 is ≥ 2× the first's.
MIN_THROUGHPUT = 0.5
MAX_P95 = 3.0
SATURATION = 2.0
# An office user accepts at most once every ~9 requests, at one request a second at most.
ACCEPT_EVERY = 9
OFFICE_SHARE = 0.25
ACCEPT_CAP = 400
DEFAULT_STEPS = (5, 10, 20, 40)


def web_concurrency() -> int:
    """Gunicorn's workers as docker-compose.yml starts them ($WEB_CONCURRENCY, default 3)."""
    return int(os.environ.get("WEB_CONCURRENCY") or 3)


@dataclass
class Options:
    steps: list[int]
    duration: int = 30
    spawn_rate: float | None = None
    workers: int = 3
    threads: int = 1


@dataclass
class Endpoint:
    name: str
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0

    def as_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Run:
    target: str
    users: int
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    mix: Endpoint = field(default_factory=lambda: Endpoint("mix"))
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "target": self.target,
            "users": self.users,
            "mix": self.mix.as_json(),
            "endpoints": {k: e.as_json() for k, e in self.endpoints.items()},
            "errors": self.errors,
        }


def accepts_needed(options: Options) -> int:
    """Close-out applications one target may accept over all steps (an upper bound)."""
    offered = sum(options.steps) * OFFICE_SHARE * options.duration / ACCEPT_EVERY
    return min(ACCEPT_CAP, math.ceil(offered) + 5)


def bound_seconds(options: Options) -> int:
    return len(options.steps) * len(TARGETS) * options.duration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(plan_path: Path) -> dict[str, str]:
    """The command's own environment (DATABASE_URL, REDIS_URL, VAR_DIR, ...) with production
    request handling, over plain http as scripts/serve.sh serves it."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            # The sessions of the plan are signed with this process's key.
            "SECRET_KEY": settings.SECRET_KEY,
            "LOAD_PLAN": str(plan_path),
        }
    )
    for name, value in {
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "WHITENOISE_USE_FINDERS": "1",
    }.items():
        env.setdefault(name, value)
    if settings.TRACKER_TODAY and "TRACKER_TODAY" not in env:
        env["TRACKER_TODAY"] = settings.TRACKER_TODAY.isoformat()
    return env


class Server:
    """A gunicorn in a process group of its own, stopped with its workers."""

    def __init__(self, app: str, port: int, options: Options, env: dict, log_path: Path):
        self.port = port
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                f"--bind=127.0.0.1:{port}",
                f"--workers={options.workers}",
                f"--threads={options.threads}",
                "--timeout=120",
                "--graceful-timeout=5",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log_path = log_path

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn not listening on {self.port} after {timeout:.0f}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.log.close()


def run_locust(
    target: str, port: int, users: int, options: Options, plan_path: Path, prefix: Path
) -> Run:
    spawn = options.spawn_rate or max(1.0, users / 2)
    env = {**os.environ, "LOAD_PLAN": str(plan_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--only-summary",
            "--skip-log-setup",
            f"--host=http://127.0.0.1:{port}",
            f"--users={users}",
            f"--spawn-rate={spawn:g}",
            f"--run-time={options.duration}s",
            "--stop-timeout=10",
            f"--csv={prefix}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=options.duration + 120,
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics: {result.stderr[-3000:]}")
    run = Run(target, users)
    with open(stats, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            endpoint = Endpoint(
                row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                rps=float(row["Requests/s"]),
                p50=_ms(row["50%"]),
                p95=_ms(row["95%"]),
                p99=_ms(row["99%"]),
            )
            if row["Name"] == "Aggregated":
                endpoint.name = "mix"
                run.mix = endpoint
            else:
                run.endpoints[endpoint.name] = endpoint
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="", encoding="utf-8") as f:
            run.errors = [
                f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(f)
            ]
    return run


def _ms(text: str) -> float:
    return float(text) if text not in ("", "N/A") else 0.0


def warm_up(port: int, plan: dict, concurrency: int) -> None:
    """Each read page a few times per worker before measuring (a fresh worker loads its
    templates and opens its database connection on its first requests); not counted."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    cookie = plan["session_cookie"]
    query = "&".join([f"county={plan['county']['id']}", *(f"status={s}" for s in plan["statuses"])])
    reporter = plan["reporter"][0]
    gets = [
        ("/tasks/", {"Cookie": f"{cookie}={reporter['cookie']}"}),
        (f"/tasks/{reporter['tasks'][0]}/", {"Cookie": f"{cookie}={reporter['cookie']}"}),
        (f"/tasks/?{query}", {"Cookie": f"{cookie}={plan['office'][0]['cookie']}"}),
        ("/review/", {"Cookie": f"{cookie}={plan['office'][0]['cookie']}"}),
        ("/dashboard/", {"Cookie": f"{cookie}={plan['leader'][0]['cookie']}"}),
        (f"/api/v1/tasks/?{query}", {"Authorization": f"Token {plan['api'][0]['token']}"}),
    ]

    def get(item):
        path, headers = item
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
        except OSError:
            pass  # a failing page shows in the measured run

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(get, gets * 2 * concurrency))


def _write_plan(plan: dict, target: str, path: Path) -> None:
    """The plan for one run: the target's applications still awaiting 验收."""
    from rectification.choices import CloseoutStatus
    from rectification.models import CloseoutApplication

    pool = plan["accept"][target]
    waiting = set(
        CloseoutApplication.objects.filter(
            pk__in=pool, status=CloseoutStatus.SELF_CHECKED
        ).values_list("pk", flat=True)
    )
    run_plan = {**plan, "accept": [pk for pk in pool if pk in waiting]}
    path.write_text(json.dumps(run_plan, ensure_ascii=False), encoding="utf-8")


def run(options: Options, log=print) -> dict:
    """Build the plan, serve, load each step against each target; the results as a dict."""
    started = time.monotonic()
    log(
        f"load test on {connection.vendor}: steps {options.steps} users, {options.duration}s "
        f"each against the product and the raw app, {options.workers} workers × "
        f"{options.threads} threads: {bound_seconds(options)}s of load plus setup"
    )
    accepts = accepts_needed(options)
    plan = load_plan.build_plan(accepts=accepts, log=log)
    # The plan's sessions must be visible to the servers' connections.
    connection.close()
    work = Path(tempfile.mkdtemp(prefix="loadtest-"))
    plans = {target: work / f"plan-{target}.json" for target in TARGETS}
    for target in TARGETS:
        _write_plan(plan, target, plans[target])
    runs: list[Run] = []
    servers: dict[str, Server] = {}
    try:
        for target, app in (
            ("product", "config.wsgi:application"),
            ("raw", "devtools.load.rawapp:application"),
        ):
            servers[target] = Server(
                app, free_port(), options, server_env(plans[target]), work / f"{target}.log"
            )
        for server in servers.values():
            server.wait_ready()
        for server in servers.values():
            warm_up(server.port, plan, options.workers * options.threads)
        log(f"servers: product on :{servers['product'].port}, raw on :{servers['raw'].port}")
        for users in options.steps:
            for target in TARGETS:
                _write_plan(plan, target, plans[target])
                connection.close()
                result = run_locust(
                    target,
                    servers[target].port,
                    users,
                    options,
                    plans[target],
                    work / f"{target}-{users}",
                )
                runs.append(result)
                log(
                    f"  {users:>4} users {target:>7}: {result.mix.rps:8.1f} req/s, p95 "
                    f"{result.mix.p95:7.0f} ms, {result.mix.failures} errors"
                )
    finally:
        for server in servers.values():
            server.stop()
        # The plans hold live session keys and API tokens; the servers' logs stay.
        for path in plans.values():
            path.unlink(missing_ok=True)
    report = judge(runs, options)
    report.update(
        {
            "database": connection.vendor,
            "province": plan["province"],
            "workers": options.workers,
            "threads": options.threads,
            "duration": options.duration,
            "steps": options.steps,
            "accept_pool": {t: len(plan["accept"][t]) for t in TARGETS},
            "ports": {t: s.port for t, s in servers.items()},
            "server_logs": str(work),
            "seconds": round(time.monotonic() - started, 1),
            "runs": [r.as_json() for r in runs],
        }
    )
    return report


def judge(runs: list[Run], options: Options) -> dict:
    """Per step: product against raw on the mix; the targets at every step; saturation."""
    steps = []
    by = {(r.target, r.users): r for r in runs}
    first_p95 = None
    saturation = None
    for users in options.steps:
        product, raw = by.get(("product", users)), by.get(("raw", users))
        if product is None or raw is None:
            continue
        throughput = product.mix.rps / raw.mix.rps if raw.mix.rps else None
        p95 = product.mix.p95 / raw.mix.p95 if raw.mix.p95 else None
        met = (
            throughput is not None
            and throughput >= MIN_THROUGHPUT
            and p95 is not None
            and p95 <= MAX_P95
            and product.mix.failures == 0
        )
        if first_p95 is None:
            first_p95 = product.mix.p95
        elif saturation is None and first_p95 and product.mix.p95 >= SATURATION * first_p95:
            saturation = users
        steps.append(
            {
                "users": users,
                "throughput_ratio": round(throughput, 3) if throughput is not None else None,
                "p95_ratio": round(p95, 3) if p95 is not None else None,
                "product_errors": product.mix.failures,
                "raw_errors": raw.mix.failures,
                "met": met,
            }
        )
    return {
        "targets": {"throughput_ratio_min": MIN_THROUGHPUT, "p95_ratio_max": MAX_P95},
        "steps_judged": steps,
        "met": bool(steps) and all(s["met"] for s in steps),
        "saturation_users": saturation,
    }


def table(report: dict) -> str:
    """Per step: each endpoint and the mix, product against raw (Markdown)."""
    lines = []
    runs = {(r["target"], r["users"]): r for r in report["runs"]}
    for step in report["steps_judged"]:
        users = step["users"]
        product, raw = runs[("product", users)], runs[("raw", users)]
        lines += [
            "",
            f"### {users} users",
            "",
            "| endpoint | requests | product req/s | raw req/s | req/s ratio | product p50 / p95 "
            "/ p99 ms | raw p95 ms | p95 ratio | errors (product / raw) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        names = sorted(set(product["endpoints"]) | set(raw["endpoints"]))
        for name in [*names, "mix"]:
            p = product["mix"] if name == "mix" else product["endpoints"].get(name)
            r = raw["mix"] if name == "mix" else raw["endpoints"].get(name)
            p = p or Endpoint(name).as_json()
            r = r or Endpoint(name).as_json()
            ratio = f"{p['rps'] / r['rps']:.2f}" if r["rps"] else "—"
            p95 = f"{p['p95'] / r['p95']:.1f}×" if r["p95"] else "—"
            label = "**mix**" if name == "mix" else name
            lines.append(
                f"| {label} | {p['requests']} | {p['rps']:.1f} | {r['rps']:.1f} | {ratio} | "
                f"{p['p50']:.0f} / {p['p95']:.0f} / {p['p99']:.0f} | {r['p95']:.0f} | {p95} | "
                f"{p['failures']} / {r['failures']} |"
            )
        verdict = "met" if step["met"] else "**not met**"
        lines.append(
            f"\nthroughput {step['throughput_ratio']} of raw (≥ {MIN_THROUGHPUT}), p95 "
            f"{step['p95_ratio']}× raw (≤ {MAX_P95}), {step['product_errors']} errors: {verdict}"
        )
    saturation = report["saturation_users"]
    lines.append(
        "\nsaturation (mix p95 ≥ 2× the first step's): "
        + (f"{saturation} users" if saturation else "not reached in these steps")
    )
    return "\n".join(lines)
