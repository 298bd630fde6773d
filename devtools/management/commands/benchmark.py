"""python manage.py benchmark [--tasks N] [--json FILE] [--repeat K] [--skip-generate]

Runs the issue-6 scenarios through the product's real code path and, in the same run, the
raw-SQL limit for the same answer; prints a table of medians, p95s, query counts and the
ratio product/limit against each target, and writes everything as JSON.

`--only load` (issue 16) runs the load test (`manage.py loadtest` with its defaults) on the
province. `--only import_20k` (issue 12) needs no province: it generates a plan of --import-rows rows
(default 20,000) in a city of its own, previews it and commits it through the background
job, and reports the seconds of each phase against the 30 s target.
"""

import json
import platform
import time
from datetime import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devtools.bench import scenarios as bench


class Command(BaseCommand):
    help = "Benchmark the product against the raw-SQL limit on a generated province."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=5, help="timed runs per scenario")
        parser.add_argument("--json", dest="json_path", help="write the results here")
        parser.add_argument(
            "--skip-generate",
            action="store_true",
            help="use the biggest generated province there is, whatever its size",
        )
        parser.add_argument(
            "--only", action="append", default=[], help="run only these scenario keys"
        )
        parser.add_argument(
            "--phases",
            action="store_true",
            help="also split each request's time by phase (middleware, SQL, template, …)",
        )
        # Passed to generate_province (small provinces make a quick test run).
        parser.add_argument("--cities", type=int, default=20)
        parser.add_argument("--counties-per-city", type=int, default=10)
        parser.add_argument("--reports-per-task", type=int, default=5)
        parser.add_argument(
            "--import-rows", type=int, default=20_000, help="rows of the import_20k plan"
        )

    def handle(self, *args, **options):
        if "import_20k" in options["only"]:
            self._import(options)
            options["only"] = [k for k in options["only"] if k != "import_20k"]
            if not options["only"]:
                return
        wanted = options["tasks"]
        if wanted < 1 or options["repeat"] < 1:
            raise CommandError("--tasks and --repeat must be at least 1")
        provinces = bench.benchmark_provinces()
        biggest = max(provinces, key=lambda p: p[1], default=None)
        if options["skip_generate"]:
            if biggest is None:
                raise CommandError("no generated province: run without --skip-generate")
        elif biggest is None or biggest[1] < wanted:
            self.stdout.write(f"generating a province of {wanted:,} tasks…")
            call_command(
                "generate_province",
                tasks=wanted,
                cities=options["cities"],
                counties_per_city=options["counties_per_city"],
                reports_per_task=options["reports_per_task"],
                stdout=self.stdout,
            )
            provinces = bench.benchmark_provinces()
            biggest = max(provinces, key=lambda p: p[1])
        region, tasks = biggest
        province = bench.load_province(region, tasks)
        self.stdout.write(
            f"province {region.name} ({region.code}): {tasks:,} tasks on {connection.vendor}, "
            f"business date {province.on}, {options['repeat']} runs"
        )
        if "load" in options["only"]:
            self._load(options)
            options["only"] = [k for k in options["only"] if k != "load"]
            if not options["only"]:
                return
        results: dict[str, bench.Result] = {}
        started = time.perf_counter()
        with bench.bench_settings():
            for scenario in bench.build(province):
                if options["only"] and scenario.key not in options["only"]:
                    continue
                t0 = time.perf_counter()
                result = bench.run_scenario(
                    scenario, options["repeat"], log=self.stdout.write, phases=options["phases"]
                )
                results[scenario.key] = result
                self.stdout.write(
                    f"  {scenario.key}: product {result.product_median:.2f} ms, raw "
                    f"{result.raw_median:.2f} ms, {result.queries} queries, same answer "
                    f"{result.same_answer} ({time.perf_counter() - t0:.1f}s)"
                )
        bench.judge(results)
        self.stdout.write(table(results.values()))
        if options["phases"]:
            self.stdout.write(phase_table(results.values()))
        if options["json_path"]:
            payload = {
                "generated_at": datetime.now().isoformat(timespec="seconds"),
                "database": connection.vendor,
                "database_version": _db_version(),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "province": {"code": region.code, "name": region.name, "tasks": tasks},
                "business_date": province.on.isoformat(),
                "repeat": options["repeat"],
                "seconds": round(time.perf_counter() - started, 1),
                "scenarios": [r.as_json() for r in results.values()],
            }
            with open(options["json_path"], "w", encoding="utf-8") as out:
                json.dump(payload, out, ensure_ascii=False, indent=2)
            self.stdout.write(f"wrote {options['json_path']}")
        wrong = [k for k, r in results.items() if not r.same_answer]
        if wrong:
            raise CommandError(f"product and raw answers differ: {', '.join(wrong)}")

    def _load(self, options) -> None:
        """The load scenario (issue 16): `manage.py loadtest` with its defaults."""
        from devtools.load import runner
        from devtools.management.commands import loadtest

        defaults = runner.Options(
            steps=list(runner.DEFAULT_STEPS), workers=runner.web_concurrency()
        )
        json_path = options["json_path"]
        if json_path and options["only"] != ["load"]:
            json_path = json_path.removesuffix(".json") + ".load.json"
        loadtest.run(defaults, json_path=json_path, stdout=self.stdout)

    def _import(self, options) -> None:
        from devtools.bench import imports

        self.stdout.write(
            f"import_20k: a plan of {options['import_rows']:,} rows on {connection.vendor}"
        )
        times = imports.run(options["import_rows"], log=self.stdout.write)
        if options["json_path"]:
            payload = {
                "generated_at": datetime.now().isoformat(timespec="seconds"),
                "database": connection.vendor,
                "database_version": _db_version(),
                "scenarios": [times.as_json()],
            }
            with open(options["json_path"], "w", encoding="utf-8") as out:
                json.dump(payload, out, ensure_ascii=False, indent=2)


def _db_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"


def table(results) -> str:
    """The results as a Markdown table."""
    lines = [
        "| scenario | product median ms | p95 ms | queries | raw median ms | product/raw "
        "| target | measured | met | peak RSS MB (growth) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for r in results:
        target = "—"
        if r.target is not None:
            target = f"≤ {r.target:g}× " + ("raw" if not r.basis else f"`{r.basis}`")
            if r.memory_limit_mb is not None:
                target += f", ≤ {r.memory_limit_mb:g} MB"
        measured = f"{r.target_ratio:.2f}×" if r.target_ratio is not None else "—"
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        memory = ""
        if r.product_peak_mb is not None:
            memory = f"{r.product_peak_mb:g} (+{r.product_rss_mb:g})"
        if r.traced_peak_mb is not None:
            memory += f", traced heap {r.traced_peak_mb:g}"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        lines.append(
            f"| {r.key} | {_ms(r.product_median)} | {_ms(bench._p95(r.product_ms))} | "
            f"{r.queries} | {_ms(r.raw_median)} | {ratio} | {target} | {measured} | {met} | "
            f"{memory} |"
        )
    return "\n".join(lines)


PHASES = [
    ("total", "request"),
    ("middleware", "middleware"),
    ("sql", "SQL"),
    ("session_auth", "of which session/user"),
    ("template", "template"),
    ("serialise", "serialise"),
    ("view_python", "view Python"),
]


def phase_table(results) -> str:
    """Median milliseconds of each phase of each request scenario (devtools/bench/phases.py)."""
    rows = [r for r in results if r.phases]
    if not rows:
        return ""
    lines = [
        "| scenario | " + " | ".join(label for _, label in PHASES) + " |",
        "|---|" + "---:|" * len(PHASES),
    ]
    for r in rows:
        cells = " | ".join(f"{r.phases[key]:.1f}" for key, _ in PHASES)
        lines.append(f"| {r.key} | {cells} |")
    return "\n".join(lines)
