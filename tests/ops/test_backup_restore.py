"""`manage.py backup`, `restore` and `verify_backup` (exchange/backup.py).

A small world with evidence uploaded through the services is backed up from the test database
(SQLite in the SQLite pass, PostgreSQL in the PostgreSQL pass), then restored by a separate
`manage.py restore` process into a fresh empty database (a new SQLite file, or a second
PostgreSQL database) and a fresh MEDIA_ROOT, and compared with the source: the row count of
every table and the hash of every evidence file.

The tests are transactional: pg_dump, a process of its own, sees only committed rows.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from exchange import backup as backup_module
from rectification import services
from rectification.models import Attachment
from rectification.services import EvidenceFile
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return table_counts(cursor, connection.introspection.table_names(cursor))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pg_tools():
    if connection.vendor == "postgresql":
        import shutil

        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                skip_or_fail(f"{tool} not installed")


@pytest.fixture
def evidence(world, media_root, png_file, pdf_file, pg_tools):
    """Three evidence files on two tasks, uploaded through the services."""
    services.task_add_evidence(
        task=world.task,
        actor=world.reporter,
        files=[
            EvidenceFile(png_file("before.png"), "BEFORE"),
            EvidenceFile(pdf_file("plan.pdf"), "MONITORING"),
        ],
    )
    services.task_add_evidence(
        task=world.other_task,
        actor=world.office,
        files=[EvidenceFile(png_file("after.png", (30, 200, 30)), "AFTER")],
    )
    attachments = list(Attachment.objects.order_by("id"))
    assert len(attachments) == 3
    return attachments


def make_backup(output: Path, *args: str) -> Path:
    out = StringIO()
    call_command("backup", "--output", str(output), *args, stdout=out)
    made = sorted(output.glob("ducha-backup-*"))[-1]
    assert f"备份完成：{made}" in out.getvalue()
    return made


@pytest.fixture
def empty_target(tmp_path):
    """The URL of a fresh empty database of the run's vendor (dropped after the test)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'db.sqlite3'}"
        return
    import psycopg2

    s = connection.settings_dict
    name = f"{s['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    params = {
        "host": s["HOST"] or "127.0.0.1",
        "port": s["PORT"] or 5432,
        "user": s["USER"],
        "password": s["PASSWORD"] or None,
        "dbname": "postgres",
    }
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{params['host']}:{params['port']}/{name}"
        )
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def target_cursor(url: str):
    """A DB-API connection to the restored database."""
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url[len("sqlite:///") :])
    import psycopg2

    return psycopg2.connect(url)


def run_restore(backup: Path, url: str, media: Path, tmp_path: Path, *extra: str):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(media),
        "VAR_DIR": str(tmp_path / "restored-var"),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup), "--yes", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_backup_restores_into_an_empty_database_with_every_row_and_evidence_file(
    evidence, tmp_path, empty_target
):
    # given a backup of a world with three evidence files
    made = make_backup(tmp_path / "backups")
    before = source_counts()
    # when a separate process restores it into an empty database and an empty MEDIA_ROOT
    restored_media = tmp_path / "restored-media"
    result = run_restore(made, empty_target, restored_media, tmp_path)
    # then it reports every check passed and exits 0
    assert result.returncode == 0, result.stderr
    assert "恢复完成并核对通过" in result.stdout
    assert f"附件：{len(evidence)} 个文件的 SHA-256 与清单一致" in result.stdout
    # and every table holds as many rows as the source
    with target_cursor(empty_target) as target:
        restored = table_counts(target.cursor(), before)
    assert restored == before
    assert before["rectification_attachment"] == 3
    # and every evidence file is there with the hash recorded at upload
    for attachment in evidence:
        copy = restored_media / attachment.file.name
        assert sha256(copy) == attachment.sha256 == sha256(Path(attachment.file.path))


def test_the_manifest_records_time_versions_counts_and_hashes(evidence, tmp_path):
    # when a backup is made while the business clock is pinned to 2020-02-15
    made = make_backup(tmp_path / "backups")
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    # then its own time is the real time, not the business date
    created = datetime.fromisoformat(manifest["created_at"])
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert made.name == f"ducha-backup-{created:%Y%m%dT%H%M%SZ}"
    # and it names the database, the version and the migrations of each app
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["app"]["version"]
    assert manifest["latest_migrations"]["rectification"] == max(
        manifest["migrations"]["rectification"]
    )
    # and the row counts are the source's
    assert manifest["row_counts"] == source_counts()
    # and every file, the database copy and each evidence file, with its SHA-256
    dump = manifest["database"]["file"]
    assert manifest["files"][dump]["sha256"] == sha256(made / dump)
    for attachment in evidence:
        entry = manifest["files"][f"media/{attachment.file.name}"]
        assert entry == {"sha256": attachment.sha256, "size": attachment.size}
    assert len(manifest["files"]) == 1 + len(evidence)
    assert manifest["missing_at_backup"] == []
    assert manifest["referenced_files"] == len(evidence)


def test_verify_backup_passes_on_an_intact_backup(evidence, tmp_path):
    made = make_backup(tmp_path / "backups")
    out = StringIO()

    call_command("verify_backup", str(made), stdout=out)

    assert f"备份文件：{1 + len(evidence)} 个，SHA-256 全部与清单一致" in out.getvalue()
    assert "备份校验通过" in out.getvalue()


def test_a_tampered_evidence_file_fails_verification_and_restore_naming_it(evidence, tmp_path):
    # given a backup whose copy of one evidence file was changed afterwards
    made = make_backup(tmp_path / "backups")
    tampered = f"media/{evidence[1].file.name}"
    with open(made / tampered, "ab") as handle:
        handle.write(b"tampered")
    out = StringIO()
    # when it is verified, then verification fails and names the file
    with pytest.raises(CommandError, match="备份校验未通过：1 处问题"):
        call_command("verify_backup", str(made), stdout=out)
    assert f"文件的 SHA-256 与清单不符（已损坏或被改动）：{tampered}" in out.getvalue()
    # and a restore refuses before touching anything, even with --force
    before = source_counts()
    with pytest.raises(CommandError, match="未做任何更改") as refused:
        call_command("restore", str(made), "--yes", "--force", stdout=StringIO())
    assert tampered in str(refused.value)
    assert source_counts() == before


def test_a_tampered_database_copy_fails_verification_naming_it(evidence, tmp_path):
    made = make_backup(tmp_path / "backups")
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    dump = made / manifest["database"]["file"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_backup", str(made), stdout=out)

    assert f"文件的 SHA-256 与清单不符（已损坏或被改动）：{dump.name}" in out.getvalue()


def test_a_file_added_to_a_backup_fails_verification(evidence, tmp_path):
    made = make_backup(tmp_path / "backups")
    (made / "media" / "extra.txt").write_text("not from the site")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_backup", str(made), stdout=out)

    assert "清单之外的文件：media/extra.txt" in out.getvalue()


def test_restore_refuses_a_database_that_is_not_empty(evidence, tmp_path):
    # given an intact backup, and the site's own database and media, which hold data
    made = make_backup(tmp_path / "backups")
    before = source_counts()
    media_before = {p: sha256(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    # when it is restored onto them without --force
    with pytest.raises(CommandError, match=r"目标不是空的.*--force.*未做任何更改"):
        call_command("restore", str(made), "--yes", stdout=StringIO())
    # then nothing changed
    assert source_counts() == before
    assert {p: sha256(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()} == (
        media_before
    )


def test_restore_without_yes_off_a_terminal_asks_for_it(evidence, tmp_path, monkeypatch):
    made = make_backup(tmp_path / "backups")
    monkeypatch.setattr("sys.stdin", StringIO(""))

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(made), stdout=StringIO())


def test_a_restore_whose_result_differs_from_the_manifest_exits_non_zero(
    evidence, tmp_path, empty_target
):
    # given a backup whose manifest expects one more task than the dump holds
    made = make_backup(tmp_path / "backups")
    path = made / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["row_counts"]["rectification_task"] += 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    # when it is restored into an empty database
    result = run_restore(made, empty_target, tmp_path / "restored-media", tmp_path)
    # then the verification reports the table and the restore exits non-zero
    assert result.returncode != 0
    assert "表 rectification_task 行数 2，清单为 3" in result.stdout
    assert "恢复后核对未通过：1 处与备份清单不符" in result.stderr


def test_a_failed_backup_leaves_nothing_that_looks_complete(evidence, tmp_path, monkeypatch):
    # given a disk that fills up while the evidence is copied
    real_copy = backup_module._copy_hashed
    copied = []

    def copy_then_fail(source, target):
        if copied:
            raise OSError(28, "No space left on device")
        copied.append(source)
        return real_copy(source, target)

    monkeypatch.setattr(backup_module, "_copy_hashed", copy_then_fail)
    output = tmp_path / "backups"
    # when a backup is made, then it fails with the reason
    with pytest.raises(CommandError, match=r"备份失败.*No space left on device"):
        call_command("backup", "--output", str(output), stdout=StringIO())
    # and the output folder holds no backup, complete or partial
    assert list(output.iterdir()) == []


def test_missing_pg_dump_is_named_with_the_package_to_install(evidence, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump is used on PostgreSQL only")
    # given a machine without the PostgreSQL client
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    output = tmp_path / "backups"
    # when a backup is made, then the message names pg_dump and its package
    with pytest.raises(CommandError, match=r"找不到 pg_dump.*postgresql-client"):
        call_command("backup", "--output", str(output), stdout=StringIO())
    assert list(output.iterdir()) == []


def test_keep_prunes_all_but_the_newest_backups(evidence, tmp_path):
    output = tmp_path / "backups"
    first = make_backup(output)
    second = make_backup(output)
    # a folder that is not a backup is never touched
    (output / "notes").mkdir()
    out = StringIO()

    call_command("backup", "--output", str(output), "--keep", "2", stdout=out)

    remaining = sorted(p.name for p in output.iterdir())
    assert first.name not in remaining
    assert second.name in remaining
    assert len([name for name in remaining if name.startswith("ducha-backup-")]) == 2
    assert "notes" in remaining
    assert f"已删除旧备份：{first}" in out.getvalue()


def test_keep_must_be_positive(evidence, tmp_path):
    with pytest.raises(CommandError, match="--keep 至少为 1"):
        call_command("backup", "--output", str(tmp_path), "--keep", "0", stdout=StringIO())
    assert list(tmp_path.glob("ducha-backup-*")) == []


def test_verify_backup_of_a_folder_without_manifest_says_it_is_incomplete(tmp_path):
    (tmp_path / "half").mkdir()

    with pytest.raises(CommandError, match=r"没有 manifest\.json：不是备份，或备份未完成"):
        call_command("verify_backup", str(tmp_path / "half"), stdout=StringIO())


def test_force_restores_over_a_restored_site_and_reports_files_it_kept(
    evidence, tmp_path, empty_target
):
    # given a site restored from a backup, with one more file in its MEDIA_ROOT since
    made = make_backup(tmp_path / "backups")
    restored_media = tmp_path / "restored-media"
    assert run_restore(made, empty_target, restored_media, tmp_path).returncode == 0
    (restored_media / "later.txt").write_text("uploaded after the restore")
    # when the backup is restored onto it again, first without --force
    refused = run_restore(made, empty_target, restored_media, tmp_path)
    assert refused.returncode != 0
    assert "目标不是空的" in refused.stderr
    # then with --force
    forced = run_restore(made, empty_target, restored_media, tmp_path, "--force")
    # then it restores, verifies, and reports the file it kept
    assert forced.returncode == 0, forced.stderr
    assert "恢复完成并核对通过" in forced.stdout
    assert "MEDIA_ROOT 中另有 1 个备份之外的文件（保留未动），如 later.txt" in forced.stdout
    assert (restored_media / "later.txt").read_text() == "uploaded after the restore"


def test_evidence_the_database_refers_to_but_media_lacks_is_warned_and_recorded(evidence, tmp_path):
    # given an evidence file lost from MEDIA_ROOT before the backup
    Path(evidence[0].file.path).unlink()
    out = StringIO()
    # when a backup is made, then it completes, with a warning naming the file
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    assert (
        f"警告：rectification.attachment 引用的文件 {evidence[0].file.name} 不在 MEDIA_ROOT 中"
        in (out.getvalue())
    )
    [made] = (tmp_path / "backups").glob("ducha-backup-*")
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["missing_at_backup"]) == 1


def test_a_backup_inside_media_root_is_refused(evidence, tmp_path):
    inside = Path(settings.MEDIA_ROOT) / "backups"

    with pytest.raises(CommandError, match="备份目录不能位于 MEDIA_ROOT"):
        call_command("backup", "--output", str(inside), stdout=StringIO())
    assert not inside.exists()


def test_an_unreachable_database_is_reported_and_leaves_nothing(tmp_path):
    import shutil

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed: the backup stops before connecting")
    # given a PostgreSQL server that is not running (nothing listens on port 9)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/ducha",
        "VAR_DIR": str(tmp_path / "var"),
    }
    output = tmp_path / "backups"
    # when a backup is made
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # then it exits non-zero with the reason, and leaves no folder behind
    assert result.returncode != 0
    assert "备份失败，未留下不完整的备份：读取或复制数据库失败" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(output.iterdir()) == []
