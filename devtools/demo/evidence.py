"""Small, real evidence files for the demo: site photos (PNG) and reports (PDF).

The bytes are a pure function of their inputs (seeded drawing, fixed PDF layout), so a
second load finds the same content hash and stores nothing new.
"""

import random
from io import BytesIO

from PIL import Image, ImageDraw

# Colours that read as "before" (muddy water, bare ground) and "after" (clear water, green).
_PALETTES = {
    "BEFORE": {
        "sky": (176, 170, 160),
        "ground": (120, 98, 70),
        "water": (92, 84, 60),
        "blocks": [(70, 62, 55), (140, 120, 90), (60, 60, 60)],
    },
    "DURING": {
        "sky": (190, 200, 210),
        "ground": (150, 130, 100),
        "water": (90, 110, 120),
        "blocks": [(230, 160, 40), (120, 120, 120), (200, 200, 190)],
    },
    "AFTER": {
        "sky": (170, 210, 240),
        "ground": (90, 160, 80),
        "water": (60, 130, 190),
        "blocks": [(60, 140, 60), (210, 210, 200), (40, 120, 70)],
    },
}


def photo_png(seed: str, kind: str, size: tuple[int, int] = (320, 200)) -> bytes:
    """A stylised site photo: sky, ground, a water band and a few structures."""
    palette = _PALETTES.get(kind, _PALETTES["DURING"])
    rnd = random.Random(f"{seed}:{kind}")
    width, height = size
    image = Image.new("RGB", size, palette["sky"])
    draw = ImageDraw.Draw(image)
    horizon = rnd.randint(height // 3, height // 2)
    draw.rectangle([0, horizon, width, height], fill=palette["ground"])
    band = rnd.randint(horizon + 20, height - 30)
    draw.rectangle([0, band, width, band + rnd.randint(18, 30)], fill=palette["water"])
    for _ in range(rnd.randint(3, 6)):
        x = rnd.randint(0, width - 40)
        w = rnd.randint(20, 70)
        h = rnd.randint(15, 60)
        draw.rectangle([x, horizon - h, x + w, horizon], fill=rnd.choice(palette["blocks"]))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def report_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with the given ASCII lines (Helvetica), with a correct xref table."""
    body = ["BT /F1 12 Tf 56 780 Td 16 TL"]
    for line in lines:
        body.append(f"({_pdf_escape(line)}) Tj T*")
    body.append("ET")
    stream = "\n".join(body).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
