"""The import as pages and API call it: stage the upload, preview it, commit it.

The uploaded bytes are kept under MEDIA_ROOT/imports/<sha256>.xlsx between preview and
commit; the commit re-reads and re-validates that file, so nothing from the preview needs
to be trusted or kept in the session.

Every plan is compared with what its rounds already hold (`diff.compare`, by content, not
by bytes): a plan that overlaps them is never committed as new; the office updates the
existing plan from the diff (mode "update") or cancels.
"""

import hashlib
import re
from pathlib import Path

from django.conf import settings

from accounts.models import User
from exchange.plan_import import safety
from exchange.plan_import.committer import commit_plan
from exchange.plan_import.diff import OverlapsExisting, apply_update, compare
from exchange.plan_import.errors import AlreadyImported, ImportRefused
from exchange.plan_import.options import ImportOptions
from exchange.plan_import.reader import read_workbook
from exchange.plan_import.validator import Plan, Target, build_plan
from inspections.models import ImportBatch

_SHA = re.compile(r"^[0-9a-f]{64}$")


def staging_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def staged_path(sha256: str) -> Path:
    if not _SHA.match(sha256 or ""):
        raise ImportRefused("导入批次标识无效，请重新上传文件")
    return staging_dir() / f"{sha256}.xlsx"


def read_upload(upload) -> tuple[bytes, str]:
    """The bytes of an uploaded file, refusing oversize uploads without reading them all."""
    if upload is None:
        raise ImportRefused("请选择要导入的 Excel 文件（.xlsx）")
    max_bytes = safety.limit("IMPORT_MAX_BYTES", safety.MAX_FILE_BYTES)
    if upload.size is not None and upload.size > max_bytes:
        raise ImportRefused(
            f"文件过大（{upload.size / 1024 / 1024:.1f} MB），单个文件不能超过 "
            f"{max_bytes // 1024 // 1024} MB，请拆分后分批导入"
        )
    data = upload.read(max_bytes + 1)
    return data, upload.name or ""


def preview_upload(
    data: bytes,
    filename: str,
    *,
    actor: User,
    target: Target,
    options: ImportOptions | None = None,
) -> tuple[str, Plan]:
    """Check, parse and validate; keep the file for the commit. Returns (sha256, plan).

    A file that passes the safety checks is kept even when its rows have errors, so the
    office can fix unit names from the error list (preview_staged) without uploading again;
    the refusal then carries `sha256`."""
    sha256 = hashlib.sha256(data).hexdigest()
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    safety.check_file(data, filename)
    safety.check_row_count(data)
    path = staged_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    plan = _staged_plan(sha256, data, filename, actor=actor, target=target, options=options)
    # The commit decides from this count whether it runs in the background (jobs.is_big).
    path.with_suffix(".rows").write_text(str(plan.rows))
    return sha256, plan


def staged_rows(sha256: str) -> int | None:
    """The data rows the preview of a staged file counted (None: not known)."""
    try:
        return int(staged_path(sha256).with_suffix(".rows").read_text())
    except (OSError, ValueError):
        return None


def read_staged(sha256: str) -> bytes:
    path = staged_path(sha256)
    if not path.exists():
        raise ImportRefused("预览已失效（未找到上传的文件），请重新上传")
    return path.read_bytes()


def discard_staged(sha256: str) -> None:
    path = staged_path(sha256)
    path.unlink(missing_ok=True)
    path.with_suffix(".rows").unlink(missing_ok=True)


def preview_staged(
    sha256: str, filename: str, *, actor: User, target: Target, options: ImportOptions
) -> Plan:
    """Preview a kept file again with other choices (group modes, unit names mapped)."""
    path = staged_path(sha256)
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    if not path.exists():
        raise ImportRefused("预览已失效（未找到上传的文件），请重新上传")
    data = path.read_bytes()
    return _staged_plan(
        sha256, data, filename, actor=actor, target=target, options=options, check=True
    )


def commit_staged(
    sha256: str,
    filename: str,
    *,
    actor: User,
    target: Target,
    options: ImportOptions | None = None,
    update: bool = False,
    diff_token: str = "",
):
    """Commit the staged file: as a new plan, or (`update`) as a revision of the plan the
    round already holds, applying the diff the preview showed (`diff_token`, when given,
    must still match). The plan must be the one the preview showed (`options.fingerprint`)."""
    path = staged_path(sha256)
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    data = read_staged(sha256)
    plan = _plan(data, filename, actor=actor, target=target, options=options)
    check_fingerprint(plan, options)
    if update:
        batch = apply_update(
            plan, actor=actor, sha256=sha256, file_name=filename or path.name, token=diff_token
        )
    elif plan.diff is not None and plan.diff.overlaps:
        raise OverlapsExisting(plan.diff)
    else:
        batch = commit_plan(plan, actor=actor, sha256=sha256, file_name=filename or path.name)
    discard_staged(sha256)
    return batch, plan


def check_fingerprint(plan: Plan, options: ImportOptions | None) -> None:
    """The plan must be the one the preview showed (same tasks, units and regions)."""
    if options is not None and options.fingerprint and options.fingerprint != plan.fingerprint():
        raise ImportRefused(
            "单位表或导入选项在预览后发生了变化，导入结果将与预览不同。请重新预览后再确认导入。"
        )


def validate_staged(
    sha256: str, filename: str, *, actor: User, target: Target, options: ImportOptions | None
) -> Plan:
    """The plan of a staged file, validated again against today's database (units, codes,
    scope) as the background job commits it. The file-safety checks are not repeated: the
    staged bytes are the ones the preview checked (stored under their own sha256, verified
    here), and those checks stream the whole workbook once more (a third of the time)."""
    data = read_staged(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ImportRefused("暂存的文件已损坏，请重新上传")
    plan = _build(read_workbook(data), actor=actor, target=target, options=options)
    check_fingerprint(plan, options)
    if plan.diff is not None and plan.diff.overlaps:
        raise OverlapsExisting(plan.diff)
    return plan


def _staged_plan(sha256, data, filename, *, actor, target, options, check=False) -> Plan:
    try:
        if check:
            return _plan(data, filename, actor=actor, target=target, options=options)
        return _build(read_workbook(data), actor=actor, target=target, options=options)
    except ImportRefused as exc:
        exc.sha256 = sha256
        raise


def _plan(
    data: bytes, filename: str, *, actor: User, target: Target, options: ImportOptions | None
) -> Plan:
    safety.check_file(data, filename)
    safety.check_row_count(data)
    sheet = read_workbook(data)
    return _build(sheet, actor=actor, target=target, options=options)


def _build(sheet, *, actor: User, target: Target, options: ImportOptions | None) -> Plan:
    """The plan, and what the rounds already hold of it (the re-import diff)."""
    plan = build_plan(sheet, actor=actor, target=target, options=options)
    plan.diff = compare(plan, actor=actor)
    return plan


def wants_update(data) -> bool:
    """Whether a commit asks to update the plan already imported (mode "update")."""
    return str(data.get("mode") or "").strip() == "update"


def target_from_data(data, *, actor: User) -> Target:
    """The import target from form/API fields: mode = existing (round), new (code, name,
    kind, level, region) or file (rounds named in the file's 督察轮次 column)."""
    from accounts.models import Region
    from accounts.scope import sees_region
    from inspections.choices import RoundKind, RoundLevel
    from inspections.models import InspectionRound

    mode = (data.get("mode") or "existing").strip()
    if mode == "update":
        # Updating the plan a round holds: that round, or the rounds the file names.
        mode = "existing" if str(data.get("round") or "").strip() else "file"
    if mode == "existing":
        round_id = str(data.get("round") or "").strip()
        found = (
            InspectionRound.objects.visible_to(actor)
            .select_related("region")
            .filter(pk=round_id)
            .first()
            if round_id.isdigit()
            else None
        )
        if found is None:
            raise ImportRefused("请选择要导入的督察轮次（所选轮次不存在或不在您的权限范围内）")
        return Target("existing", round=found)
    if mode == "new":
        spec = {
            k: str(data.get(k) or "").strip() for k in ("code", "name", "kind", "level", "region")
        }
        missing = [label for k, label in (("code", "代码"), ("name", "名称")) if not spec[k]]
        if missing:
            raise ImportRefused(f"新建督察轮次请填写{'、'.join(missing)}")
        if spec["kind"] not in RoundKind.values or spec["level"] not in RoundLevel.values:
            raise ImportRefused("新建督察轮次请选择督察类型和层级")
        region = (
            Region.objects.filter(pk=spec["region"]).first() if spec["region"].isdigit() else None
        )
        if region is None or not sees_region(actor, region.pk):
            raise ImportRefused("新建督察轮次请选择您管辖范围内的被督察地区")
        if InspectionRound.objects.filter(code=spec["code"]).exists():
            raise ImportRefused(f"督察轮次代码“{spec['code']}”已存在，请换一个代码或选择已有轮次")
        if len(spec["code"]) > 32 or len(spec["name"]) > 200:
            raise ImportRefused("督察轮次代码不超过32字、名称不超过200字")
        spec["region"] = region
        return Target("new", new_round=spec)
    if mode == "file":
        return Target("file")
    raise ImportRefused("导入方式无效")
