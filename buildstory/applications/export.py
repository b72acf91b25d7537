"""CSV exports, streamed row by row, safe to open in a spreadsheet (docs/rules.md "Applications, streams and draws").

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return, which some
spreadsheets also read as a formula start) is prefixed with an apostrophe, so it shows as
text instead of running as a formula.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Return ``value`` as CSV cell text, formula-leading text prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """Yield the CSV text line by line: the header, then each row neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)  # the BOM makes Excel read UTF-8 names correctly
    for row in rows:
        yield line([neutralise(cell) for cell in row])
