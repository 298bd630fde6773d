"""`manage.py restore BACKUP [--yes] [--force]`: restore a backup into the configured database
and MEDIA_ROOT, then verify both against its manifest."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from exchange.backup import BackupError, restore_backup


class Command(BaseCommand):
    # An operator's tool: it must run on an empty database, where checks that read it fail.
    requires_system_checks = []
    help = "把备份恢复到当前配置的数据库和 MEDIA_ROOT（须为空），并按清单逐项核对"

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="备份目录")
        parser.add_argument("--yes", action="store_true", help="不再询问确认")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库或 MEDIA_ROOT 不为空时仍然恢复（覆盖备份中有的表和文件）",
        )

    def handle(self, *args, backup, yes, force, **options):
        target = f"数据库 {connection.settings_dict['NAME']}，附件目录 {settings.MEDIA_ROOT}"
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("请加 --yes 确认恢复（非交互运行）")
            answer = input(f"将把 {backup} 恢复到{target}。输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何更改")
        try:
            report = restore_backup(backup, force=force)
        except BackupError as exc:
            raise CommandError(f"恢复失败：{exc}") from exc
        for line in report.lines:
            self.stdout.write(line)
        if report.errors:
            raise CommandError(f"恢复后核对未通过：{len(report.errors)} 处与备份清单不符")
        self.stdout.write(self.style.SUCCESS(f"恢复完成并核对通过：{target}"))
