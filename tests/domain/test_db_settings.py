"""Database connection settings of production (README "Performance"): an optional
statement timeout, off unless DB_STATEMENT_TIMEOUT_MS is set."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from buildstory.config import load_config


def engine_for(cluster, tmp_path, env):
    config = load_config(str(tmp_path), {"DATABASE_URL": cluster.url("buildstory_test"), **env})
    options = {k: v for k, v in config["SQLALCHEMY_ENGINE_OPTIONS"].items()}
    return sa.create_engine(config["SQLALCHEMY_DATABASE_URI"], **options)


def test_statement_timeout_cancels_a_slow_statement(cluster, tmp_path):
    engine = engine_for(cluster, tmp_path, {"DB_STATEMENT_TIMEOUT_MS": "100"})
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "100ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(sa.text("SELECT pg_sleep(1)"))
    finally:
        engine.dispose()


def test_no_statement_timeout_by_default(cluster, tmp_path):
    engine = engine_for(cluster, tmp_path, {})
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
    finally:
        engine.dispose()
