"""The embedded PostgreSQL used when DATABASE_URL is unset.

One launcher process owns the cluster (``python -m buildstory serve`` behind
``make run``, or the test session); gunicorn workers and ``flask`` commands only connect
to it through ``embedded_database_url``. The cluster is keyed by a hash of the absolute
instance path, so two checkouts never share one, and its socket lives in a short
directory under /tmp because unix socket paths are limited to 107 bytes.
"""
from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "buildstory"
SUPERUSER = "postgres"


class EmbeddedDatabaseError(RuntimeError):
    """Raised when the embedded cluster cannot be found, installed or started."""


def _key(instance_path) -> str:
    return hashlib.sha256(str(Path(instance_path).resolve()).encode()).hexdigest()[:10]


def _is_root() -> bool:
    return os.geteuid() == 0


def _postgres_can_traverse(path: Path) -> bool:
    """True when the postgres user can reach ``path`` through every parent directory."""
    try:
        pg = pwd.getpwnam(SUPERUSER)
    except KeyError:
        return False
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        st = parent.stat()
        if st.st_uid == pg.pw_uid:
            continue
        if not st.st_mode & 0o001:
            return False
    return True


@dataclass(frozen=True)
class Cluster:
    """A private PostgreSQL cluster: data under ``base``, its socket in ``socket_dir``."""

    base: Path
    socket_dir: Path
    fast: bool = False  # fsync off etc. — for throwaway test clusters only

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    def url(self, dbname: str = DB_NAME) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{dbname}?host={self.socket_dir}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(Path(bin_dir()) / args[0]), *args[1:]]
        if _is_root():
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def _prepare_dirs(self) -> None:
        for path in (self.base, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            if _is_root():
                shutil.chown(path, SUPERUSER, SUPERUSER)
                os.chmod(path, 0o700)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def start(self) -> None:
        """Initialise the cluster when new, then start it unless it already runs."""
        self._prepare_dirs()
        if not self.initialised():
            self._run("initdb", "-N", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8")
        if self.running():
            return
        opts = f"-c listen_addresses='' -k {self.socket_dir} -c max_connections=200"
        if self.fast:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        result = self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l",
                           str(self.log), "-o", opts, "start", check=False)
        if result.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else result.stderr
            raise EmbeddedDatabaseError(f"PostgreSQL did not start:\n{tail}")

    def stop(self) -> None:
        """Stop the cluster (fast shutdown) if it runs."""
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def create_database(self, dbname: str = DB_NAME, template: str | None = None) -> bool:
        """Create ``dbname`` unless it exists; return True when it was created."""
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
                return False
            sql = f'CREATE DATABASE "{dbname}"'
            if template:
                sql += f' TEMPLATE "{template}" STRATEGY FILE_COPY'
            conn.execute(sql)
            return True


def bin_dir() -> str:
    """Return the newest PostgreSQL server bin directory, installing Debian's package as root."""
    env = os.environ.get("PG_BIN")
    if env:
        return env
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return str(Path(found[-1]).parent)
    if _is_root() and shutil.which("apt-get"):
        print("PostgreSQL server not found; installing Debian's postgresql package…", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql", "postgresql-contrib"],
                       check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        return bin_dir()
    raise EmbeddedDatabaseError(
        "No PostgreSQL server found (looked in /usr/lib/postgresql/*/bin). Install it "
        "(Debian: sudo apt-get install postgresql postgresql-contrib) or set DATABASE_URL.")


def cluster_for(instance_path, *, root: Path | None = None, fast: bool = False) -> Cluster:
    """Return the cluster that belongs to ``instance_path``.

    Data lives in ``instance/pg`` when the postgres user can reach it, otherwise in
    ``/var/tmp/buildstory-<key>`` (a checkout under a private home directory).
    """
    key = _key(instance_path)
    base = Path(root) if root else Path(instance_path).resolve() / "pg"
    if root is None and _is_root() and not _postgres_can_traverse(base.parent):
        base = Path("/var/tmp") / f"buildstory-{key}"
    return Cluster(base=base, socket_dir=Path("/tmp") / f"bs-{key}", fast=fast)


def embedded_database_url(instance_path) -> str:
    """Return the URL of the embedded cluster for ``instance_path`` (does not start it)."""
    return cluster_for(instance_path).url()


def _instance_path() -> Path:
    return Path(os.environ.get("BUILDSTORY_INSTANCE", Path.cwd() / "instance")).resolve()


def serve(argv: list[str]) -> int:
    """Start the cluster, migrate, seed the demo once, serve with gunicorn beside one
    ``flask worker`` (background jobs), stop all of them cleanly."""
    instance = _instance_path()
    cluster = None
    env = dict(os.environ, FLASK_APP="buildstory")
    if not os.environ.get("DATABASE_URL"):
        cluster = cluster_for(instance)
        print(f"Starting embedded PostgreSQL in {cluster.base} (socket {cluster.socket_dir})",
              flush=True)
        cluster.start()
        cluster.create_database()
    flask = [sys.executable, "-m", "flask"]
    children: list[subprocess.Popen] = []
    stopped: set[int] = set()

    def _stop(signum, frame):
        # Exactly one SIGTERM per child: a second signal would cut the worker's running
        # jobs short (procrastinate stops gracefully on the first one only). The children
        # run in their own sessions, so Ctrl-C in the terminal reaches only this process.
        for child in children:
            if child.poll() is None and child.pid not in stopped:
                stopped.add(child.pid)
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        subprocess.run([*flask, "db", "upgrade"], check=True, env=env)
        marker = instance / "demo-seeded"
        first_run = not marker.exists()
        if first_run:
            subprocess.run([*flask, "seed-demo"], check=True, env=env)
            marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
        bind = os.environ.get("BIND", "127.0.0.1:5000")
        print(f"\n  Buildstory is running at http://{bind}/  (Ctrl-C stops it)", flush=True)
        print("  Sign in as the demo admin with the email and password printed above (once)."
              if first_run else "  The demo admin's password was printed on the first run; "
              "`make clean-db` starts a fresh demo with a new one.", "\n", flush=True)
        gunicorn = [sys.executable, "-m", "gunicorn", "-b", bind, "-w", "1", "--threads", "8",
                    "--access-logfile", "-", *argv, "wsgi:app"]
        children.append(subprocess.Popen(gunicorn, env=env, start_new_session=True))
        # One background-jobs worker beside the web server (emails, webhooks, fan-outs).
        children.append(subprocess.Popen([*flask, "worker"], env=env, start_new_session=True))
        return children[0].wait()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    finally:
        # SIGTERM whatever still runs (the worker when gunicorn stopped on its own). The
        # worker finishes its running jobs first, and both must be gone before the cluster
        # they use stops.
        _stop(None, None)
        for child in children:
            try:
                child.wait(timeout=120)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if cluster is not None:
            print("Stopping embedded PostgreSQL…", flush=True)
            cluster.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m buildstory.devdb start|stop|status|url|serve|destroy``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv else "status"
    cluster = cluster_for(_instance_path())
    try:
        if command == "serve":
            return serve(argv)
        if command == "start":
            cluster.start()
            cluster.create_database()
            print(cluster.url())
        elif command == "stop":
            cluster.stop()
        elif command == "destroy":
            cluster.stop()
            shutil.rmtree(cluster.base, ignore_errors=True)
            (_instance_path() / "demo-seeded").unlink(missing_ok=True)
            print(f"Deleted {cluster.base}")
        elif command == "url":
            print(cluster.url())
        elif command == "status":
            print("running" if cluster.running() else "stopped", cluster.base)
        else:
            print(__doc__)
            return 2
    except EmbeddedDatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
