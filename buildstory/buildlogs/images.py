"""Post images: any upload the avatar accepts, re-encoded to WebP without metadata or
animation, longest side at most 1600 px (never cropped), at most 512 KB stored."""
from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ValidationFailed
from ..profiles.avatars import FORMATS, MAX_PIXELS, MAX_SIDE, NOT_AN_IMAGE, TOO_LARGE, _PROCESSING
from .models import IMAGE_MAX_BYTES, IMAGE_MAX_SIDE

QUALITIES = (82, 70, 55, 40, 25)


def process(data: bytes) -> tuple[bytes, int, int, str]:
    """Return ``(webp, width, height, hash)``; ValidationFailed on the ``image`` field for
    anything that is not a decodable JPEG, PNG, WebP or GIF of an allowed size."""
    with _PROCESSING:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = _decode(data)
        except _TooLarge:
            raise ValidationFailed({"image": TOO_LARGE}) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationFailed({"image": TOO_LARGE}) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                MemoryError, IndexError, TypeError, KeyError):
            raise ValidationFailed({"image": NOT_AN_IMAGE}) from None
        webp, width, height = _encode(img)
    return webp, width, height, hashlib.sha256(webp).hexdigest()[:16]


class _TooLarge(Exception):
    pass


def _decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data), formats=FORMATS) as img:
        width, height = img.size
        if width < 1 or height < 1:
            raise ValueError("empty image")
        if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
            raise _TooLarge()
        img.draft("RGB", (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
        img.seek(0)  # the first frame of an animation
        img.load()
        img = ImageOps.exif_transpose(img)
        has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        img = img.convert("RGBA" if has_alpha else "RGB")
        img.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE), Image.Resampling.LANCZOS)
        return img


def _encode(img: Image.Image) -> tuple[bytes, int, int]:
    current = img
    while True:
        for quality in QUALITIES:
            out = io.BytesIO()
            current.save(out, "WEBP", quality=quality, method=4, exif=b"", xmp="",
                         icc_profile=None)
            if out.tell() <= IMAGE_MAX_BYTES:
                return out.getvalue(), current.width, current.height
        # Still too large (noise compresses badly): shrink and try again.
        current = current.resize((max(1, current.width * 3 // 4),
                                  max(1, current.height * 3 // 4)), Image.Resampling.LANCZOS)
        if current.width == 1 and current.height == 1:
            raise ValidationFailed({"image": NOT_AN_IMAGE})
