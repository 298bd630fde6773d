"""Run the queued background plan imports now, in this process (no broker needed):

python manage.py run_imports

The beat's `imports` entry does the same every few seconds on the Celery worker; this is for
a deployment that runs no worker, or an operator who does not want to wait.
"""

from dataclasses import asdict

from django.core.management.base import BaseCommand

from exchange.plan_import import jobs


class Command(BaseCommand):
    help = "Run the queued background plan imports (整改方案后台导入) now."

    def handle(self, *args, **options):
        result = asdict(jobs.run_queued())
        summary = ", ".join(f"{k}={v}" for k, v in result.items())
        self.stdout.write(f"后台导入（imports）：{summary}")
