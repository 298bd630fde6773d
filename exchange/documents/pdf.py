"""A Document as a PDF: the blocks rendered by a Django template
(templates/documents/document.html) and printed by WeasyPrint. Fonts come from fontconfig:
the 公文 families first, then WenQuanYi Micro Hei (fonts-wqy-microhei, installed by .ci/run
and the Dockerfile); nothing is fetched from the network (no url_fetcher access)."""

from django.template.loader import render_to_string

from exchange.documents.model import (
    BODY_FONTS,
    FALLBACK_FONT,
    HEADING_FONTS,
    Document,
    Fields,
    Heading,
    Paragraph,
    Table,
    cn_date,
)

KIND = {Heading: "heading", Paragraph: "paragraph", Table: "table", Fields: "fields"}


def _family(names) -> str:
    return ", ".join(f'"{n}"' for n in (*names, FALLBACK_FONT)) + ", sans-serif"


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"documents fetch nothing: {url}")


def html(document: Document) -> str:
    blocks = []
    for block in document.blocks:
        kind = KIND.get(type(block), "signatures")
        if isinstance(block, Table) and block.widths:
            total = sum(block.widths)
            widths = [round(100 * w / total, 2) for w in block.widths]
        else:
            widths = []
        blocks.append({"kind": kind, "b": block, "widths": widths})
    return render_to_string(
        "documents/document.html",
        {
            "doc": document,
            "blocks": blocks,
            "signed_on": cn_date(document.signed_on),
            "body_font": _family(BODY_FONTS),
            "heading_font": _family(HEADING_FONTS),
        },
    )


def pdf_bytes(document: Document) -> bytes:
    from weasyprint import HTML  # loads pango: only when a PDF is asked for

    return HTML(string=html(document), url_fetcher=_no_fetch).write_pdf()
