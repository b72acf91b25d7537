"""Buildstory: a community platform for people who build with AI."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, errors, Jinja, CLI."""
    instance = os.environ.get("BUILDSTORY_INSTANCE") or str(Path.cwd() / "instance")
    from .web.proxy import BuildstoryFlask  # external URLs from PUBLIC_URL
    app = BuildstoryFlask(__name__, instance_path=str(Path(instance).resolve()),
                          instance_relative_config=False)
    from .web.jinja import Environment
    app.jinja_environment = Environment  # before anything touches app.jinja_env
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)

    from .db import db, migrate
    from . import models  # noqa: F401  (registers every table for Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))

    from .web import init_web
    init_web(app)
    from . import storage
    storage.init_app(app)
    from .routes import register_blueprints
    register_blueprints(app)
    from .cli import init_cli
    init_cli(app)
    return app
