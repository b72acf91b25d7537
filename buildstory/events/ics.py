"""The event's calendar file (RFC 5545): one VEVENT in UTC, escaped text, folded lines."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from .. import markdown

LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(raw, escaped)
    return value


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > LINE_OCTETS:
            out.append(current)
            current, size = " ", 1  # a continuation line starts with one space
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(dt: datetime) -> str:
    """Return a UTC DATE-TIME value like 20250301T180000Z."""
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def plain_description(text: str) -> str:
    """Return the description as plain text, one paragraph per block (markup stripped)."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))
    return "\n\n".join(p for p in (markdown.plain(block) for block in paragraphs) if p)


def calendar(event, *, url: str) -> str:
    """Return the VCALENDAR text of ``event`` (CRLF line endings), linking to ``url``."""
    description = plain_description(event.description)
    description = f"{description}\n\n{url}" if description else url
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Buildstory//Events//EN",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:event-{event.id}@buildstory",
        f"DTSTAMP:{utc_stamp(event.updated_at or event.created_at)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.name)}",
        f"URL:{url}",
        f"DESCRIPTION:{escape_text(description)}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
