"""Avatars: upload processing, the versioned URL of a stored image, or initials."""
from __future__ import annotations

import hashlib
import io
import threading
import warnings
from functools import lru_cache

from markupsafe import Markup, escape
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ValidationFailed

PALETTE = ["#5b3fd6", "#0f766e", "#b45309", "#be123c", "#1d4ed8", "#7c3aed", "#047857",
           "#c2410c"]


def avatar_url(profile) -> str | None:
    """Return the immutable URL of the builder's uploaded avatar, else their Clerk image
    (Clerk mode), or None."""
    if not profile.avatar_hash:
        return getattr(profile, "clerk_image_url", None)
    from ..web.urls import link_for  # here, so the image processing imports without Flask
    return link_for("profiles.avatar", profile_id=profile.id, digest=profile.avatar_hash)


def initials(name: str | None) -> str:
    """Return up to two initials of a display name ("Ada Lovelace" → "AL")."""
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    letters = "".join(p[0] for p in parts[:2]) or (name or "?")[:1]
    return letters.upper()


def _colour(profile_id) -> str:
    digest = hashlib.sha256(str(profile_id).encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def avatar_markup(profile, size=40):
    """Return the ``avatar`` macro's HTML: the uploaded image, or the initials drawn as
    inline SVG (built once per builder, name and size: lists show many avatars)."""
    url = avatar_url(profile)
    if url:
        return Markup(f'<img class="avatar" src="{escape(url)}" width="{escape(size)}" '
                      f'height="{escape(size)}" alt="" loading="lazy" referrerpolicy="no-referrer">')
    return _initials_svg(profile.id, profile.display_name, size)


@lru_cache(maxsize=8192)
def _initials_svg(profile_id, name, size):
    return Markup(
        f'<svg class="avatar" width="{escape(size)}" height="{escape(size)}" viewBox="0 0 40 40" '
        f'aria-hidden="true" focusable="false"><rect width="40" height="40" rx="20" '
        f'fill="{escape(_colour(profile_id))}"/><text x="20" y="25.5" text-anchor="middle" '
        f'font-size="15" font-weight="700" fill="#fff" font-family="system-ui, sans-serif">'
        f'{escape(initials(name))}</text></svg>')


# --- Image processing for uploads (docs/rules.md "Profiles") ---------------------------------

SIZE = 256
CONTENT_TYPE = "image/webp"
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
NOT_AN_IMAGE = "Upload a JPEG, PNG, WebP or GIF image"
# A 5 MB file can still declare a huge picture (a decompression bomb: a 90 KB WebP of
# 7070×7070 pixels decodes to about 1 GB). The size is read from the header and anything
# larger than this is refused before a single pixel is decoded.
MAX_SIDE = 4096
MAX_PIXELS = 16_000_000
TOO_LARGE = "Image must be at most 4096×4096 pixels (16 megapixels)"
MAX_STORED_BYTES = 64 * 1024
QUALITIES = (82, 70, 55, 40, 25)
# One image at a time per process: a few concurrent uploads of the largest allowed
# images would otherwise add up their decoded sizes.
_PROCESSING = threading.Lock()


class _TooLarge(Exception):
    pass


def process_image(data: bytes) -> bytes:
    """Return the upload as a 256×256 centre-cropped WebP without metadata.

    Raises ValidationFailed("Image must be at most 4096×4096 pixels (16 megapixels)")
    for larger images, judged from the header alone, and ValidationFailed("Upload a JPEG,
    PNG, WebP or GIF image") for anything that is not a decodable image of those formats.
    """
    with _PROCESSING:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                square = _square(data)
        except (_TooLarge, Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow's own check fires first for the most extreme sizes.
            raise ValidationFailed({"avatar": TOO_LARGE}) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                MemoryError, IndexError, TypeError, KeyError):
            # Pillow's decoders signal corrupt input with any of these.
            raise ValidationFailed({"avatar": NOT_AN_IMAGE}) from None
        return _encode(square)


def _square(data: bytes) -> Image.Image:
    """Decode as little as possible: header check, JPEG's reduced-scale decoding, EXIF
    rotation in place, then crop and shrink early without a full-size copy."""
    with Image.open(io.BytesIO(data), formats=FORMATS) as img:
        width, height = img.size
        if width < 1 or height < 1:
            raise ValueError("empty image")
        if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
            raise _TooLarge()
        img.draft("RGB", (SIZE * 2, SIZE * 2))  # JPEG: decode at a reduced scale
        img.seek(0)  # the first frame of an animation
        img.load()
        ImageOps.exif_transpose(img, in_place=True)  # phones store rotation in EXIF
        has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        mode = "RGBA" if has_alpha else "RGB"
        width, height = img.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        square = _shrink(img, (left, top, left + side, top + side), mode)
        return square.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def _shrink(img: Image.Image, box: tuple, mode: str) -> Image.Image:
    """Return the ``box`` square of ``img`` in ``mode``, box-reduced to about 2×SIZE.

    Done in horizontal strips: Pillow's own ``reduce``/``resize``/``convert`` of an RGBA
    or palette image would first make a full-size copy (premultiplied alpha, or the mode
    conversion), doubling the memory a large upload costs.
    """
    left, top, right, bottom = box
    side = right - left
    factor = max(1, side // (SIZE * 2))
    if factor == 1:
        return img.crop(box).convert(mode)
    band = factor * 64
    reduced = -(-side // factor)
    out = Image.new(mode, (reduced, reduced))
    for y in range(top, bottom, band):
        strip = img.crop((left, y, right, min(y + band, bottom)))
        out.paste(strip.convert(mode).reduce(factor), (0, (y - top) // factor))
    return out


def _encode(img: Image.Image) -> bytes:
    """Encode as WebP with no EXIF, XMP or ICC data, within the stored size limit."""
    for quality in QUALITIES:
        out = io.BytesIO()
        img.save(out, "WEBP", quality=quality, method=4, exif=b"", xmp="", icc_profile=None)
        if out.tell() <= MAX_STORED_BYTES:
            return out.getvalue()
    raise ValidationFailed({"avatar": NOT_AN_IMAGE})  # unreachable for 256×256 in practice
