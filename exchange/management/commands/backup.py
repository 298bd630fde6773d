"""`manage.py backup [--output DIR] [--keep N]`: a verified-on-restore backup of the site."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exchange.backup import BackupError, create_backup, prune


class Command(BaseCommand):
    # An operator's tool: it must run on an empty database, where checks that read it fail.
    requires_system_checks = []
    help = "备份数据库和附件（MEDIA_ROOT）到一个带清单（manifest.json，含 SHA-256）的目录"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="备份存放目录（默认 VAR_DIR/backups）",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="完成后只保留该目录中最新的 N 个备份，删除更早的",
        )

    def handle(self, *args, output, keep, **options):
        output = output or Path(settings.VAR_DIR) / "backups"
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1")
        try:
            path = create_backup(output, say=self.stdout.write)
            removed = prune(output, keep) if keep else []
        except BackupError as exc:
            raise CommandError(f"备份失败，未留下不完整的备份：{exc}") from exc
        for old in removed:
            self.stdout.write(f"已删除旧备份：{old}")
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
