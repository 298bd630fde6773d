"""python manage.py loadtest [--users 20] [--steps 5,10,20,40] [--duration 30]
[--spawn-rate N] [--workers $WEB_CONCURRENCY] [--threads 1] [--json FILE]

The load test of issue 16 (devtools/load/runner.py): the biggest generated province served by
gunicorn, product and raw app (the throughput limit on this machine) in the same run, Locust
headless at each step; prints per endpoint and for the mix the requests/s, p50/p95/p99 and
errors of both, judges the targets and finds the saturation point. Bounded: steps × 2 ×
duration seconds of load plus setup (printed first).
"""

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from devtools.load import plan as load_plan
from devtools.load import runner


def _steps(text: str) -> list[int]:
    try:
        steps = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--steps: whole numbers separated by commas, not {text!r}") from exc
    if not steps or min(steps) < 1:
        raise CommandError("--steps: at least one step of at least 1 user")
    return steps


class Command(BaseCommand):
    help = "Load test: Locust against gunicorn serving the product and the raw app."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, help="one step of this many users")
        parser.add_argument("--steps", default="5,10,20,40", help="users per step, comma-separated")
        parser.add_argument("--duration", type=int, default=30, help="seconds per run")
        parser.add_argument("--spawn-rate", type=float, help="users started per second")
        parser.add_argument(
            "--workers",
            type=int,
            default=runner.web_concurrency(),
            help="gunicorn workers (default $WEB_CONCURRENCY or 3, as docker-compose.yml)",
        )
        parser.add_argument("--threads", type=int, default=1, help="gunicorn threads")
        parser.add_argument("--json", dest="json_path", help="write the results here")

    def handle(self, *args, **options):
        steps = [options["users"]] if options["users"] else _steps(options["steps"])
        if options["duration"] < 1 or options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--duration, --workers and --threads must be at least 1")
        run(
            runner.Options(
                steps=steps,
                duration=options["duration"],
                spawn_rate=options["spawn_rate"],
                workers=options["workers"],
                threads=options["threads"],
            ),
            json_path=options["json_path"],
            stdout=self.stdout,
        )


def run(options: runner.Options, *, json_path: str | None, stdout) -> dict:
    """Run, print the table, write the JSON (also `benchmark --only load`)."""
    try:
        report = runner.run(options, log=stdout.write)
    except load_plan.PlanError as exc:
        raise CommandError(str(exc)) from exc
    report["generated_at"] = datetime.now().isoformat(timespec="seconds")
    stdout.write(runner.table(report))
    for item in report["runs"]:
        for error in item["errors"]:
            stdout.write(f"  error ({item['target']}, {item['users']} users): {error}")
    if json_path:
        with open(json_path, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=2)
        stdout.write(f"wrote {json_path}")
    return report
