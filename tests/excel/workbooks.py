"""Generators of test workbooks: the real layouts (docs/domain.md §2) and hostile files.

Everything is built in memory with openpyxl or zipfile, so the corpus lives in the tests.
"""

import zipfile
from io import BytesIO

from openpyxl import Workbook

RECOMMENDED = [
    "序号",
    "问题编号",
    "督察轮次",
    "问题来源",
    "方面",
    "类别",
    "具体问题",
    "点位名称",
    "所在区县",
    "受纳水体",
    "经度",
    "纬度",
    "问题描述",
    "整改目标",
    "整改措施",
    "责任领导",
    "牵头单位",
    "配合单位",
    "责任单位（属地）",
    "责任人",
    "联系电话",
    "整改时限",
    "整改进展",
    "序时状态",
    "整改状态",
    "预警",
    "是否销号",
    "销号时间",
    "备注",
]
VARIANT1 = ["反馈问题（整改任务）", "整改时限", "整改目标", "责任单位", "联系电话", "整改措施"]
VARIANT2 = [
    "项目",
    "问题描述",
    "整改任务具体要求",
    "目前进展情况及存在问题",
    "行政区划",
    "所属城市",
    "责任人",
    "责任人电话",
    "牵头人",
    "牵头单位",
    "责任单位",
    "责任部门",
    "配合单位",
    "涉及人员",
    "涉及部门",
    "整改时限",
    "状态",
    "所属轮数",
    "预警时间",
]
VARIANT3 = [
    "行政区",
    "问题点位编号",
    "所在功能区",
    "经度",
    "纬度",
    "所在位置描述",
    "占地面积",
    "问题描述",
    "问题类型",
    "建设单位",
    "建设时间",
    "是否处罚",
    "处罚方式",
    "罚款（万元）",
    "整改时限",
    "整改措施",
    "拆除建筑面积（平方米）",
    "整改进展",
    "是否销号",
    "联系方式",
    "备注",
    "台账来源",
]


def workbook_bytes(
    header: list[str],
    rows: list[list],
    *,
    titles: list[str] = (),
    merges: list[str] = (),
    sheet_title: str = "Sheet1",
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for title in titles:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def recommended_row(**values) -> list:
    keys = {
        "seq": "序号",
        "problem_code": "问题编号",
        "round": "督察轮次",
        "aspect": "方面",
        "category": "类别",
        "problem": "具体问题",
        "point": "点位名称",
        "county": "所在区县",
        "lng": "经度",
        "lat": "纬度",
        "goal": "整改目标",
        "measures": "整改措施",
        "leader": "责任领导",
        "lead": "牵头单位",
        "coop": "配合单位",
        "territorial": "责任单位（属地）",
        "deadline": "整改时限",
        "status": "整改状态",
        "description": "问题描述",
    }
    row = [None] * len(RECOMMENDED)
    for key, value in values.items():
        row[RECOMMENDED.index(keys[key])] = value
    return row


def recommended_workbook(rows: list[dict], **kwargs) -> bytes:
    return workbook_bytes(RECOMMENDED, [recommended_row(**r) for r in rows], **kwargs)


def good_rows() -> list[dict]:
    """A small plan: 1方面 2类 2项 3 tasks, with the world's units."""
    return [
        dict(
            aspect="一、突出生态环境问题依然存在",
            category="1.水环境",
            problem_code="5",
            problem="污水处理设施及配套管网建设滞后",
            point="城北片区雨污分流管网",
            county="东城区",
            lead="东城区政府",
            coop="市住建局",
            deadline="2020年12月底前",
            measures="新建管网8.6公里",
        ),
        dict(
            aspect="一、突出生态环境问题依然存在",
            category="1.水环境",
            problem_code="5",
            problem="污水处理设施及配套管网建设滞后",
            point="西城区老旧管网改造",
            county="西城区",
            lead="西城区政府",
            coop="市住建局",
            deadline="2020年6月",
            measures="改造管网",
        ),
        dict(
            aspect="一、突出生态环境问题依然存在",
            category="2.大气环境",
            problem_code="7",
            problem="建筑施工扬尘管控不力",
            point="示范大道工地",
            county="西城区",
            lead="市住建局",
            coop="西城区政府",
            deadline="立行立改，长期坚持",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Hostile and broken files


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    members = xlsx_members(data)
    members[name] = content
    return zip_bytes(members)


def zip_bomb() -> bytes:
    """A valid workbook whose sheet XML inflates by 50 MB of padding (ratio ~1000:1) (a few hundred KB zipped)."""
    base = xlsx_members(recommended_workbook(good_rows()))
    sheet = base["xl/worksheets/sheet1.xml"]
    padding = b"<!--" + b"A" * (50 * 1024 * 1024) + b"-->"
    base["xl/worksheets/sheet1.xml"] = sheet.replace(b"<sheetData>", padding + b"<sheetData>", 1)
    return zip_bytes(base)


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    doctype = f"<!DOCTYPE lolz [{entities}]>".encode()
    base = xlsx_members(recommended_workbook(good_rows()))
    sheet = base["xl/worksheets/sheet1.xml"]
    base["xl/worksheets/sheet1.xml"] = doctype + sheet.replace(b"<t>", b"<t>&lol9;", 1)
    return zip_bytes(base)


def late_entity() -> bytes:
    """An entity declaration pushed past the first 4 KB by a long comment: caught by
    defusedxml inside openpyxl rather than by the pre-scan."""
    base = xlsx_members(recommended_workbook(good_rows()))
    sheet = base["xl/worksheets/sheet1.xml"]
    doctype = b"<!--" + b"x" * 6000 + b'--><!DOCTYPE worksheet [<!ENTITY e "boom">]>'
    base["xl/worksheets/sheet1.xml"] = doctype + sheet.replace(b"<t>", b"<t>&e;", 1)
    return zip_bytes(base)


def xlsm_workbook() -> bytes:
    base = xlsx_members(recommended_workbook(good_rows()))
    base["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0fake-vba-project"
    base["[Content_Types].xml"] = base["[Content_Types].xml"].replace(
        b"sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    return zip_bytes(base)


def encrypted_workbook() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE compound file holding the
    EncryptionInfo and EncryptedPackage streams (header and directory names are enough)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    directory += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 50
    return header + directory + b"\x00" * 2048


def old_xls() -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + "Workbook".encode("utf-16-le") + b"\x00" * 2048


def big_rows_workbook(n: int, *, dimension: str | None = None) -> bytes:
    """n data rows under the recommended header, the sheet XML written directly (openpyxl
    would take seconds for 100k rows). `dimension` overrides the used range it declares."""
    members = xlsx_members(recommended_workbook([]))
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(RECOMMENDED[:20])
    )
    rows = [f'<row r="1">{cells}</row>']
    for r in range(2, n + 2):
        rows.append(
            f'<row r="{r}"><c r="G{r}" t="inlineStr"><is><t>问题{r}</t></is></c>'
            f'<c r="Q{r}" t="inlineStr"><is><t>东城区政府</t></is></c></row>'
        )
    ref = dimension or f"A1:AC{n + 1}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{ref}"/><sheetData>{"".join(rows)}</sheetData></worksheet>'
    )
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    return zip_bytes(members)


def formula_workbook() -> bytes:
    rows = good_rows()
    rows[0]["point"] = '=HYPERLINK("http://evil.example","点我")'
    return recommended_workbook(rows)
