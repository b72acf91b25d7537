"""The teams blueprint (routes are added by the teams feature)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("teams", __name__)
