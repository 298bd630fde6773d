"""Refuse hostile or unusable files before openpyxl parses them.

Checks run on the raw bytes and the zip directory only, so they are fast and bounded:
size, format sniffing (old .xls / encrypted OLE, renamed CSV/HTML/text), zip integrity,
zip bombs (total uncompressed size and compression ratio), macros, XML entity declarations,
and the row count (from the sheet's <dimension>, then by streaming in read-only mode).
Every refusal raises ImportRefused with a specific Chinese message.
"""

import re
import zipfile
from io import BytesIO

from django.conf import settings

from exchange.plan_import.errors import ImportRefused

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DATA_ROWS = 20_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_MEMBERS = 500

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def check_file(data: bytes, filename: str) -> None:
    """Raise ImportRefused unless `data` looks like a plain, safe .xlsx workbook."""
    name = (filename or "").lower()
    max_bytes = limit("IMPORT_MAX_BYTES", MAX_FILE_BYTES)
    if not data:
        raise ImportRefused("文件为空，请选择填写好的 Excel 文件（.xlsx）")
    if len(data) > max_bytes:
        raise ImportRefused(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），单个文件不能超过 "
            f"{max_bytes // 1024 // 1024} MB，请拆分后分批导入"
        )
    if name.endswith(".xlsm") or name.endswith(".xltm"):
        raise ImportRefused("不接受含宏的工作簿（.xlsm），请另存为不含宏的 .xlsx 文件后再导入")
    if data.startswith(OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTED_MARKERS):
            raise ImportRefused("文件已加密（设置了打开密码），请取消密码保护后另存为 .xlsx 再导入")
        raise ImportRefused(
            "这是旧版 Excel 文件（.xls），请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
        )
    if not data.startswith(ZIP_MAGIC):
        raise ImportRefused(_not_xlsx_message(data, name))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRefused("文件已损坏，无法作为 Excel 工作簿读取，请重新保存后再导入") from None
    with archive:
        _check_members(archive, members)


def _not_xlsx_message(data: bytes, name: str) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")) or (
        b"<html" in head or b"<table" in head
    ):
        return "这是网页（HTML）文件而非 Excel 工作簿（常见于系统“导出 Excel”实为网页），请用 Excel 打开后另存为 .xlsx 再导入"
    if name.endswith(".csv") or _looks_like_text(data):
        return "这是文本/CSV 文件而非 Excel 工作簿，请用 Excel 打开后另存为 .xlsx 再导入"
    if name.endswith(".xls"):
        return "这是旧版 Excel 文件（.xls），请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
    return "文件不是有效的 Excel 工作簿（.xlsx），请检查文件格式"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False


_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_members(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise ImportRefused("文件结构异常（压缩包内文件过多），已拒绝导入")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused(
            "文件不是 Excel 工作簿（可能是其他 Office 文档或普通压缩包），请检查文件"
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ImportRefused("工作簿含宏（VBA），为安全起见不予导入，请另存为不含宏的 .xlsx 文件")
    if any(m.flag_bits & 0x1 for m in members):
        raise ImportRefused("文件已加密，请取消密码保护后另存为 .xlsx 再导入")
    max_total = limit("IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > max_total or (member.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO):
            raise ImportRefused("文件解压后体积异常（疑似“压缩炸弹”），已拒绝导入")
    content_types = _read_head(archive, "[Content_Types].xml", 65536)
    if b"macroEnabled" in content_types:
        raise ImportRefused("工作簿含宏（.xlsm），为安全起见不予导入，请另存为不含宏的 .xlsx 文件")
    for member in members:
        # Entity declarations come before the root element, so the head is enough.
        if member.filename.endswith((".xml", ".rels", ".vml")) and _DECLARATIONS.search(
            _read_head(archive, member.filename, 4096)
        ):
            raise ImportRefused("文件含有不安全的 XML 实体声明（疑似“XML 炸弹”），已拒绝导入")


def _read_head(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    try:
        with archive.open(name) as handle:
            return handle.read(size)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise ImportRefused("文件已损坏，无法作为 Excel 工作簿读取，请重新保存后再导入") from None
    except RuntimeError:
        raise ImportRefused("文件已加密，请取消密码保护后另存为 .xlsx 再导入") from None


_DIMENSION = re.compile(rb'<dimension[^>]*ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def check_row_count(data: bytes) -> None:
    """Refuse workbooks with more data rows than allowed, without loading them.

    The <dimension> element at the top of each sheet gives the used range; files written by
    tools that omit or understate it are counted by streaming in read-only mode, stopping as
    soon as the limit is passed.
    """
    import openpyxl

    max_rows = limit("IMPORT_MAX_ROWS", MAX_DATA_ROWS)
    # Title and header rows above the data: allow a few extra rows.
    ceiling = max_rows + 20
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                m = _DIMENSION.search(_read_head(archive, name, 8192))
                if m and int(m[1]) > ceiling:
                    raise ImportRefused(_too_many_rows(int(m[1]), max_rows))
    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise unreadable(exc) from None
    try:
        for sheet in workbook.worksheets:
            # The declared dimension may lie (or be missing): iterate to the real end.
            sheet.reset_dimensions()
            count = 0
            for row in sheet.iter_rows(values_only=True):
                if any(v is not None and v != "" for v in row):
                    count += 1
                    if count > ceiling:
                        raise ImportRefused(_too_many_rows(None, max_rows))
    except ImportRefused:
        raise
    except Exception as exc:
        raise unreadable(exc) from None
    finally:
        workbook.close()


def _too_many_rows(found: int | None, max_rows: int) -> str:
    found_text = f"（约 {found} 行）" if found else ""
    return f"数据行过多{found_text}，单次最多导入 {max_rows} 行，请拆分后分批导入"


def unreadable(exc: Exception) -> ImportRefused:
    """Turn an exception from openpyxl/defusedxml into a message."""
    seen = exc
    while seen is not None:
        # openpyxl wraps the parser's error in a ValueError; look down the chain.
        if type(seen).__name__ in (
            "EntitiesForbidden",
            "DTDForbidden",
            "ExternalReferenceForbidden",
        ):
            return ImportRefused("文件含有不安全的 XML 实体声明（疑似“XML 炸弹”），已拒绝导入")
        seen = seen.__cause__ or seen.__context__
    return ImportRefused(
        "文件内容已损坏或格式不受支持，无法读取，请用 Excel 打开后重新保存为 .xlsx"
    )
