"""Real photos for the upload tests: JPEG/PNG files made with Pillow, carrying the EXIF a
phone writes (DateTimeOriginal in the Exif IFD, latitude/longitude in the GPS IFD,
Orientation)."""

import os
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, ORIENTATION = 0x9003, 0x0112


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def photo_bytes(
    *,
    taken: str | None = "2020:02:14 10:30:00",
    lat: float | None = None,
    lng: float | None = None,
    size: tuple[int, int] = (64, 48),
    orientation: int | None = None,
    fmt: str = "JPEG",
    noise: bool = False,
    quality: int = 90,
) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (40, 120, 200))
        image.paste((250, 80, 20), (0, 0, size[0] // 4, size[1] // 4))  # top-left marker
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"
    if orientation:
        exif[ORIENTATION] = orientation
    if taken:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    if lat is not None and lng is not None:
        exif.get_ifd(GPS_IFD).update(
            {
                1: "N" if lat >= 0 else "S",
                2: dms(abs(lat)),
                3: "E" if lng >= 0 else "W",
                4: dms(abs(lng)),
            }
        )
    buffer = BytesIO()
    extra = {"quality": quality} if fmt == "JPEG" else {}
    image.save(buffer, format=fmt, exif=exif.tobytes(), **extra)
    return buffer.getvalue()


def photo(name: str = "IMG_0001.jpg", **kwargs) -> SimpleUploadedFile:
    fmt = kwargs.get("fmt", "JPEG")
    content_type = "image/png" if fmt == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, photo_bytes(**kwargs), content_type=content_type)
