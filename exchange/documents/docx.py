"""A Document as an editable Word file (python-docx): A4, 公文 margins, 仿宋 body, 黑体
headings, the issuer in red over a red rule. Offices edit these files in Word or WPS; a
machine without 仿宋/黑体 substitutes its own font, as Word and WPS do."""

from io import BytesIO

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from exchange.documents.model import (
    BODY_FONTS,
    HEADING_FONTS,
    Document,
    Fields,
    Heading,
    Paragraph,
    Signatures,
    Table,
    cn_date,
)

RED = RGBColor(0xC0, 0x00, 0x00)
BODY = BODY_FONTS[1]  # 仿宋
HEAD = HEADING_FONTS[0]  # 黑体
ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
}


def _font(run, name: str, size: float, *, bold=False, color=None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), name)
    fonts.set(qn("w:hAnsi"), name)


def _para(container, text: str, *, font=BODY, size=16, align="justify", indent=False, **kw):
    p = container.add_paragraph()
    p.alignment = ALIGN[align]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = Pt(28) if size >= 14 else None
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), font, size, **kw)
    return p


def _red_rule(paragraph) -> None:
    """A red line under the 红头 (a paragraph bottom border)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "18"),
        ("w:space", "4"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _table(doc, headers, rows, widths, size=10.5):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEAD, size)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            lines = str(text).split("\n")
            cell.text = ""
            _font(cell.paragraphs[0].add_run(lines[0]), BODY, size)
            for line in lines[1:]:
                _font(cell.add_paragraph().add_run(line), BODY, size)
    if widths:
        total = sum(widths)
        usable = doc.sections[-1].page_width - doc.sections[-1].left_margin
        usable -= doc.sections[-1].right_margin
        for row in table.rows:
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = int(usable * w / total)
    return table


def docx_bytes(document: Document) -> bytes:
    doc = WordDocument()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    if document.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_height, section.page_width = section.page_width, section.page_height
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    if document.landscape:
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name = BODY
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY)
    doc.core_properties.title = document.title

    if document.issuer:
        p = _para(doc, document.issuer, font=HEAD, size=26, align="center", color=RED)
        if not document.doc_no:
            _red_rule(p)
    if document.doc_no:
        p = _para(doc, document.doc_no, size=16, align="center")
        _red_rule(p)
    if document.draft_note:
        _para(doc, document.draft_note, font=HEAD, size=14, align="right", color=RED)
    _para(doc, "", size=12)
    _para(doc, document.title, font=HEAD, size=20 if not document.landscape else 18, align="center")
    _para(doc, "", size=12)
    if document.recipients:
        _para(doc, f"{document.recipients}：", align="left")
    for block in document.blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                _para(doc, block.text, font=HEAD, indent=True)
            else:
                _para(doc, block.text, indent=True, bold=True)
        elif isinstance(block, Paragraph):
            _para(doc, block.text, align=block.align, indent=block.indent, bold=block.bold)
        elif isinstance(block, Table):
            if block.caption:
                _para(doc, block.caption, font=HEAD, size=14, align="center")
            _table(doc, block.headers, block.rows, block.widths)
            _para(doc, "", size=10)
        elif isinstance(block, Fields):
            if block.caption:
                _para(doc, block.caption, font=HEAD, size=14, align="left")
            table = doc.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in block.rows:
                cells = table.add_row().cells
                cells[0].width, cells[1].width = Cm(4), Cm(11.6)
                _font(cells[0].paragraphs[0].add_run(label), HEAD, 12)
                lines = str(value).split("\n")
                _font(cells[1].paragraphs[0].add_run(lines[0]), BODY, 12)
                for line in lines[1:]:
                    _font(cells[1].add_paragraph().add_run(line), BODY, 12)
            _para(doc, "", size=10)
        elif isinstance(block, Signatures):
            table = doc.add_table(rows=1, cols=len(block.blocks))
            table.style = "Table Grid"
            for cell, label in zip(table.rows[0].cells, block.blocks, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run(label), HEAD, 12)
                for line in ("", "负责人（签字）：", "", "（盖章）", "日期：    年  月  日"):
                    _font(cell.add_paragraph().add_run(line), BODY, 12)
    if document.signer or document.signed_on:
        _para(doc, "", size=16)
        if document.signer:
            _para(doc, document.signer, align="right")
        if document.signed_on:
            _para(doc, cn_date(document.signed_on), align="right")
    if document.copy_to:
        _para(doc, "", size=12)
        _para(doc, f"抄送：{document.copy_to}。", size=14, align="left")
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
