"""Browser tests: Playwright driving Debian's Chromium against a live server.

A missing browser is a failure, not a skip: CI installs Chromium (`make test`).
Data must be committed (the live server uses its own connections), so every browser test
uses the ``committed`` fixture, which truncates the tables afterwards.
"""
import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def site(live_server, committed):
    """The live server's base URL, with committed data cleaned up after the test."""
    return live_server
