"""Backups of the whole site and their restore, each checked against a manifest.

A backup is one folder, `ducha-backup-<UTC time>/`, holding

- the database: `database.dump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3`
  (a copy made with SQLite's online backup API, consistent while the site writes);
- `media/`: every file under MEDIA_ROOT (the evidence), at its path relative to MEDIA_ROOT;
- `manifest.json`: when and from what it was made, the migrations applied, the row count of
  every table, how many files the database refers to (and any it refers to that MEDIA_ROOT
  lacked), and the SHA-256 of every file above.

The row counts and the migrations are read in the very snapshot that was dumped (PostgreSQL:
one REPEATABLE READ transaction whose snapshot pg_dump imports with `--snapshot`; SQLite: read
from the copy), so a backup taken while people work still verifies exactly. The media are
copied after the database: a file uploaded meanwhile is an unreferenced extra, never a
reference without its file (evidence is stored before its row commits, and never deleted).

A backup is built under a hidden `.partial` name and renamed only once its manifest is
written: a folder named `ducha-backup-*` with a manifest is complete. Restoring checks every
hash before it touches anything, refuses a database or media folder that is not empty (unless
forced), and ends with a verification of the restored site against the manifest.

This is operations bookkeeping over every table, not a business list: the counts are of whole
tables, outside any user's scope, and only an operator's shell reaches them.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models

FORMAT = "ducha-backup"
FORMAT_VERSION = 1
PREFIX = "ducha-backup-"
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
PARTIAL_SUFFIX = ".partial"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup, a verification or a restore that cannot go on; the message says why."""


@dataclass
class Report:
    """What a verification found: lines to print, and the errors among them."""

    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        self.lines.append(line)

    def error(self, line: str) -> None:
        self.lines.append(f"错误：{line}")
        self.errors.append(line)


# --- files --------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy `source` to `target` (its folder made), returning the SHA-256 and size of the bytes
    written: what the manifest records is what was copied, even if the source changes after."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    shutil.copystat(source, target)
    return digest.hexdigest(), size


def _media_files(root: Path) -> Iterator[Path]:
    """Every regular file under `root`, in a stable order (symbolic links are not followed)."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


# --- what a database holds ------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor, tables: list[str]) -> dict[str, list[str]]:
    """The applied migrations, per app, sorted by name."""
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _file_columns() -> list[tuple[str, str, str, str | None]]:
    """(label, table, file column, sha256 column or None) of every model that stores files."""
    found = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        file_fields = [f for f in opts.concrete_fields if isinstance(f, models.FileField)]
        sha = next((f for f in opts.concrete_fields if f.name == "sha256"), None)
        for file_field in file_fields:
            found.append(
                (
                    f"{opts.app_label}.{opts.model_name}",
                    opts.db_table,
                    file_field.column,
                    sha.column if sha is not None and len(file_fields) == 1 else None,
                )
            )
    return found


def _file_references(cursor, tables: list[str]) -> list[dict]:
    """The files the database refers to: model, path under MEDIA_ROOT, recorded SHA-256."""
    references = []
    for label, table, column, sha_column in _file_columns():
        if table not in tables:
            continue
        sha_sql = _quote(sha_column) if sha_column else "NULL"
        cursor.execute(
            f"SELECT {_quote(column)}, {sha_sql} FROM {_quote(table)} "
            f"WHERE {_quote(column)} IS NOT NULL AND {_quote(column)} <> '' "
            f"ORDER BY {_quote(column)}"
        )
        for path, sha in cursor.fetchall():
            references.append({"model": label, "path": path, "sha256": sha or None})
    return references


def _database_facts(cursor, vendor: str) -> dict:
    tables = _tables(cursor, vendor)
    return {
        "row_counts": _row_counts(cursor, tables),
        "migrations": _migrations(cursor, tables),
        "references": _file_references(cursor, tables),
    }


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    """The connection for pg_dump / pg_restore, as libpq variables: the password travels in
    PGPASSWORD, never on a command line that `ps` shows."""
    s = connection.settings_dict
    env = {**os.environ}
    for key, value in (
        ("PGHOST", s.get("HOST")),
        ("PGPORT", s.get("PORT")),
        ("PGUSER", s.get("USER")),
        ("PGPASSWORD", s.get("PASSWORD")),
        ("PGDATABASE", s.get("NAME")),
        ("PGSSLMODE", (s.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install "
            f"postgresql-client，版本不低于数据库服务器）。({name} not found: install the "
            "PostgreSQL client tools.)"
        )
    return path


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what}无法运行：{exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what}失败（退出码 {result.returncode}）：{detail}")


@contextmanager
def _pg_snapshot() -> Iterator[tuple[object, str]]:
    """A cursor in a read-only REPEATABLE READ transaction of its own, and the id of its
    exported snapshot (which pg_dump imports, so the dump and the counts see the same rows)."""
    # (psycopg's errors become Django's DatabaseError, which the callers report)
    with connection.wrap_database_errors:
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            raw.autocommit = True
            cursor = raw.cursor()
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            yield cursor, snapshot
            cursor.execute("ROLLBACK")
        finally:
            raw.close()


def _dump_postgresql(target: Path) -> dict:
    pg_dump = _pg_tool("pg_dump")
    with _pg_snapshot() as (cursor, snapshot):
        command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
        _run(command, env=_pg_environment(), what="pg_dump 导出数据库")
        facts = _database_facts(cursor, "postgresql")
        cursor.execute("SHOW server_version")
        facts["server_version"] = cursor.fetchone()[0]
    return facts


def _restore_postgresql(dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    command = [
        pg_restore,
        "--no-owner",
        "--no-acl",
        "--clean",
        "--if-exists",
        # All or nothing: a failed restore leaves the database as it was.
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={connection.settings_dict['NAME']}",
        str(dump),
    ]
    connection.close()
    _run(command, env=_pg_environment(), what="pg_restore 恢复数据库")


# --- SQLite ---------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> dict:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy even while others write.
        connection.connection.backup(copy)
        # A standalone file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        cursor = copy.cursor()
        facts = _database_facts(cursor, "sqlite")
        facts["server_version"] = sqlite3.sqlite_version
    finally:
        copy.close()
    return facts


def _restore_sqlite(copy: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        # Into the configured database through its own connection: the whole file is
        # replaced page by page, and any other process sees it only when it is complete.
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


# --- making a backup ------------------------------------------------------------------------


def _git_commit() -> str | None:
    if shutil.which("git") is None or not (Path(settings.BASE_DIR) / ".git").exists():
        return None
    result = subprocess.run(
        ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def _app_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ducha-zhenggai")
    except PackageNotFoundError:
        return None


def _free_name(output: Path, stamp: str) -> str:
    name = f"{PREFIX}{stamp}"
    n = 1
    while (output / name).exists() or (output / f".{name}{PARTIAL_SUFFIX}").exists():
        n += 1
        name = f"{PREFIX}{stamp}-{n}"
    return name


def create_backup(output: Path, *, say: Callable[[str], None] = lambda line: None) -> Path:
    """Make a backup folder in `output` and return its path."""
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"不支持的数据库类型：{vendor}")
    media_root = Path(settings.MEDIA_ROOT).resolve()
    output = Path(output).resolve()
    if output == media_root or media_root in output.parents:
        raise BackupError(f"备份目录不能位于 MEDIA_ROOT（{media_root}）之内")
    # The backup's own time is the real time, not the business clock (accounts.clock): the
    # clock may be pinned (TRACKER_TODAY, TRACKER_NOW) or travel, and backups must be ordered,
    # named and pruned by when they were really taken.
    created = datetime.now(UTC).replace(microsecond=0)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法创建备份目录 {output}：{exc}") from exc
    name = _free_name(output, created.strftime("%Y%m%dT%H%M%SZ"))
    partial = output / f".{name}{PARTIAL_SUFFIX}"
    final = output / name
    try:
        partial.mkdir()
        dump = partial / DUMP_NAMES[vendor]
        say(f"导出数据库（{vendor}）……")
        facts = _dump_postgresql(dump) if vendor == "postgresql" else _dump_sqlite(dump)
        files = {dump.name: {"sha256": sha256_of(dump), "size": dump.stat().st_size}}
        say("复制附件（MEDIA_ROOT）……")
        for source in _media_files(media_root):
            relative = source.relative_to(media_root).as_posix()
            digest, size = _copy_hashed(source, partial / MEDIA_DIR / relative)
            files[f"{MEDIA_DIR}/{relative}"] = {"sha256": digest, "size": size}
        missing = _missing_references(facts["references"], files)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created.isoformat(),
            "app": {"version": _app_version(), "git_commit": _git_commit()},
            "database": {
                "vendor": vendor,
                "file": dump.name,
                "server_version": facts["server_version"],
            },
            "latest_migrations": {app: names[-1] for app, names in facts["migrations"].items()},
            "migrations": facts["migrations"],
            "row_counts": facts["row_counts"],
            "referenced_files": len(facts["references"]),
            "missing_at_backup": missing,
            "files": files,
        }
        with open(partial / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        partial.rename(final)
    except BackupError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"写入备份失败（磁盘已满或无写权限？）：{exc}") from exc
    except (DatabaseError, sqlite3.Error) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"读取或复制数据库失败：{exc}") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    for problem in missing:
        say(f"警告：{problem}")
    return final


def _missing_references(references: list[dict], files: dict[str, dict]) -> list[str]:
    """The database's files that the media copy lacks or holds with another hash (already so
    on the site when the backup was made: recorded, not fatal, and excused at restore)."""
    problems = []
    for ref in references:
        entry = files.get(f"{MEDIA_DIR}/{ref['path']}")
        if entry is None:
            problems.append(f"{ref['model']} 引用的文件 {ref['path']} 不在 MEDIA_ROOT 中")
        elif ref["sha256"] and entry["sha256"] != ref["sha256"]:
            problems.append(f"{ref['model']} 引用的文件 {ref['path']} 与数据库记录的 SHA-256 不符")
    return problems


def backups_in(output: Path) -> list[Path]:
    """The complete backups in `output`, oldest first (their names sort by time)."""
    if not output.is_dir():
        return []
    return sorted(
        path
        for path in output.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and (path / MANIFEST).is_file()
    )


def prune(output: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest complete backups in `output`; return those deleted."""
    if keep < 1:
        raise BackupError("--keep 至少为 1")
    old = backups_in(output)[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


# --- verifying ------------------------------------------------------------------------------


def read_manifest(backup: Path) -> dict:
    path = Path(backup) / MANIFEST
    if not Path(backup).is_dir():
        raise BackupError(f"备份不存在或不是目录：{backup}")
    if not path.is_file():
        raise BackupError(f"{backup} 中没有 {MANIFEST}：不是备份，或备份未完成")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{MANIFEST} 无法读取：{exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{MANIFEST} 不是本系统的备份清单（format {FORMAT} v{FORMAT_VERSION}）")
    return manifest


def _compare_hashes(
    root: Path, expected: dict[str, dict], report: Report, *, missing: str, changed: str
) -> int:
    """Report each of `expected` (relative path → entry with its sha256) that is missing under
    `root` or differs; return how many."""
    bad = 0
    for relative, entry in sorted(expected.items()):
        path = root / relative
        if not path.is_file():
            report.error(f"{missing}：{relative}")
            bad += 1
        elif sha256_of(path) != entry["sha256"]:
            report.error(f"{changed}：{relative}")
            bad += 1
    return bad


def check_files(backup: Path, manifest: dict, report: Report) -> None:
    """Every file the manifest lists is there with its hash, and nothing else is."""
    backup = Path(backup)
    listed = manifest["files"]
    bad = _compare_hashes(
        backup,
        listed,
        report,
        missing="文件缺失",
        changed="文件的 SHA-256 与清单不符（已损坏或被改动）",
    )
    for path in _media_files(backup):
        relative = path.relative_to(backup).as_posix()
        if relative != MANIFEST and relative not in listed:
            report.error(f"清单之外的文件：{relative}")
            bad += 1
    if not bad:
        report.ok(f"备份文件：{len(listed)} 个，SHA-256 全部与清单一致")


def verify_backup(backup: Path) -> Report:
    """Check a backup without restoring it."""
    manifest = read_manifest(backup)
    report = Report()
    report.ok(f"备份：{backup}（{manifest['created_at']}，{manifest['database']['vendor']}）")
    check_files(backup, manifest, report)
    if report.errors:
        return report
    dump = Path(backup) / manifest["database"]["file"]
    if manifest["database"]["vendor"] == "sqlite":
        _check_sqlite_copy(dump, manifest, report)
    else:
        _check_pg_archive(dump, manifest, report)
    return report


def _check_sqlite_copy(dump: Path, manifest: dict, report: Report) -> None:
    copy = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        cursor = copy.cursor()
        cursor.execute("PRAGMA integrity_check")
        result = cursor.fetchone()[0]
        if result != "ok":
            report.error(f"数据库副本完整性检查未通过：{result}")
            return
        facts = _database_facts(cursor, "sqlite")
    except sqlite3.DatabaseError as exc:
        report.error(f"数据库副本无法读取：{exc}")
        return
    finally:
        copy.close()
    compare_database(facts, manifest, report)


def _check_pg_archive(dump: Path, manifest: dict, report: Report) -> None:
    pg_restore = _pg_tool("pg_restore")
    result = subprocess.run(
        [pg_restore, "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        report.error(f"pg_restore 无法读取数据库导出文件：{result.stderr.strip()}")
        return
    # A table's data entry reads "3456; 0 16390 TABLE DATA public accounts_user owner".
    with_data = set()
    for line in result.stdout.splitlines():
        parts = line.split()
        if parts[3:5] == ["TABLE", "DATA"] and len(parts) > 6:
            with_data.add(parts[6])
    lacking = sorted(set(manifest["row_counts"]) - with_data)
    if lacking:
        report.error(f"导出文件缺少这些表的数据：{'、'.join(lacking)}")
    else:
        report.ok(f"数据库导出文件可读，含全部 {len(with_data)} 张表的数据")


def compare_database(facts: dict, manifest: dict, report: Report) -> None:
    """Row counts per table and applied migrations against the manifest."""
    expected, found = manifest["row_counts"], facts["row_counts"]
    wrong = 0
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            report.error(f"表 {table} 不存在（清单 {expected[table]} 行）")
        elif table not in expected:
            report.error(f"表 {table} 不在清单中（{found[table]} 行）")
        elif found[table] != expected[table]:
            report.error(f"表 {table} 行数 {found[table]}，清单为 {expected[table]}")
        else:
            continue
        wrong += 1
    if not wrong:
        total = sum(found.values())
        report.ok(f"数据库：{len(found)} 张表的行数与清单一致（共 {total} 行）")
    if facts["migrations"] != manifest["migrations"]:
        report.error("已应用的迁移与清单不符")
    else:
        applied = sum(len(names) for names in facts["migrations"].values())
        report.ok(f"迁移：{applied} 个，与清单一致")


# --- restoring ------------------------------------------------------------------------------


def unknown_migrations(manifest: dict) -> list[str]:
    """The backup's migrations this code does not have (a backup from a newer version)."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(manifest["migrations"].items())
        for name in names
        if (app, name) not in known
    ]


def target_contents() -> tuple[list[str], list[Path]]:
    """The tables of the configured database and the files under MEDIA_ROOT."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and "memory" not in name:
        # A new SQLite database is a new file, in a folder that may not exist yet.
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    try:
        with connection.cursor() as cursor:
            tables = _tables(cursor, connection.vendor)
    except DatabaseError as exc:
        raise BackupError(f"无法连接要恢复到的数据库 {name}：{exc}") from exc
    return tables, list(_media_files(Path(settings.MEDIA_ROOT)))


def restore_backup(backup: Path, *, force: bool = False) -> Report:
    """Restore `backup` into the configured database and MEDIA_ROOT, then verify them."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    vendor = manifest["database"]["vendor"]
    report = Report()
    check_files(backup, manifest, report)
    if report.errors:
        raise BackupError("备份校验未通过，未做任何更改：\n" + "\n".join(report.errors))
    if vendor != connection.vendor:
        raise BackupError(
            f"备份来自 {vendor} 数据库，当前配置的是 {connection.vendor}：未做任何更改"
        )
    unknown = unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            "备份含本程序没有的迁移（备份来自更新的版本，请用生成它的版本恢复："
            f"{manifest['app'].get('git_commit') or '未知'}）：{'、'.join(unknown[:5])}"
        )
    tables, media = target_contents()
    if (tables or media) and not force:
        raise BackupError(
            f"目标不是空的（数据库 {len(tables)} 张表，MEDIA_ROOT {len(media)} 个文件）："
            "只恢复到空数据库和空的 MEDIA_ROOT；确需覆盖请加 --force。未做任何更改。"
        )
    try:
        dump = backup / manifest["database"]["file"]
        if vendor == "postgresql":
            _restore_postgresql(dump)
        else:
            _restore_sqlite(dump)
        report.ok(f"数据库已恢复：{connection.settings_dict['NAME']}")
        media_root = Path(settings.MEDIA_ROOT)
        prefix = f"{MEDIA_DIR}/"
        copied = 0
        for relative in sorted(manifest["files"]):
            if relative.startswith(prefix):
                target = media_root / relative[len(prefix) :]
                temporary = target.with_name(f".{target.name}{PARTIAL_SUFFIX}")
                _copy_hashed(backup / relative, temporary)
                temporary.replace(target)
                copied += 1
        report.ok(f"附件已恢复：{copied} 个文件到 {media_root}")
    except OSError as exc:
        raise BackupError(f"恢复写入失败（磁盘已满或无写权限？）：{exc}") from exc
    except (DatabaseError, sqlite3.Error) as exc:
        raise BackupError(f"写入数据库失败：{exc}") from exc
    verify_restored(manifest, report)
    return report


def verify_restored(manifest: dict, report: Report) -> None:
    """The configured database and MEDIA_ROOT against the manifest."""
    with connection.cursor() as cursor:
        facts = _database_facts(cursor, connection.vendor)
    compare_database(facts, manifest, report)
    media_root = Path(settings.MEDIA_ROOT)
    prefix = f"{MEDIA_DIR}/"
    media = {k[len(prefix) :]: v for k, v in manifest["files"].items() if k.startswith(prefix)}
    bad = _compare_hashes(
        media_root, media, report, missing="附件缺失", changed="附件的 SHA-256 与清单不符"
    )
    if not bad:
        report.ok(f"附件：{len(media)} 个文件的 SHA-256 与清单一致")
    extra = [
        path.relative_to(media_root).as_posix()
        for path in _media_files(media_root)
        if path.relative_to(media_root).as_posix() not in media
    ]
    if extra:
        # Only after --force onto a MEDIA_ROOT that held files: kept, not an error.
        report.ok(f"MEDIA_ROOT 中另有 {len(extra)} 个备份之外的文件（保留未动），如 {extra[0]}")
    excused = set(manifest.get("missing_at_backup", []))
    files = {f"{prefix}{k}": v for k, v in media.items()}
    problems = [p for p in _missing_references(facts["references"], files) if p not in excused]
    for problem in problems:
        report.error(problem)
    if not problems:
        line = f"数据库引用的文件：{len(facts['references'])} 个，均在且与记录的 SHA-256 一致"
        if excused:
            line += f"（另有 {len(excused)} 个备份时即已缺失或不符，见清单 missing_at_backup）"
        report.ok(line)
