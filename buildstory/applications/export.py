"""CSV exports, streamed row by row, safe to open in a spreadsheet (``buildstory/csvsafe.py``)."""
from __future__ import annotations

from ..csvsafe import csv_lines, neutralise  # noqa: F401  (this module's API)
