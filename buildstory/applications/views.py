"""The applications blueprint (routes are added by the applications feature)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__)
