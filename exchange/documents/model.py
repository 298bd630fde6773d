"""The content of a generated document, independent of its format.

A builder (exchange/documents/builders.py) turns the data into a `Document`: the 公文 frame
(红头 issuer, 文号, title, 主送, 落款, date) and a list of blocks (headings, paragraphs,
tables, field tables, signature blocks). The Word renderer (docx.py) and the PDF renderer
(pdf.py, an HTML template through WeasyPrint) both walk the same blocks, so the .docx and the
.pdf of a document always say the same thing.
"""

from dataclasses import dataclass, field
from datetime import date

# Fonts: the 公文 families first, WenQuanYi Micro Hei (fonts-wqy-microhei) as the fallback the
# deployment installs, so a machine without 仿宋/黑体 still renders every glyph.
BODY_FONTS = ("仿宋_GB2312", "仿宋", "FangSong", "STFangsong")
HEADING_FONTS = ("黑体", "SimHei", "STHeiti")
FALLBACK_FONT = "WenQuanYi Micro Hei"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: 一、 (黑体); 2: （一） (楷体 in 公文; bold here)


@dataclass(frozen=True)
class Paragraph:
    text: str
    indent: bool = True  # first-line indent of two characters
    align: str = "justify"  # or "center", "right"
    bold: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] = ()  # relative widths, one per column
    caption: str = ""


@dataclass(frozen=True)
class Fields:
    """A form-like table: label | value rows (the 审批表 layout)."""

    rows: tuple[tuple[str, str], ...]
    caption: str = ""


@dataclass(frozen=True)
class Signatures:
    """Signature blocks: one cell per signer with 签字 and 日期 lines to fill in by hand."""

    blocks: tuple[str, ...]


Block = Heading | Paragraph | Table | Fields | Signatures


@dataclass
class Document:
    slug: str  # the download's file name stem (ASCII)
    title: str
    issuer: str = ""  # 发文机关 of the 红头 ("" for a table that has no 红头)
    doc_no: str = ""
    draft_note: str = ""  # e.g. "拟发（未签发）": printed above the title
    recipients: str = ""  # 主送
    blocks: list[Block] = field(default_factory=list)
    signer: str = ""  # 落款
    signed_on: date | None = None
    copy_to: str = ""  # 抄送
    landscape: bool = False

    @property
    def file_name(self) -> str:
        return self.title.replace("/", "／")

    def text(self) -> str:
        """Every string of the document, in order (for tests and search)."""
        parts = [self.issuer, self.doc_no, self.draft_note, self.title, self.recipients]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                parts.append(block.text)
            elif isinstance(block, Table):
                parts += [block.caption, *block.headers]
                parts += [cell for row in block.rows for cell in row]
            elif isinstance(block, Fields):
                parts += [block.caption, *(c for row in block.rows for c in row)]
            elif isinstance(block, Signatures):
                parts += list(block.blocks)
        parts += [self.signer, cn_date(self.signed_on), self.copy_to]
        return "\n".join(p for p in parts if p)


def cn_date(day: date | None) -> str:
    """2020年2月15日 (公文 dates carry no leading zeros)."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"
