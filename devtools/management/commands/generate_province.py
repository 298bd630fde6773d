from django.core.management.base import BaseCommand, CommandError

from devtools.bench.province import generate_province


class Command(BaseCommand):
    help = "Build a synthetic province (regions, ~2,000 units, rounds, problems, N tasks, reports)."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=10_000)
        parser.add_argument("--reports-per-task", type=int, default=5)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--cities", type=int, default=20)
        parser.add_argument("--counties-per-city", type=int, default=10)

    def handle(self, *args, **options):
        if options["tasks"] < 1:
            raise CommandError("--tasks must be at least 1")
        stats = generate_province(
            tasks=options["tasks"],
            reports_per_task=options["reports_per_task"],
            seed=options["seed"],
            cities=options["cities"],
            counties_per_city=options["counties_per_city"],
            log=self.stdout.write,
        )
        rate = stats.total_rows / stats.seconds if stats.seconds else 0
        for name, count in stats.rows.items():
            self.stdout.write(f"  {name:12} {count:>12,}")
        self.stdout.write(f"  {'sealed':12} {stats.sealed:>12,}  (events chained: verify_events)")
        self.stdout.write(
            self.style.SUCCESS(
                f"{stats.total_rows:,} rows in {stats.seconds:.1f}s ({rate:,.0f} rows/s)"
            )
        )
