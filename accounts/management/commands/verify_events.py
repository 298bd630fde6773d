"""python manage.py verify_events [--seal]: check the event log's hash chain (accounts/chain.py).

Prints the counts and the chain's head on success; the first broken link (table, event id,
what differs) and exit status 1 otherwise. `--seal` first seals rows written around the
writers (a bulk loader, rows from before the chain existed), then checks.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from accounts import chain


class Command(BaseCommand):
    help = "校验操作记录的哈希链：通过时输出条数，否则输出第一个断点并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal",
            action="store_true",
            help="校验前先封存尚未封存的记录（批量导入的数据、启用封存链之前的记录）",
        )

    def handle(self, *args, seal=False, **options):
        started = time.monotonic()
        if seal:
            self.stdout.write(f"已封存 {chain.seal_all()} 条尚未封存的记录")
        report = chain.verify()
        took = time.monotonic() - started
        if not report.ok:
            self.stderr.write(f"{report.summary()}（表 {report.table}，编号 {report.event_id}）")
            raise CommandError(f"broken link: {report.kind} {report.table} #{report.event_id}")
        self.stdout.write(f"OK {report.summary()}（用时 {took:.1f} 秒）")
