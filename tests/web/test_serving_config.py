"""Production serving settings (gunicorn.conf.py, README "Performance")."""
import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS",
                 "DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.setenv(name, "")  # recorded, so the file's setdefault is undone after
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_two_sync_processes_per_core_and_a_statement_timeout(monkeypatch):
    conf = load(monkeypatch)
    assert conf["workers"] == 2 * os.cpu_count() and conf["threads"] == 1
    assert conf["worker_class"] == "sync" and conf["timeout"] == 30
    assert os.environ["DB_STATEMENT_TIMEOUT_MS"] == "5000"


def test_the_environment_overrides_them(monkeypatch):
    conf = load(monkeypatch, WEB_CONCURRENCY="1", GUNICORN_THREADS="8",
                DB_STATEMENT_TIMEOUT_MS="2000")
    assert (conf["workers"], conf["threads"]) == (1, 8)
    assert os.environ["DB_STATEMENT_TIMEOUT_MS"] == "2000"


def test_gunicorn_accepts_the_file():
    r = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                        "--check-config", "wsgi:app"], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "DATABASE_URL": "postgresql://localhost/unused"})
    assert r.returncode == 0, r.stderr
