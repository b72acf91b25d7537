"""While PostgreSQL is down pages answer a friendly 503; when it is back the app recovers."""
import shutil
import tempfile
from pathlib import Path

import pytest

from buildstory import create_app
from buildstory.devdb import Cluster


@pytest.fixture
def own_cluster():
    """A cluster of this test's own — fault tests never touch the shared test cluster."""
    base = Path(tempfile.mkdtemp(prefix="bs-fault-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    cluster = Cluster(base=base, socket_dir=base, fast=True)
    cluster.start()
    cluster.create_database("fault")
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_database_outage_gives_503_and_recovers_without_restart(own_cluster):
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": own_cluster.url("fault")})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    own_cluster.stop()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert "Buildstory is briefly unavailable. Try again in a moment." in r.get_data(as_text=True)
    r = client.get("/healthz", headers={"HX-Request": "true"})
    assert r.status_code == 503 and r.headers["HX-Retarget"] == "#messages"
    own_cluster.start()
    assert client.get("/healthz").status_code == 200
