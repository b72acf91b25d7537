"""The embedded PostgreSQL: private, persistent, short socket paths, safe fallbacks."""
import os
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from buildstory import devdb


def test_cluster_paths_are_keyed_by_checkout_and_socket_paths_are_short(tmp_path):
    a = devdb.cluster_for(tmp_path / "a" / "instance")
    b = devdb.cluster_for(tmp_path / "b" / "instance")
    assert a.socket_dir != b.socket_dir and a.base != b.base
    deep = tmp_path / ("x" * 80) / ("y" * 80) / "instance"
    socket = devdb.cluster_for(deep).socket_dir / ".s.PGSQL.5432"
    assert len(str(socket)) < 107
    assert devdb.embedded_database_url(deep).startswith("postgresql+psycopg://postgres@/buildstory?host=/tmp/bs-")


@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback only applies when running as root")
def test_data_falls_back_when_the_checkout_parents_are_private():
    private = Path(tempfile.mkdtemp(prefix="bs-private-"))
    try:
        os.chmod(private, 0o700)
        cluster = devdb.cluster_for(private / "checkout" / "instance")
        assert str(cluster.base).startswith("/var/tmp/buildstory-")
        os.chmod(private, 0o755)
        cluster = devdb.cluster_for(private / "checkout" / "instance")
        assert cluster.base == (private / "checkout" / "instance" / "pg").resolve()
    finally:
        shutil.rmtree(private, ignore_errors=True)


def test_a_cluster_keeps_its_data_across_restarts():
    base = Path(tempfile.mkdtemp(prefix="bs-persist-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    cluster = devdb.Cluster(base=base, socket_dir=base, fast=True)
    try:
        cluster.start()
        assert cluster.create_database("persist") is True
        assert cluster.create_database("persist") is False
        conninfo = dict(host=str(base), user="postgres", dbname="persist", autocommit=True)
        with psycopg.connect(**conninfo) as conn:
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        cluster.stop()
        assert not cluster.running()
        cluster.start()
        assert cluster.running()
        with psycopg.connect(**conninfo) as conn:
            assert conn.execute("SELECT x FROM kept").fetchone() == (42,)
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
