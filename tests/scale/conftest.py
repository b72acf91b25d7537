"""The scale-out topology, started by the tests on loopback and stopped at the end:

    client ──► nginx (round robin, no sticky sessions; X-Upstream names the server)
                 ├──► gunicorn wsgi:app  #1 ─┐
                 └──► gunicorn wsgi:app  #2 ─┤── Redis (rate limits, stats cache)
                                             ├── PgBouncer (transaction pooling) ──► primary
                                             └── read replica (pg_basebackup, streaming)
    flask worker ×2 (jobs) ── PgBouncer for their work, the primary directly for the queue

The primary is the run's test cluster (``cluster``/``app`` fixtures, already migrated);
everything else is a real process of Debian's packages (``make test`` installs them) or
of this checkout (``gunicorn -c gunicorn.conf.py wsgi:app``, ``flask worker``), each
waited for by polling its socket within a deadline and stopped by the pid it was given.
A missing program is a failure, not a skip.
"""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from buildstory.devdb import SUPERUSER, Cluster

ROOT = Path(__file__).resolve().parents[2]
SHM = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
REDIS = os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
PGBOUNCER = os.environ.get("PGBOUNCER") or shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
DB = "buildstory_test"
HOST = "buildstory.test"
DEADLINE = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, what: str, deadline: float = DEADLINE, process=None):
    """Poll ``check()`` until it returns something true, failing after ``deadline`` s (or
    as soon as ``process`` exits)."""
    end = time.monotonic() + deadline
    while True:
        try:
            found = check()
        except Exception as error:  # noqa: BLE001 — not ready yet
            found, last = None, error
        else:
            last = None
        if found:
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process exited with {process.returncode}")
        if time.monotonic() > end:
            pytest.fail(f"{what}: not ready after {deadline} s ({last!r})")
        time.sleep(0.05)  # polling interval of a readiness check with a deadline


def _port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def _need(program: str, package: str) -> None:
    if not Path(program).is_file():
        pytest.fail(f"{program} not found: `make test` installs it (apt-get install {package})")


MARK = "BUILDSTORY_SCALE_RUN"


class Procs:
    """The processes this run started, stopped in reverse order by their own pids. Each
    carries ``BUILDSTORY_SCALE_RUN=<its run directory>`` in its environment and its pid is
    listed in that directory, so a later run can stop what a killed run left behind."""

    def __init__(self, base: Path):
        self.base = base
        self.started: list[subprocess.Popen] = []

    def env(self, env: dict | None = None) -> dict:
        return {**(os.environ if env is None else env), MARK: str(self.base)}

    def start(self, cmd, env: dict | None = None, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, start_new_session=True, env=self.env(env), **kw)
        self.started.append(proc)
        with open(self.base / "pids", "a") as pids:
            pids.write(f"{proc.pid}\n")
        return proc

    def stop(self, proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


def _ours(pid: int, base: Path) -> bool:
    """True when process ``pid`` was started by the run that owned ``base``: its
    environment carries the mark, or (nginx and Redis write their title over it) its
    command line names the run directory or it runs in it."""
    proc = Path(f"/proc/{pid}")
    try:
        if f"{MARK}={base}".encode() in (proc / "environ").read_bytes().split(b"\0"):
            return True
        if str(base).encode() in (proc / "cmdline").read_bytes():
            return True
        return Path(os.readlink(proc / "cwd")) == base
    except OSError:
        return False


def _stop_orphans() -> None:
    """Stop what runs killed before their teardown left behind — by the pids and data
    directory they recorded (each checked to be theirs), never by process name."""
    for base in SHM.glob("bss-*"):
        owner = base.name.split("-")[-1]
        if not owner.isdigit() or Path(f"/proc/{owner}").exists():
            continue
        pidfiles = [base / "nginx" / "nginx.pid"]
        pids = [int(p) for p in (base / "pids").read_text().split()] \
            if (base / "pids").exists() else []
        pids += [int(f.read_text()) for f in pidfiles if f.exists()]
        for pid in pids:
            if _ours(pid, base):
                try:
                    os.killpg(pid, signal.SIGTERM)
                except OSError:
                    os.kill(pid, signal.SIGTERM)
        if (base / "replica").exists():
            Cluster(base=base / "replica", socket_dir=base / "replica").stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def scale_dir():
    """A directory every server can read (the postgres user too), removed at the end."""
    _stop_orphans()
    base = SHM / f"bss-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def procs(scale_dir):
    p = Procs(scale_dir)
    yield p
    p.stop_all()


# --- PostgreSQL: the primary and a streaming replica -------------------------------------

class Replica:
    """The streaming replica made with pg_basebackup from the run's primary cluster."""

    def __init__(self, primary: Cluster, base: Path):
        self.primary = primary
        self.cluster = Cluster(base=base, socket_dir=base, fast=True)

    def create(self) -> None:
        self.cluster._prepare_dirs()
        made = self.cluster._run("pg_basebackup", "-D", str(self.cluster.data), "-h",
                                 str(self.primary.socket_dir), "-U", SUPERUSER, "-R",
                                 "-X", "stream", "-c", "fast", check=False)
        assert made.returncode == 0, made.stderr
        self.start()

    def start(self) -> None:
        self.cluster.start()

    def stop(self) -> None:
        self.cluster.stop()

    def url(self) -> str:
        return self.cluster.url(DB)

    def sql(self, statement: str, params=()):
        import psycopg
        with psycopg.connect(host=str(self.cluster.socket_dir), user=SUPERUSER,
                             dbname=DB, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchone() if cursor.description else None

    def set_apply_delay(self, delay: str) -> None:
        """Hold back applying the primary's commits by ``delay`` ('0' to catch up)."""
        self.sql(f"ALTER SYSTEM SET recovery_min_apply_delay = '{delay}'")
        self.sql("SELECT pg_reload_conf()")

    def caught_up(self) -> bool:
        """True once the replica has replayed everything the primary has written (the
        insert position: with synchronous_commit off a commit may not be flushed yet)."""
        import psycopg
        with psycopg.connect(host=str(self.primary.socket_dir), user=SUPERUSER, dbname=DB,
                             autocommit=True) as conn:
            lsn = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]
        return bool(self.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0])

    def wait_caught_up(self) -> None:
        wait_until(self.caught_up, "the replica catching up")


@pytest.fixture(scope="session")
def replica(app, cluster, scale_dir):
    rep = Replica(cluster, scale_dir / "replica")
    rep.create()
    rep.wait_caught_up()
    yield rep
    rep.stop()


# --- PgBouncer, Redis ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def pgbouncer(app, cluster, scale_dir, procs):
    """PgBouncer in transaction pooling mode in front of the primary; yields its port."""
    _need(PGBOUNCER, "pgbouncer")
    base = scale_dir / "pgbouncer"
    base.mkdir()
    port = free_port()
    (base / "users.txt").write_text(f'"{SUPERUSER}" ""\n')
    (base / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{DB} = host={cluster.socket_dir} dbname={DB} user={SUPERUSER}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {base}/users.txt\n"
        "pool_mode = transaction\ndefault_pool_size = 8\nmax_client_conn = 200\n"
        f"logfile = {base}/pgbouncer.log\n")
    for path in (base, base / "users.txt", base / "pgbouncer.ini"):
        shutil.chown(path, SUPERUSER, SUPERUSER) if os.geteuid() == 0 else None
    cmd = [PGBOUNCER, str(base / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: it switches to postgres
        cmd[1:1] = ["-u", SUPERUSER]
    proc = procs.start(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: _port_open(port), "pgbouncer", process=proc)
    yield port


@pytest.fixture(scope="session")
def redis_server(scale_dir, procs):
    """A Redis server on loopback, nothing persisted; yields its port."""
    _need(REDIS, "redis-server")
    port = free_port()
    proc = procs.start([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", str(scale_dir)],
                       stdout=subprocess.DEVNULL)
    import redis
    wait_until(lambda: redis.Redis(port=port).ping(), "redis-server", process=proc)
    yield port


# --- The app servers and nginx ------------------------------------------------------------

def app_env(app, scale_dir, *, pgbouncer, redis_port, replica=None, **extra) -> dict:
    """The environment of a production-like process of this app in the topology."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BUILDSTORY_INSTANCE": str(scale_dir / "instance"),
        "DATABASE_URL": f"postgresql://{SUPERUSER}@127.0.0.1:{pgbouncer}/{DB}",
        "DB_TRANSACTION_POOLER": "1",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "TRUSTED_PROXY_HOPS": "1",
        "TRUSTED_HOSTS": HOST,
        "MAIL_URL": "log:",
        "FLASK_APP": "buildstory",
    })
    if replica is not None:
        env["DATABASE_REPLICA_URL"] = replica.url()
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def app_servers(app, scale_dir, procs, pgbouncer, redis_server, replica):
    """Two gunicorn servers of the production entry point (``wsgi.py`` with
    ``gunicorn.conf.py``), one worker process each; yields their ports."""
    ports = []
    for _ in range(2):
        port = free_port()
        env = app_env(app, scale_dir, pgbouncer=pgbouncer, redis_port=redis_server,
                      replica=replica, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
        proc = procs.start([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                            "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=open(scale_dir / f"gunicorn-{port}.log", "w"))
        ports.append((port, proc))
    for port, proc in ports:
        wait_until(lambda: _healthy(port), f"gunicorn on {port}", process=proc)
    yield [port for port, _ in ports]


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz", headers={"Host": HOST})
        return conn.getresponse().status == 200
    finally:
        conn.close()


@pytest.fixture(scope="session")
def balancer(app_servers, scale_dir, procs):
    """nginx from deploy/nginx.conf with both app servers in its upstream (round robin,
    the default: no ip_hash, no sticky cookie) and an ``X-Upstream`` header naming the
    server that answered; yields its port."""
    _need(NGINX, "nginx")
    base = scale_dir / "nginx"
    base.mkdir()
    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server 127.0.0.1:8000;" in site and "listen 80;" in site \
        and "proxy_read_timeout 35s;" in site, \
        "deploy/nginx.conf changed shape: update tests/scale/conftest.py"
    servers = "\n    ".join(f"server 127.0.0.1:{p};" for p in app_servers)
    site = (site.replace("server 127.0.0.1:8000;", servers)
            .replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("proxy_read_timeout 35s;",
                     "proxy_read_timeout 35s;\n        add_header X-Upstream $upstream_addr always;"))
    (base / "site.conf").write_text(site)
    temp = "".join(f"    {kind}_temp_path {base}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (base / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {base}/nginx.pid;\nerror_log {base}/error.log info;\nworker_processes 1;\n"
        "events { worker_connections 128; }\n"
        f"http {{\n    access_log {base}/access.log;\n{temp}"
        f"    include {base}/site.conf;\n}}\n")
    cmd = [NGINX, "-p", str(base), "-c", str(base / "nginx.conf"), "-e", str(base / "error.log")]
    # nginx daemonises once its listening socket is open: when this returns, it accepts.
    started = subprocess.run(cmd, capture_output=True, text=True, env=procs.env())
    assert started.returncode == 0, started.stderr
    pid = int((base / "nginx.pid").read_text())
    try:
        yield port
    finally:
        os.kill(pid, signal.SIGQUIT)  # our own master process, by the pid it wrote


# --- A visitor ----------------------------------------------------------------------------

class Visitor:
    """One browser through the balancer: a cookie jar; every answer's server is appended
    to the shared ``served`` list (from nginx's X-Upstream)."""

    def __init__(self, port: int, served: list[str]):
        self.port, self.served = port, served
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        upstream = response.headers.get("X-Upstream")
        assert upstream, f"no X-Upstream on {method} {path}"
        self.served.append(upstream)
        return response

    def get(self, path: str):
        return self.request("GET", path)

    def token(self) -> str:
        import re
        page = self.get("/sign-in")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, page.text[:300]
        return match.group(1)

    def post(self, path: str, data: dict):
        return self.request("POST", path, {**data, "csrf_token": self.token()})
