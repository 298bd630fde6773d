"""`manage.py verify_backup BACKUP`: check a backup's files and database copy, restoring nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.backup import BackupError, verify_backup


class Command(BaseCommand):
    # An operator's tool: it must run on an empty database, where checks that read it fail.
    requires_system_checks = []
    help = "校验一个备份（文件 SHA-256、数据库导出文件），不做恢复"

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="备份目录")

    def handle(self, *args, backup, **options):
        try:
            report = verify_backup(backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines:
            self.stdout.write(line)
        if report.errors:
            raise CommandError(f"备份校验未通过：{len(report.errors)} 处问题")
        self.stdout.write(self.style.SUCCESS("备份校验通过"))
