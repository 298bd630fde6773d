"""一案一档: the archive bundle of a problem or of a whole round, as one zip file.

A problem's bundle (made in the request, `write_problem_bundle`):

    一案一档-SD2019-问题4-城区沿河排口生活污水直排/
      00-档案索引.xlsx   every other file of the bundle: path, kind, problem, task, original
                         name, size, SHA-256 and its check against the hash stored at upload
      00-档案索引.pdf    the same as a printable table (WeasyPrint; 00-档案索引.html when
                         WeasyPrint is not installed)
      01-整改台账.xlsx   the problem's 台账 rows in the official layout (exchange.ledger)
      02-操作记录.xlsx   the event history: rectification.Event of its tasks, and
                         inspections.InspectionEvent of the problem and of the petitions
                         linked to its tasks
      文书/…             the documents of ARCHIVE_DOCUMENTS (for the problem, and per task)
      佐证材料/<任务>/<类别>/<原文件名>   every evidence file, byte for byte

A round's bundle (the `archives` job, exchange.archive_jobs) holds the round's 台账 and
event history at the top and one folder per problem with its documents and evidence.

Memory stays bounded whatever the size: the zip is written to a file; evidence is copied
in chunks while its SHA-256 is computed; the ledger, the event history and the index xlsx
are XlsxWriter constant-memory files from streamed queries; only the first
PDF_INDEX_MAX_ROWS rows are kept for the printable index (past that it gives the counts
and refers to the xlsx).

The documents of issue 13 item 2 plug in through ARCHIVE_DOCUMENTS (a registry, so that
this module does not depend on how each document is made).
"""

import hashlib
import logging
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

import xlsxwriter
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import clock
from accounts.events import EventVerb
from exchange.ledger import WORKBOOK_OPTIONS, safe_text, write_ledger
from inspections.models import (
    FeedbackAspect,
    FeedbackCategory,
    InspectionEvent,
    InspectionRound,
    Petition,
    Problem,
)
from rectification.choices import AttachmentKind
from rectification.models import Attachment, Event, Task
from rectification.templatetags.tracker_tags import status_label
from rectification.uploads import download_name

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# The documents registry

Subject = InspectionRound | Problem | Task
ArchiveDocument = Callable[[Subject], Iterable[tuple[str, bytes]]]

# Callables that make the documents of a problem or a task (and, in a round's bundle, of the
# round): each is called with the subject and returns [(file name, bytes)], empty for a
# subject it makes nothing for. Empty today; the Word/PDF documents of issue 13 item 2
# (销号审批表 per task, 整改进展情况表 per round …) are appended here, e.g. in
# ExchangeConfig.ready(): ARCHIVE_DOCUMENTS.append(closeout_approval_documents).
ARCHIVE_DOCUMENTS: list[ArchiveDocument] = []

# ---------------------------------------------------------------------------------------------
# Layout

INDEX_XLSX = "00-档案索引.xlsx"
INDEX_PDF = "00-档案索引.pdf"
INDEX_HTML = "00-档案索引.html"
LEDGER_XLSX = "01-整改台账.xlsx"
EVENTS_XLSX = "02-操作记录.xlsx"
DOCUMENTS_DIR = "文书"
EVIDENCE_DIR = "佐证材料"

PDF_INDEX_MAX_ROWS = 2000
CHUNK = 1024 * 1024
NAME_MAX = 80  # characters of a file or folder name inside the zip
# Already compressed formats are stored; deflating them again costs time and saves nothing.
_DEFLATE = {".csv", ".html", ".htm", ".txt", ".xml", ".json", ".svg", ".doc", ".wps", ".et"}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')

INDEX_HEADERS = (
    "序号",
    "档案内文件",
    "类别",
    "问题编号",
    "任务编号",
    "材料类别",
    "原文件名",
    "大小（字节）",
    "SHA-256",
    "校验",
    "上传人",
    "上传/生成时间",
)
INDEX_WIDTHS = (6, 60, 10, 10, 12, 10, 30, 12, 66, 24, 12, 17)

# The index's 类别 column
KIND_LEDGER = "整改台账"
KIND_EVENTS = "操作记录"
KIND_DOCUMENT = "文书"
KIND_EVIDENCE = "佐证材料"

CHECK_GENERATED = "生成"
CHECK_MATCH = "一致"
CHECK_MISSING = "文件缺失"
CHECK_FAILED = "生成失败"


@dataclass(frozen=True)
class IndexRow:
    path: str  # inside the bundle's folder; empty when nothing was written (missing, failed)
    kind: str
    problem: str = ""
    task: str = ""
    material: str = ""
    original_name: str = ""
    size: int | None = None
    sha256: str = ""
    check: str = CHECK_GENERATED
    uploaded_by: str = ""
    at: datetime | None = None


@dataclass
class BundleSummary:
    """What a bundle holds (the index's 概况 sheet, the job row)."""

    root: str = ""
    files: int = 0  # members of the zip, the index files included
    evidence: int = 0
    documents: int = 0
    missing: int = 0
    mismatched: int = 0
    failed: int = 0
    size: int = 0  # bytes of the files listed, before compression
    by_kind: Counter = field(default_factory=Counter)


Progress = Callable[[int], None]


# ---------------------------------------------------------------------------------------------
# Entry points


def problem_bundle_name(problem: Problem) -> str:
    return _clean(f"一案一档-{problem.round.code}-问题{problem.code}-{problem.title}", 100)


def round_bundle_name(round_: InspectionRound) -> str:
    return _clean(f"一案一档-{round_.code}-{round_.name}", 100)


def write_problem_bundle(problem: Problem, *, user, out: IO[bytes] | str) -> BundleSummary:
    """Write the bundle of one problem to `out` (a path or a binary file). The caller has
    checked that `user` sees every task of the problem (archive_jobs.problem_archive_refusal);
    the petitions' events are those `user` sees."""
    tasks = Task.objects.filter(problem=problem)
    with _Bundle(out, problem_bundle_name(problem), user=user) as bundle:
        bundle.title = f"{problem.round.name} · 问题{problem.code} {problem.title}"
        bundle.add_ledger(tasks, region=problem.round.region.name)
        bundle.add_events(
            Event.objects.filter(task__problem=problem, task__withdrawn_at__isnull=True),
            InspectionEvent.objects.filter(
                _targets(Problem, [problem.pk])
                | _targets(
                    Petition,
                    Petition.objects.visible_to(user).filter(tasks__problem=problem).values("pk"),
                )
            ),
        )
        bundle.add_problem(problem, folder="")
    return bundle.summary


def round_item_count(round_: InspectionRound) -> int:
    """The steps of a round's bundle, for its progress: each evidence file, each subject
    handed to the documents registry, and the ledger, the history and the index."""
    tasks = Task.objects.filter(round=round_).count()
    problems = Problem.objects.filter(round=round_).count()
    evidence = Attachment.objects.filter(
        task__round=round_, task__withdrawn_at__isnull=True
    ).count()
    return evidence + tasks + problems + 1 + 3


def write_round_bundle(
    round_: InspectionRound, *, user, out: IO[bytes] | str, progress: Progress | None = None
) -> BundleSummary:
    """Write the bundle of a whole round: its 台账 and history, then a folder per problem."""
    progress = progress or (lambda step: None)
    with _Bundle(out, round_bundle_name(round_), user=user, progress=progress) as bundle:
        bundle.title = f"{round_.name} 一案一档"
        bundle.add_ledger(Task.objects.filter(round=round_), region=round_.region.name)
        problem_ids = Problem.objects.filter(round=round_).values("pk")
        bundle.add_events(
            Event.objects.filter(task__round=round_, task__withdrawn_at__isnull=True),
            InspectionEvent.objects.filter(
                _targets(InspectionRound, [round_.pk])
                | _targets(FeedbackAspect, FeedbackAspect.objects.filter(round=round_).values("pk"))
                | _targets(
                    FeedbackCategory,
                    FeedbackCategory.objects.filter(aspect__round=round_).values("pk"),
                )
                | _targets(Problem, problem_ids)
                | _targets(
                    Petition, Petition.objects.visible_to(user).filter(round=round_).values("pk")
                )
            ),
        )
        bundle.add_documents(round_, folder=DOCUMENTS_DIR)
        # A list (a round has at most a few hundred problems): each one's files are read
        # while it is written, and a server-side cursor should not stay open across them.
        for problem in list(Problem.objects.filter(round=round_).order_by("seq", "pk")):
            bundle.add_problem(problem, folder=_clean(f"问题{problem.code} {problem.title}"))
    return bundle.summary


# ---------------------------------------------------------------------------------------------
# The bundle


def _targets(model, ids) -> Q:
    return Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)


def _clean(name: str, limit: int = NAME_MAX) -> str:
    """A file or folder name that unpacks anywhere: no separators or control characters,
    no leading dots, at most `limit` characters (the extension kept)."""
    name = _UNSAFE_NAME.sub("_", " ".join(str(name).split())).strip(" .") or "未命名"
    if len(name) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 8:
        return stem[: limit - len(ext) - 1].rstrip() + "." + ext
    return name[:limit].rstrip()


def _local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


class _Bundle:
    """A zip being written: its members, the index rows, the summary."""

    def __init__(self, out, root: str, *, user, progress: Progress | None = None):
        self.root = root
        self.user = user
        self.title = root
        self.progress = progress or (lambda step: None)
        self.summary = BundleSummary(root=root)
        self.names: set[str] = set()
        self.pdf_rows: list[IndexRow] = []
        self.stamp = _local(clock.now())
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.tmpdir = tempfile.TemporaryDirectory(prefix="archive-")
        self.index = _IndexSheet(Path(self.tmpdir.name) / "index.xlsx", self.tmpdir.name)
        self.step = 0

    def __enter__(self) -> "_Bundle":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._write_index()
        finally:
            self.index.close()
            self.zip.close()
            self.tmpdir.cleanup()

    # -- members ---------------------------------------------------------------------------

    def _unique(self, path: str) -> str:
        """`path`, or `path` with " (2)", " (3)" … before its extension when taken."""
        if path not in self.names:
            self.names.add(path)
            return path
        head, dot, ext = path.rpartition(".")
        if not dot or "/" in ext:
            head, ext = path, ""
        n = 2
        while True:
            candidate = f"{head} ({n})" + (f".{ext}" if ext else "")
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate
            n += 1

    def _member(self, path: str, moment: datetime | None = None) -> zipfile.ZipInfo:
        when = moment or self.stamp
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=when.timetuple()[:6])
        suffix = Path(path).suffix.lower()
        info.compress_type = zipfile.ZIP_DEFLATED if suffix in _DEFLATE else zipfile.ZIP_STORED
        return info

    def _copy(self, path: str, source: IO[bytes], moment: datetime | None = None):
        """Stream `source` into the zip as `path`; return (size, sha256)."""
        digest, size = hashlib.sha256(), 0
        with self.zip.open(self._member(path, moment), "w", force_zip64=True) as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
        self.summary.files += 1
        return size, digest.hexdigest()

    def _list(self, row: IndexRow) -> None:
        self.index.add(row)
        if len(self.pdf_rows) < PDF_INDEX_MAX_ROWS:
            self.pdf_rows.append(row)
        self.summary.by_kind[row.kind] += 1
        self.summary.size += row.size or 0

    def _advance(self) -> None:
        self.step += 1
        self.progress(self.step)

    # -- the parts ---------------------------------------------------------------------------

    def add_ledger(self, tasks: QuerySet[Task], *, region: str) -> None:
        path = self._unique(LEDGER_XLSX)
        scratch = Path(self.tmpdir.name) / "ledger.xlsx"
        write_ledger(tasks, out=str(scratch), title_region=region)
        with scratch.open("rb") as source:
            size, digest = self._copy(path, source)
        scratch.unlink()
        self._list(IndexRow(path, KIND_LEDGER, size=size, sha256=digest, at=self.stamp))
        self._advance()

    def add_events(self, task_events: QuerySet[Event], round_events: QuerySet) -> None:
        path = self._unique(EVENTS_XLSX)
        scratch = Path(self.tmpdir.name) / "events.xlsx"
        _write_events(scratch, self.tmpdir.name, task_events, round_events)
        with scratch.open("rb") as source:
            size, digest = self._copy(path, source)
        scratch.unlink()
        self._list(IndexRow(path, KIND_EVENTS, size=size, sha256=digest, at=self.stamp))
        self._advance()

    def add_problem(self, problem: Problem, *, folder: str) -> None:
        """The problem's documents and, task by task, their documents and evidence."""
        base = f"{folder}/" if folder else ""
        self.add_documents(problem, folder=f"{base}{DOCUMENTS_DIR}", problem=problem.code)
        tasks = list(Task.objects.filter(problem=problem).order_by("seq", "pk"))
        for task in tasks:
            self.add_documents(
                task,
                folder=f"{base}{DOCUMENTS_DIR}/{_task_folder(task)}",
                problem=problem.code,
                task=task.code,
            )
        attachments = (
            # (a join skips Task's default manager: the evidence of live tasks only)
            Attachment.objects.filter(task__problem=problem, task__withdrawn_at__isnull=True)
            .select_related("task", "uploaded_by")
            .order_by("task__seq", "task_id", "kind", "uploaded_at", "id")
        )
        for attachment in attachments.iterator(chunk_size=500):
            self.add_evidence(attachment, folder=f"{base}{EVIDENCE_DIR}", problem=problem.code)

    def add_documents(self, subject: Subject, *, folder: str, problem: str = "", task: str = ""):
        for make in ARCHIVE_DOCUMENTS:
            try:
                documents = list(make(subject))
            except Exception as exc:  # a broken document must not lose the rest of the bundle
                log.exception("archive document %r failed for %r", make, subject)
                name = getattr(make, "__name__", "文书")
                self.summary.failed += 1
                self._list(
                    IndexRow(
                        "",
                        KIND_DOCUMENT,
                        problem,
                        task,
                        original_name=name,
                        check=f"{CHECK_FAILED}：{type(exc).__name__}",
                        at=self.stamp,
                    )
                )
                continue
            for name, content in documents:
                path = self._unique(f"{folder}/{_clean(name)}")
                with self.zip.open(self._member(path), "w", force_zip64=True) as target:
                    target.write(content)
                self.summary.files += 1
                self.summary.documents += 1
                self._list(
                    IndexRow(
                        path,
                        KIND_DOCUMENT,
                        problem,
                        task,
                        original_name=name,
                        size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                        at=self.stamp,
                    )
                )
        self._advance()

    def add_evidence(self, attachment: Attachment, *, folder: str, problem: str) -> None:
        task = attachment.task
        kind = AttachmentKind(attachment.kind).label if attachment.kind else "其他"
        row = {
            "kind": KIND_EVIDENCE,
            "problem": problem,
            "task": task.code,
            "material": str(kind),
            "original_name": attachment.original_name,
            "uploaded_by": attachment.uploaded_by.display_name if attachment.uploaded_by else "",
            "at": _local(attachment.uploaded_at),
        }
        self.summary.evidence += 1
        try:
            source = attachment.file.storage.open(attachment.file.name, "rb")
        except OSError:
            self.summary.missing += 1
            self._list(IndexRow("", sha256=attachment.sha256, check=CHECK_MISSING, **row))
            self._advance()
            return
        path = self._unique(
            f"{folder}/{_task_folder(task)}/{kind}/"
            + _clean(download_name(attachment.original_name, attachment.extension))
        )
        with source:
            size, digest = self._copy(path, source, _local(attachment.uploaded_at))
        if digest == attachment.sha256:
            check = CHECK_MATCH
        else:
            self.summary.mismatched += 1
            check = f"不一致（登记值 {attachment.sha256 or '空'}）"
        self._list(IndexRow(path, size=size, sha256=digest, check=check, **row))
        self._advance()

    # -- the index ---------------------------------------------------------------------------

    def _write_index(self) -> None:
        """The index files, last: they list every other member with its hash."""
        self.index.finish(self.title, self.stamp, self.summary, self.user)
        with open(self.index.path, "rb") as source:
            self._copy(self._unique(INDEX_XLSX), source)
        name, content = _printable_index(self)
        with self.zip.open(self._member(self._unique(name)), "w", force_zip64=True) as target:
            target.write(content)
        self.summary.files += 1
        self._advance()


def _task_folder(task: Task) -> str:
    return _clean(f"{task.code} {task.name}", 60)


# ---------------------------------------------------------------------------------------------
# The index


class _IndexSheet:
    """The xlsx index, written row by row (constant memory) and finished with a 概况 sheet."""

    def __init__(self, path: Path, tmpdir: str):
        self.path = path
        self.workbook = xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})
        self.bold = self.workbook.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
        self.title = self.workbook.add_format({"bold": True, "font_size": 14})
        self.when = self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.sheet = self.workbook.add_worksheet("档案索引")
        for column, width in enumerate(INDEX_WIDTHS):
            self.sheet.set_column(column, column, width)
        self.sheet.write_string(0, 0, "一案一档 档案索引", self.title)
        for column, header in enumerate(INDEX_HEADERS):
            self.sheet.write_string(1, column, header, self.bold)
        self.sheet.freeze_panes(2, 0)
        self.sheet.set_landscape()
        self.sheet.repeat_rows(1)
        self.row = 2
        self.closed = False

    def add(self, row: IndexRow) -> None:
        values = (
            self.row - 1,
            row.path,
            row.kind,
            row.problem,
            row.task,
            row.material,
            row.original_name,
            row.size,
            row.sha256,
            row.check,
            row.uploaded_by,
        )
        for column, value in enumerate(values):
            if isinstance(value, str):
                if value:
                    self.sheet.write_string(self.row, column, safe_text(value))
            elif value is not None:
                self.sheet.write_number(self.row, column, value)
        if row.at is not None:
            self.sheet.write_datetime(self.row, len(values), row.at, self.when)
        self.row += 1

    def finish(self, title: str, stamp: datetime, summary: BundleSummary, user) -> None:
        about = self.workbook.add_worksheet("概况")
        about.set_column(0, 0, 16)
        about.set_column(1, 1, 80)
        lines = [
            ("档案", title),
            ("生成时间", f"{stamp:%Y-%m-%d %H:%M}"),
            ("生成人", getattr(user, "display_name", "") or getattr(user, "username", "")),
            ("列出文件", str(self.row - 2)),
            ("佐证材料", str(summary.evidence)),
            ("其中文件缺失", str(summary.missing)),
            ("其中校验不一致", str(summary.mismatched)),
            ("文书", str(summary.documents)),
            ("文书生成失败", str(summary.failed)),
            ("说明", "SHA-256 为档案内文件的实际摘要；佐证材料另与上传时登记的摘要核对。"),
        ]
        for number, (label, value) in enumerate(lines):
            about.write_string(number, 0, label, self.bold)
            about.write_string(number, 1, safe_text(value))
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.workbook.close()


def weasyprint_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # not installed, or its system libraries missing
        return False
    return True


def _printable_index(bundle: _Bundle) -> tuple[str, bytes]:
    """The PDF index (WeasyPrint) or, without WeasyPrint, the same page as HTML."""
    summary = bundle.summary
    listed = sum(summary.by_kind.values())
    html = render_to_string(
        "archives/index.html",
        {
            "title": bundle.title,
            "stamp": bundle.stamp,
            "user": bundle.user,
            "rows": bundle.pdf_rows,
            "listed": listed,
            "truncated": listed > len(bundle.pdf_rows),
            "summary": summary,
            "by_kind": sorted(summary.by_kind.items()),
            "headers": INDEX_HEADERS,
        },
    )
    if weasyprint_available():
        import weasyprint

        return INDEX_PDF, weasyprint.HTML(string=html).write_pdf()
    return INDEX_HTML, html.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The event history

TASK_EVENT_HEADERS = ("时间", "任务编号", "点位/任务名称", "动作", "原状态", "新状态", "操作人", "操作人单位", "说明")  # fmt: skip
ROUND_EVENT_HEADERS = ("时间", "对象类型", "对象", "动作", "原状态", "新状态", "操作人", "说明")
_VERBS = {value: str(label) for value, label in EventVerb.choices}


def _write_events(path: Path, tmpdir: str, task_events: QuerySet, round_events: QuerySet) -> None:
    workbook = xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})
    bold = workbook.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = _event_sheet(workbook, "任务操作记录", TASK_EVENT_HEADERS, bold)
    rows = (
        task_events.select_related("task", "actor__unit")
        .order_by("created_at", "id")
        .iterator(chunk_size=2000)
    )
    for number, event in enumerate(rows, start=1):
        actor = event.actor
        _event_row(
            sheet,
            number,
            when,
            event.created_at,
            (
                event.task.code if event.task else "",
                event.task.name if event.task else "",
                _VERBS.get(event.verb, event.verb),
                status_label(event.from_status),
                status_label(event.to_status),
                actor.display_name if actor else "系统",
                actor.unit.display_name if actor and actor.unit else "",
                event.note,
            ),
        )
    sheet = _event_sheet(workbook, "督察操作记录", ROUND_EVENT_HEADERS, bold)
    kinds, labels = _target_labels(round_events)
    rows = round_events.select_related("actor").order_by("created_at", "id")
    for number, event in enumerate(rows.iterator(chunk_size=2000), start=1):
        _event_row(
            sheet,
            number,
            when,
            event.created_at,
            (
                kinds.get(event.target_type_id, ""),
                labels.get((event.target_type_id, event.target_id), str(event.target_id)),
                _VERBS.get(event.verb, event.verb),
                event.from_status,
                event.to_status,
                event.actor.display_name if event.actor else "系统",
                event.note,
            ),
        )
    workbook.close()


def _target_labels(events: QuerySet) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """What each event is about, read once per kind of target (rounds, problems, petitions
    … are few beside their events): {type id: 督察轮次}, {(type id, id): its name}."""
    pairs = events.order_by().values_list("target_type_id", "target_id").distinct()
    by_type: dict[int, list[int]] = {}
    for type_id, target_id in pairs:
        by_type.setdefault(type_id, []).append(target_id)
    kinds, labels = {}, {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        kinds[type_id] = str(model._meta.verbose_name)
        for pk, target in model._default_manager.in_bulk(ids).items():
            labels[(type_id, pk)] = str(target)
    return kinds, labels


def _event_sheet(workbook, name: str, headers: tuple[str, ...], bold):
    sheet = workbook.add_worksheet(name)
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
        sheet.set_column(column, column, 60 if header == "说明" else 16)
    sheet.freeze_panes(1, 0)
    return sheet


def _event_row(sheet, row: int, when, created_at, values: tuple) -> None:
    sheet.write_datetime(row, 0, _local(created_at), when)
    for column, value in enumerate(values, start=1):
        if value:
            sheet.write_string(row, column, safe_text(str(value)))


def problem_bundle_file(problem: Problem, *, user) -> tuple[IO[bytes], BundleSummary]:
    """A problem's bundle in an anonymous temporary file (deleted when closed), rewound for
    reading: the caller (a FileResponse) closes it."""
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115
    try:
        summary = write_problem_bundle(problem, user=user, out=handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle, summary
