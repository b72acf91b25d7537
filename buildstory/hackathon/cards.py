"""Share cards: a 1200×630 PNG per submission, drawn with Pillow, stored once per version
(docs/rules.md "Showcase and share cards").

The version is the first 16 hex digits of SHA-256 over what the card draws and
``RENDERER_VERSION``, so a changed name, text, tool or team gives a new URL while an
unchanged card keeps its immutable one. Storing the PNG on its first request is a cache
fill: ``INSERT … ON CONFLICT`` makes concurrent first requests store one row.

The font (``fonts/``, Source Sans Pro Semibold, SIL Open Font License) is read only here;
characters it has no glyph for are dropped, so drawing never fails on emoji, CJK, RTL or
control characters.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import text

from .. import storage

RENDERER_VERSION = "1"
WIDTH, HEIGHT = 1200, 630
FONT_PATH = Path(__file__).parent / "fonts" / "SourceSansPro-Semibold.ttf"
VERSION_RE = re.compile(r"^[0-9a-f]{16}$")
PLACEHOLDER_VERSION = "0" * 16  # no card stored yet: the route redirects to the current one
TOOLS_ON_CARD = 5
ELLIPSIS = "…"
MISSING_PROBE = "\U0010fffd"  # a private-use code point no font draws: the .notdef glyph

BG, PANEL, TEXT, MUTED, ACCENT = "#0f172a", "#1e293b", "#f8fafc", "#cbd5e1", "#8b5cf6"


@dataclass(frozen=True)
class CardInputs:
    """Everything a card draws; its version is a hash of these."""

    project_name: str
    what_built: str
    tools: tuple[str, ...]
    team: tuple[str, ...]
    event_name: str


def card_version(inputs: CardInputs) -> str:
    """Return the card's version: 16 hex digits of SHA-256 over its inputs and the renderer."""
    payload = json.dumps([RENDERER_VERSION, inputs.project_name, inputs.what_built,
                          list(inputs.tools[:TOOLS_ON_CARD]), list(inputs.team),
                          inputs.event_name], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


@lru_cache(maxsize=8)
def _notdef_mask(size: int) -> bytes:
    return bytes(_font(size).getmask(MISSING_PROBE))


@lru_cache(maxsize=8192)
def _has_glyph(char: str, size: int) -> bool:
    if char == " ":
        return True
    return bytes(_font(size).getmask(char)) != _notdef_mask(size)


def drawable(value: str, size: int) -> str:
    """Return ``value`` with what the font cannot draw removed: control and format
    characters, combining marks left alone, and every character without a glyph."""
    value = unicodedata.normalize("NFC", value or "")
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category in ("Zs", "Zl", "Zp") or char in "\t\n\r":
            kept.append(" ")
        elif category[0] == "C" or category in ("Mn", "Me"):
            continue
        elif _has_glyph(char, size):
            kept.append(char)
    return " ".join("".join(kept).split())


def _fit(draw, value: str, size: int, width: int) -> str:
    """Cut ``value`` with "…" so it fits ``width``."""
    font = _font(size)
    if draw.textlength(value, font=font) <= width:
        return value
    while value and draw.textlength(value + ELLIPSIS, font=font) > width:
        value = value[:-1]
    return value.rstrip() + ELLIPSIS


def wrap(draw, value: str, size: int, width: int, max_lines: int) -> list[str]:
    """Return ``value`` word-wrapped to ``width`` in at most ``max_lines`` lines, the last
    cut with "…" when text is left over; words longer than a line are broken."""
    font = _font(size)
    lines, line = [], ""
    words = value.split()
    for i, word in enumerate(words):
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while draw.textlength(line, font=font) > width:  # a word wider than the card
            cut = len(line)
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        if len(lines) >= max_lines:
            rest = " ".join([line, *words[i + 1:]])
            return lines[:max_lines - 1] + [_fit(draw, lines[max_lines - 1] + " " + rest,
                                                 size, width)]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        return lines[:max_lines - 1] + [_fit(draw, " ".join(lines[max_lines - 1:]), size, width)]
    return lines


def _wordmark(draw, x: int, y: int) -> None:
    draw.polygon([(x + 14, y), (x + 28, y + 14), (x + 14, y + 28), (x, y + 14)], fill=ACCENT)
    draw.text((x + 40, y - 6), "Buildstory", font=_font(32), fill=TEXT)


def render(inputs: CardInputs) -> bytes:
    """Return the card as PNG bytes (1200×630). Never raises on any text."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BG)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)
    x, width, y = 72, WIDTH - 144, 56
    event = drawable(inputs.event_name, 30)
    if event:
        draw.text((x, y), _fit(draw, event, 30, width), font=_font(30), fill=MUTED)
    y += 56
    name = drawable(inputs.project_name, 72)
    for line in wrap(draw, name, 72, width, 2):
        draw.text((x, y), line, font=_font(72), fill=TEXT)
        y += 84
    y += 12
    for line in wrap(draw, drawable(inputs.what_built, 36), 36, width, 3):
        draw.text((x, y), line, font=_font(36), fill=MUTED)
        y += 46
    y = max(y + 16, 420)
    tools = [t for t in (drawable(t, 28) for t in inputs.tools[:TOOLS_ON_CARD]) if t]
    if tools:
        draw.text((x, y), _fit(draw, "Built with " + " · ".join(tools), 28, width),
                  font=_font(28), fill=TEXT)
        y += 42
    team = [t for t in (drawable(t, 28) for t in inputs.team) if t]
    if team:
        draw.text((x, y), _fit(draw, "By " + ", ".join(team), 28, width), font=_font(28),
                  fill=MUTED)
    draw.rectangle((0, HEIGHT - 96, WIDTH, HEIGHT), fill=PANEL)
    _wordmark(draw, x, HEIGHT - 62)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


# --- The stored card (a cache fill on first request) -------------------------------------

STORED_SQL = text("SELECT coalesce(c.png, (SELECT o.data FROM media_objects o "
                  "WHERE o.key = c.storage_key)) AS png, c.storage_key "
                  "FROM submission_cards c WHERE c.submission_id = :id AND c.version = :v")
# The PNG itself is an object of buildstory/storage/; replacing a row's key releases the
# old object (trigger media_release). RETURNING says whether this statement wrote the row
# and whether it replaced an older version.
STORE_SQL = text("""
INSERT INTO submission_cards (submission_id, version, png, storage_key, size, rendered_at)
VALUES (:id, :v, NULL, :key, :size, now())
ON CONFLICT (submission_id) DO UPDATE
  SET version = excluded.version, png = NULL, storage_key = excluded.storage_key,
      size = excluded.size, rendered_at = excluded.rendered_at
  WHERE submission_cards.version <> excluded.version
RETURNING (xmax <> 0) AS replaced
""")


def stored_card(session, submission_id, version: str) -> bytes | None:
    """Return the stored PNG of this version, or None."""
    row = session.execute(STORED_SQL, {"id": submission_id, "v": version}).first()
    if row is None:
        return None
    return storage.read(session, key=row.storage_key, inline=row.png)


def card_png(session, submission_id, inputs: CardInputs) -> bytes:
    """Return the card of the current version: the stored one, else rendered and stored.

    Idempotent: concurrent first requests all render, one row is kept (the primary key
    and ``ON CONFLICT``); a stored older version is replaced. The caller commits."""
    version = card_version(inputs)
    png = stored_card(session, submission_id, version)
    if png is not None:
        return png
    png = render(inputs)
    key = storage.put(session, storage.new_key("cards", submission_id, version, ".png"), png,
                      "image/png")
    written = session.execute(STORE_SQL, {"id": submission_id, "v": version, "key": key,
                                          "size": len(png)}).first()
    if written is None:  # a concurrent request stored this version first: ours is spare
        storage.forget(session, key)
    elif written.replaced:
        storage.released(session)  # the older version's object goes after the commit
    return png
