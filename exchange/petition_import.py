"""Batch import of the 交办 list of petitions as the inspection team sends it (边督边改).

One row per petition: 受理编号, 交办批次 (第N批), 来电/来信, 重点件, 行政区域, 污染类型 (several,
separated by 、 or ，), 信访内容, 被投诉对象; optionally 受理日期, 地址 and the petitioner's 姓名 /
联系方式 (kept for the office only). Headers are found by name in the first 20 rows.

The same rules as the plan import: the hostile-file checks of exchange.plan_import.safety run
on the raw bytes first; every row is validated before anything is saved (errors name the row,
the column and the reason); the commit re-reads the staged file and saves all rows or none,
each through inspections.petition_services.petition_receive (which links a 重复件 to the first
petition about the same object in the same region); the same file cannot be imported twice.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.db import transaction

from accounts import clock
from accounts.errors import ServiceError
from accounts.models import Region, User
from accounts.scope import is_office, scope_of
from exchange.plan_import import safety
from exchange.plan_import.errors import AlreadyImported, ImportRefused, RowError
from exchange.plan_import.pipeline import staged_path
from inspections import petition_services
from inspections import services as inspection_services
from inspections.choices import PetitionChannel, PollutionType
from inspections.models import ImportBatch, InspectionRound, Petition

# Column key → the header texts it is known by (compared without spaces).
HEADERS: dict[str, tuple[str, ...]] = {
    "accept_no": ("受理编号", "信访编号", "编号"),
    "batch": ("交办批次", "批次"),
    "channel": ("来电/来信", "来电来信", "信访方式", "来源方式", "举报方式"),
    "is_key": ("重点件", "重点交办件", "是否重点件", "是否重点交办件"),
    "region": ("行政区域", "行政区划", "所在区县", "区县"),
    "pollution": ("污染类型",),
    "content": ("信访内容", "反映内容", "举报内容", "交办问题基本情况"),
    "object": ("被投诉对象", "被举报对象", "投诉对象"),
    "received_at": ("受理日期", "受理时间"),
    "address": ("地址", "问题地址"),
    "petitioner_name": ("信访人", "信访人姓名", "举报人"),
    "petitioner_phone": ("联系方式", "联系电话", "信访人联系方式"),
}
REQUIRED = ("accept_no", "batch", "channel", "region", "content")
LABELS = {key: names[0] for key, names in HEADERS.items()}

CHANNELS = {"来电": PetitionChannel.PHONE, "电话": PetitionChannel.PHONE}
CHANNELS |= {"来信": PetitionChannel.LETTER, "信件": PetitionChannel.LETTER}
CHANNELS |= {"来访": PetitionChannel.VISIT, "其他": PetitionChannel.OTHER}
POLLUTION = {str(label): code for code, label in PollutionType.choices}
# Local words for the standard types (DOMAIN §1.3: 油烟/扬尘 are 大气, 固废 its own).
POLLUTION |= {
    "油烟": "AIR",
    "扬尘": "AIR",
    "废气": "AIR",
    "废水": "WATER",
    "固体废物": "SOLID_WASTE",
}
YES = {"是", "重点", "√", "Y", "y", "1"}
NO = {"", "否", "0", "N", "n"}
_BATCH = re.compile(r"^第?\s*(\d{1,3})\s*批?$")
_SPLIT = re.compile(r"[、，,；;/\s]+")


@dataclass
class PetitionRow:
    row: int
    accept_no: str
    batch_no: int
    channel: str
    is_key: bool
    region: Region
    pollution_types: list[str]
    content: str
    complained_object: str
    received_at: date
    address: str = ""
    petitioner_name: str = ""
    petitioner_phone: str = ""
    repeat_of: str = ""  # the 受理编号 of the first petition about the same object, if any

    @property
    def channel_label(self) -> str:
        return str(PetitionChannel(self.channel).label)

    @property
    def pollution_labels(self) -> str:
        labels = dict(PollutionType.choices)
        return "、".join(str(labels[c]) for c in self.pollution_types)


@dataclass
class PetitionPlan:
    round: InspectionRound
    rows: list[PetitionRow] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)

    def batches(self) -> list[int]:
        return sorted({r.batch_no for r in self.rows})

    def repeats(self) -> int:
        return sum(1 for r in self.rows if r.repeat_of)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _key_of(header) -> str | None:
    text = "".join(_text(header).split())
    for key, names in HEADERS.items():
        if text in names:
            return key
    return None


def _read(data: bytes) -> tuple[int, dict[int, str], list[str], list[tuple[int, tuple]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise safety.unreadable(exc) from None
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    except Exception as exc:
        raise safety.unreadable(exc) from None
    finally:
        workbook.close()
    for number, row in enumerate(rows[:20], start=1):
        keys = {i: k for i, v in enumerate(row) if (k := _key_of(v))}
        if len(keys) >= 3:
            ignored = [_text(v) for i, v in enumerate(row) if i not in keys and _text(v)]
            data_rows = list(enumerate(rows[number:], start=number + 1))
            return number, keys, ignored, data_rows
    raise ImportRefused(
        "未找到表头：前 20 行中没有可识别的列名（如“受理编号”“交办批次”“行政区域”“信访内容”），"
        "请检查表头文字"
    )


def _regions(actor: User) -> dict[str, Region]:
    found: dict[str, Region] = {}
    for region in Region.objects.filter(pk__in=scope_of(actor).subtree()):
        found.setdefault(region.name, region)
        short = region.name.removesuffix("区").removesuffix("县").removesuffix("市")
        found.setdefault(short, region)
    return found


def build_plan(data: bytes, filename: str, *, actor: User, round_: InspectionRound) -> PetitionPlan:
    """Check the file, read every row and validate it; raise ImportRefused with all the row
    errors, or return the plan. Nothing is written."""
    if not is_office(actor):
        raise ImportRefused("只有环督办可以导入信访件交办清单")
    safety.check_file(data, filename)
    safety.check_row_count(data)
    _header_row, keys, ignored, rows = _read(data)
    missing = [LABELS[k] for k in REQUIRED if k not in keys.values()]
    if missing:
        raise ImportRefused(f"缺少必需的列：{'、'.join(missing)}")
    header_text = {k: LABELS[k] for k in HEADERS}
    regions = _regions(actor)
    existing = set(Petition.objects.values_list("accept_no", flat=True))
    errors: list[RowError] = []
    plan = PetitionPlan(round=round_, ignored_headers=ignored)
    seen: dict[str, int] = {}
    first_by_object: dict[tuple[int, str], str] = {}
    for number, cells in rows:
        values = {key: cells[i] if i < len(cells) else None for i, key in keys.items()}
        if not any(_text(v) for v in values.values()):
            continue

        def err(key: str, message: str, number=number) -> None:
            errors.append(RowError(number, header_text[key], message))

        accept_no = _text(values.get("accept_no"))
        if not accept_no:
            err("accept_no", "受理编号不能为空")
        elif accept_no in seen:
            err("accept_no", f"受理编号与第{seen[accept_no]}行重复")
        elif accept_no in existing:
            err("accept_no", f"受理编号“{accept_no}”已导入过")
        seen.setdefault(accept_no, number)
        match = _BATCH.match(_text(values.get("batch")))
        if not match or int(match[1]) < 1:
            err("batch", "交办批次应写作“第N批”或数字")
        channel = CHANNELS.get(_text(values.get("channel")))
        if channel is None:
            err("channel", "应为“来电”“来信”“来访”或“其他”")
        key_text = _text(values.get("is_key"))
        if key_text not in YES | NO:
            err("is_key", "重点件应填“是”或“否”")
        region = regions.get(_text(values.get("region")))
        if region is None:
            err("region", f"行政区域“{_text(values.get('region'))}”不在您的辖区内或无法识别")
        types: list[str] = []
        for word in _SPLIT.split(_text(values.get("pollution"))):
            if not word:
                continue
            if word not in POLLUTION:
                err("pollution", f"未知的污染类型“{word}”")
            elif POLLUTION[word] not in types:
                types.append(POLLUTION[word])
        content = _text(values.get("content"))
        if not content:
            err("content", "信访内容不能为空")
        received = values.get("received_at")
        if isinstance(received, datetime):
            received = received.date()
        elif received not in (None, ""):
            try:
                received = date.fromisoformat(_text(received).replace("/", "-"))
            except ValueError:
                err("received_at", "受理日期应为日期，如 2019-05-07")
                received = None
        received = received or clock.today()
        if isinstance(received, date) and received > clock.today():
            err("received_at", "受理日期不能晚于今天")
        obj = _text(values.get("object"))
        if errors and errors[-1].row == number:
            continue
        repeat = ""
        if obj:
            norm = "".join(obj.split())
            first = petition_services.first_of_repeats(region_id=region.pk, complained_object=obj)
            repeat = first.accept_no if first else first_by_object.get((region.pk, norm), "")
            first_by_object.setdefault((region.pk, norm), accept_no)
        plan.rows.append(
            PetitionRow(
                row=number,
                accept_no=accept_no,
                batch_no=int(match[1]),
                channel=channel,
                is_key=key_text in YES,
                region=region,
                pollution_types=types,
                content=content,
                complained_object=obj,
                received_at=received,
                address=_text(values.get("address")),
                petitioner_name=_text(values.get("petitioner_name")),
                petitioner_phone=_text(values.get("petitioner_phone")),
                repeat_of=repeat,
            )
        )
    if errors:
        raise ImportRefused(f"有 {len(errors)} 处错误，未导入任何数据，请修改后重新上传", errors)
    if not plan.rows:
        raise ImportRefused("文件中没有信访件数据行")
    return plan


def preview(data: bytes, filename: str, *, actor: User, round_: InspectionRound):
    """Validate and stage the file for the commit. Returns (sha256, plan)."""
    sha256 = hashlib.sha256(data).hexdigest()
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    plan = build_plan(data, filename, actor=actor, round_=round_)
    path = staged_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    return sha256, plan


@transaction.atomic
def commit(sha256: str, filename: str, *, actor: User, round_: InspectionRound) -> PetitionPlan:
    """Re-read and re-validate the staged file, then save every row or none."""
    path = staged_path(sha256)
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    if not path.exists():
        raise ImportRefused("预览已失效（未找到上传的文件），请重新上传")
    plan = build_plan(path.read_bytes(), filename, actor=actor, round_=round_)
    try:
        for row in plan.rows:
            petition_services.petition_receive(
                actor=actor,
                round_=round_,
                accept_no=row.accept_no,
                batch_no=row.batch_no,
                channel=row.channel,
                region=row.region,
                content=row.content,
                received_at=row.received_at,
                pollution_types=row.pollution_types,
                is_key=row.is_key,
                complained_object=row.complained_object,
                address=row.address,
                petitioner_name=row.petitioner_name,
                petitioner_phone=row.petitioner_phone,
            )
        inspection_services.import_batch_record(
            actor=actor,
            sha256=sha256,
            file_name=filename or path.name,
            round_=round_,
            row_count=len(plan.rows),
            task_count=0,
            summary={
                "kind": "petitions",
                "petitions": len(plan.rows),
                "batches": plan.batches(),
                "repeats": plan.repeats(),
            },
        )
    except ServiceError as exc:
        raise ImportRefused(exc.message) from None
    path.unlink(missing_ok=True)
    return plan
