"""CSV cells that spreadsheet programs show as text and never run as formulas.

A spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula. Programs that split rows on ``;`` (the separator in many
locales), on tabs or on line breaks turn ``Bob;=2+5`` into two cells, the second a formula,
so a check of the first character is not enough. Every such trigger — at the start or
after one of those separators — gets an apostrophe in front (shown as text), and every
field is quoted.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime

TRIGGERS = "=+\\-@"
# A trigger at the start or after a separator (optional spaces in between).
_FORMULA = re.compile(rf"(^|[;,\t\r\n])([ \t\r\n]*)([{TRIGGERS}])")
_LEADING = ("\t", "\r", "\n")


def neutralise(value) -> str:
    """Return ``value`` as cell text with every formula trigger made inert."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = _FORMULA.sub(r"\1\2'\3", str(value))
    if text.startswith(_LEADING):
        text = "'" + text
    return text


def writer(buffer):
    """A CSV writer that quotes every field."""
    return csv.writer(buffer, quoting=csv.QUOTE_ALL)


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """Yield the CSV text line by line: the header, then each row neutralised."""
    buffer = io.StringIO()
    out = writer(buffer)

    def line(cells) -> str:
        out.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)  # the BOM makes Excel read UTF-8 names correctly
    for row in rows:
        yield line([neutralise(cell) for cell in row])
