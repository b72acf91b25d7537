"""Versioned static URLs (content hash in the query) served with immutable caching."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=64)
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_assets(app) -> None:
    """Add ``asset_url(filename)`` to templates and cache versioned files for a year."""
    static = Path(app.static_folder)
    built: dict[tuple[str, str], str] = {}  # (script root, filename) → URL, per process

    def asset_url(filename: str) -> str:
        key = (request.script_root, filename)
        url = built.get(key)
        if url is None:
            url = built[key] = url_for("static", filename=filename,
                                       v=_digest(str(static / filename)))
        return url

    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def _cache(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
