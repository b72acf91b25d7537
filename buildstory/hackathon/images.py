"""Demo images of submissions: checked, re-encoded and shrunk on the server.

Like avatars (``profiles/avatars.py``): only the first frame is kept, no metadata
survives (EXIF, XMP, ICC), and the result is WebP. The image fits 1600×1000 in at most
512 KB, and a 480×300 thumbnail goes with it for the showcase cards.
"""
from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DomainError, ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
TOO_LARGE = "Image must be 5 MB or smaller"
NOT_AN_IMAGE = "Upload a JPEG, PNG, WebP or GIF image"
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Read from the header before a pixel is decoded: a small file can declare a huge picture.
MAX_PIXELS = 40_000_000
BOX = (1600, 1000)
THUMB_BOX = (480, 300)
MAX_STORED_BYTES = 512 * 1024
QUALITIES = (85, 75, 62, 50, 38, 25)
FIELD = "image"
# One large image at a time per process, so concurrent uploads do not add up in memory.
_PROCESSING = threading.Lock()


class ImageTooLarge(DomainError):
    """An upload over 5 MB (413)."""

    status = 413
    message = TOO_LARGE


@dataclass(frozen=True)
class Processed:
    image: bytes
    thumb: bytes
    width: int
    height: int
    hash: str


class _Refused(Exception):
    pass


def process(data: bytes) -> Processed:
    """Return the upload re-encoded (fits 1600×1000, ≤ 512 KB) with its thumbnail.

    Raises ImageTooLarge over 5 MB, ValidationFailed({"image": "Upload a JPEG, PNG, WebP
    or GIF image"}) for anything undecodable, of another format or over 40 megapixels.
    """
    if len(data) > MAX_BYTES:
        raise ImageTooLarge()
    if not data:
        raise ValidationFailed({FIELD: NOT_AN_IMAGE})
    with _PROCESSING:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                picture = _decode(data)
        except (_Refused, Image.DecompressionBombError, Image.DecompressionBombWarning,
                UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                MemoryError, IndexError, TypeError, KeyError):
            # Pillow's decoders signal corrupt input with any of these.
            raise ValidationFailed({FIELD: NOT_AN_IMAGE}) from None
        image = _fit(picture, BOX)
        thumb = _fit(picture, THUMB_BOX)
        encoded = _encode(image)
        return Processed(image=encoded, thumb=_encode(thumb), width=image.width,
                         height=image.height, hash=hashlib.sha256(encoded).hexdigest()[:16])


def _decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data), formats=FORMATS) as img:
        width, height = img.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise _Refused()
        img.draft("RGB", BOX)  # JPEG: decode at a reduced scale, never below the box
        img.seek(0)  # the first frame of an animation
        img.load()
        ImageOps.exif_transpose(img, in_place=True)  # phones store rotation in EXIF
        has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        return img.convert("RGBA" if has_alpha else "RGB")


def _fit(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Return a copy shrunk to fit ``box`` (never enlarged), keeping the aspect ratio."""
    copy = img.copy()
    copy.thumbnail(box, Image.Resampling.LANCZOS)
    return copy


def _encode(img: Image.Image) -> bytes:
    """Encode as WebP without metadata, lowering the quality (then the size) until the
    result is at most 512 KB."""
    while True:
        for quality in QUALITIES:
            out = io.BytesIO()
            img.save(out, "WEBP", quality=quality, method=4, exif=b"", xmp="",
                     icc_profile=None)
            if out.tell() <= MAX_STORED_BYTES:
                return out.getvalue()
        img = img.resize((max(1, img.width * 3 // 4), max(1, img.height * 3 // 4)),
                         Image.Resampling.LANCZOS)
